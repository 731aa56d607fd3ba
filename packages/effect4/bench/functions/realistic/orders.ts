// The realistic function's service on the Effect 4 line: an AWS SDK v3 SQS client built once by
// the layer (scoped: in Effect 4 `Layer.effect` owns the scope, so the client is destroyed on
// shutdown). QUEUE_URL and SQS_ENDPOINT (a local fake in the bench) come from Config. The SDK
// calls are the Effect 3 line's (bench/functions/realistic/sqs.ts), which need no Effect.
import { Config, Context, Data, Effect, Layer, Option } from "effect"
import { sendJson, sqsClient } from "../../../../../bench/functions/realistic/sqs.js"
import type { Order } from "./order.js"

/** SQS did not take the order. */
export class EnqueueFailed extends Data.TaggedError("EnqueueFailed")<{ readonly cause: unknown }> {}

/** Where accepted orders go. */
export class Orders extends Context.Service<Orders, {
  /** Sends the order to the queue; succeeds with SQS's message id. */
  readonly enqueue: (order: Order) => Effect.Effect<string, EnqueueFailed>
}>()("bench/Orders") {}

/** The client and the queue, read from Config once, at init. */
export const OrdersLive = Layer.effect(
  Orders,
  Effect.gen(function*() {
    const queueUrl = yield* Config.String("QUEUE_URL")
    const endpoint = yield* Config.option(Config.String("SQS_ENDPOINT"))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => sqsClient(Option.getOrUndefined(endpoint))),
      (client) => Effect.sync(() => client.destroy())
    )
    return Orders.of({
      enqueue: (order) =>
        Effect.tryPromise({
          // The signal aborts the HTTP call when the fiber is interrupted (at the deadline).
          try: (signal) => sendJson(client, queueUrl, order, signal),
          catch: (cause) => new EnqueueFailed({ cause })
        })
    })
  })
)
