// Effect's own cost in the batch, without this runtime: a plain async handler on aws-lambda-ric
// that runs each batch as one Effect program, every record a fiber (as Effect.forEach makes
// them) decoding its body with the same Schema and then waiting with Effect.sleep, as the
// runtime's function does. No log annotations, no cut-off, no summary line: the floor an Effect
// batch handler has on Effect 3, whatever runs it. BENCH_BATCH_PARALLEL=false runs the records
// one after the other.
import type { SQSEvent } from "aws-lambda"
import { Duration, Effect, Schema } from "effect"
import { IO_MS, Order } from "./orders.js"

const decode = Schema.decodeUnknown(Schema.parseJson(Order))
const io = Duration.millis(IO_MS)
const concurrency = process.env.BENCH_BATCH_PARALLEL === "false" ? 1 : "unbounded"

export const handler = (event: SQSEvent) =>
  Effect.runPromise(
    Effect.forEach(event.Records, (record) => Effect.zipRight(decode(record.body), Effect.sleep(io)), {
      concurrency,
      discard: true
    }).pipe(Effect.as({ batchItemFailures: [] }))
  )
