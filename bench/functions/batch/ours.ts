// The batch on this runtime: each body decoded with the Order Schema, then 20 ms of "I/O".
// BENCH_BATCH_CONCURRENCY (1 or 10) is read at init so that one build serves both rows.
import { Duration, Effect } from "effect"
import { LambdaEvents, LambdaRuntime } from "../../../src/index.js"
import { IO_MS, Order } from "./orders.js"

const io = Duration.millis(IO_MS)

LambdaRuntime.run(
  LambdaEvents.sqs(Order, () => Effect.sleep(io), { concurrency: Number(process.env.BENCH_BATCH_CONCURRENCY ?? 1) })
)
