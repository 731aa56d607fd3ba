// The realistic functions' service: an AWS SDK v3 SQS client built once by the layer (scoped,
// destroyed on shutdown). QUEUE_URL and SQS_ENDPOINT (a local fake in the bench) come from Config.
// Shared by the two Effect variants (this runtime and @effect-aws/lambda); the SDK calls are in
// sqs.ts, shared with the Effect 4 line's service.
import { Config, Context, Data, Effect, Layer, Option } from "effect"
import type { Order } from "./order.js"
import { sendJson, sqsClient } from "./sqs.js"

export class EnqueueFailed extends Data.TaggedError("EnqueueFailed")<{ readonly cause: unknown }> {}

export class Orders extends Context.Tag("bench/Orders")<Orders, {
  readonly enqueue: (order: Order) => Effect.Effect<string, EnqueueFailed>
}>() {}

export const OrdersLive = Layer.scoped(
  Orders,
  Effect.gen(function*() {
    const queueUrl = yield* Config.string("QUEUE_URL")
    const endpoint = yield* Config.option(Config.string("SQS_ENDPOINT"))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => sqsClient(Option.getOrUndefined(endpoint))),
      (client) => Effect.sync(() => client.destroy())
    )
    return {
      enqueue: (order: Order) =>
        Effect.tryPromise({
          try: (signal) => sendJson(client, queueUrl, order, signal),
          catch: (cause) => new EnqueueFailed({ cause })
        })
    }
  })
)
