/**
 * Response streaming for a Function URL (invoke mode `RESPONSE_STREAM`): a CSV export that is
 * built row by row from a Stream and reaches the caller while later rows are still being made.
 * The status, headers and cookie travel in the HTTP integration prelude; the audit line is
 * detached and runs after the last byte, before the next invocation.
 */
import { Chunk, Effect, Stream } from "effect"
import { LambdaContext, LambdaHandler } from "../../src/index.js"

export interface ExportRequest {
  readonly rows?: number
}

/** Stands in for a paged database query: one row per order. */
const orders = (count: number) =>
  Stream.range(1, count).pipe(
    Stream.map((id) => `${id},customer-${id % 97},${((id * 7919) % 100_000) / 100}\n`)
  )

export const handler = LambdaHandler.httpStream((event: ExportRequest | null, context: LambdaContext) =>
  Effect.gen(function*() {
    const rows = Math.max(0, Math.min(event?.rows ?? 1000, 1_000_000))
    yield* Effect.log(`exporting ${rows} rows`)
    return {
      statusCode: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": "attachment; filename=\"orders.csv\""
      },
      cookies: [`last-export=${context.requestId}; Path=/; HttpOnly`],
      body: Stream.make("id,customer,amount\n").pipe(
        Stream.concat(orders(rows)),
        // One write per 500 rows rather than one per row: fewer, larger chunks on the wire.
        Stream.rechunk(500),
        Stream.mapChunks((chunk) => Chunk.of(Chunk.join(chunk, ""))),
        Stream.onDone(() => LambdaContext.detach(Effect.log(`audit: ${rows} rows exported`)))
      )
    }
  })
)
