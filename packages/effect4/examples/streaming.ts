/**
 * Response streaming on the Effect 4 line, for a Function URL in `RESPONSE_STREAM` invoke mode:
 * a CSV export built row by row from a Stream, which reaches the caller while later rows are
 * still being made. The status, headers and cookie travel in the HTTP integration prelude; the
 * audit line is detached and runs after the last byte, before the next invocation.
 *
 *   PATH=<Node 22>:$PATH npx effect-lambda run packages/effect4/examples/streaming.ts --event - <<< '{"rows":5}'
 */
import { Config, Effect, Stream } from "effect"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

interface ExportRequest {
  readonly rows?: number
}

/** The largest export one invocation makes (`EXPORT_MAX_ROWS`, default one million). */
const maxRows = Config.Int("EXPORT_MAX_ROWS").pipe(Config.withDefault(1_000_000))

/** The CSV download's headers, in the HTTP integration prelude. */
const csvHeaders = {
  "content-type": "text/csv; charset=utf-8",
  "content-disposition": "attachment; filename=\"orders.csv\""
}

/** Stands in for a paged database query: the header line, then one line per order. */
const csvLines = (count: number) =>
  Stream.concat(
    Stream.succeed("id,customer,amount\n"),
    Stream.map(Stream.range(1, count), (id) => `${id},customer-${id % 97},${((id * 7919) % 100_000) / 100}\n`)
  )

/**
 * The export as it goes on the wire: one write per 500 lines rather than one per line (fewer,
 * larger chunks), and an audit line detached at the end (it runs after the last byte).
 */
const csvExport = (rows: number) =>
  csvLines(rows).pipe(
    Stream.rechunk(500),
    Stream.mapArray((lines) => [lines.join("")] as const),
    Stream.onEnd(LambdaContext.detach(Effect.log(`audit: ${rows} rows exported`)))
  )

LambdaRuntime.run(LambdaHandler.httpStream((event: ExportRequest | null, context) =>
  Effect.gen(function*() {
    const rows = Math.max(0, Math.min(event?.rows ?? 1000, yield* maxRows))
    yield* Effect.log(`exporting ${rows} rows`)
    return {
      statusCode: 200,
      headers: csvHeaders,
      cookies: [`last-export=${context.requestId}; Path=/; HttpOnly`],
      body: csvExport(rows)
    }
  })
))
