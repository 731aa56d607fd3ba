// The batch of bench/functions/batch/ours.ts on the Effect 4 line: each body decoded with the
// same Order rules (an integer quantity above 0), then 20 ms of "I/O". BENCH_BATCH_CONCURRENCY
// (1 or 10) is read at init so that one build serves both rows.
import { Duration, Effect, Schema } from "effect"
import { LambdaEvents, LambdaRuntime } from "../../../src/index.js"

const Order = Schema.Struct({
  orderId: Schema.String,
  quantity: Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isGreaterThan(0)))
})

const io = Duration.millis(20)

LambdaRuntime.run(
  LambdaEvents.sqs(Order, () => Effect.sleep(io), { concurrency: Number(process.env.BENCH_BATCH_CONCURRENCY ?? 1) })
)
