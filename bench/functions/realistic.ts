// A realistic function on this runtime: an AWS SDK v3 SQS client built once in the layer (scoped,
// destroyed on shutdown), the event decoded by a Schema, the order enqueued by detached work after
// the response. QUEUE_URL and SQS_ENDPOINT (a local fake in the bench) come from Config.
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Config, Context, Data, Effect, Layer, Option } from "effect"
import { LambdaContext, LambdaRuntime } from "../../src/index.js"
import { Order } from "./realistic/order.js"

class EnqueueFailed extends Data.TaggedError("EnqueueFailed")<{ readonly cause: unknown }> {}

class Orders extends Context.Tag("bench/Orders")<Orders, {
  readonly enqueue: (order: Order) => Effect.Effect<string, EnqueueFailed>
}>() {}

const OrdersLive = Layer.scoped(
  Orders,
  Effect.gen(function*() {
    const queueUrl = yield* Config.string("QUEUE_URL")
    const endpoint = yield* Config.option(Config.string("SQS_ENDPOINT"))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new SQSClient(Option.isSome(endpoint) ? { endpoint: endpoint.value } : {})),
      (client) => Effect.sync(() => client.destroy())
    )
    return {
      enqueue: (order: Order) =>
        Effect.tryPromise({
          try: (signal) =>
            client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(order) }), {
              abortSignal: signal
            }),
          catch: (cause) => new EnqueueFailed({ cause })
        }).pipe(Effect.map((output) => output.MessageId ?? ""))
    }
  })
)

LambdaRuntime.run(
  (order: Order) =>
    Effect.gen(function*() {
      const orders = yield* Orders
      yield* LambdaContext.detach(
        orders.enqueue(order).pipe(Effect.catchAll((error) => Effect.logError("enqueue failed", error.cause)))
      )
      return { accepted: order.orderId, items: order.items.length }
    }),
  { event: Order, layer: OrdersLive }
)
