// The realistic function on @effect-aws/lambda (an Effect handler behind a promise handler that
// aws-lambda-ric runs): the same SQS client in the global layer and the same Schema. It has no
// work after the response, so the message is sent (awaited) before returning.
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { LambdaHandler } from "@effect-aws/lambda"
import { Config, Context, Data, Effect, Layer, Option, Schema } from "effect"
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

const decode = Schema.decodeUnknown(Order)

export const handler = LambdaHandler.make({
  handler: (event: unknown) =>
    Effect.gen(function*() {
      const order = yield* decode(event)
      const orders = yield* Orders
      yield* orders.enqueue(order)
      return { accepted: order.orderId, items: order.items.length }
    }),
  layer: OrdersLive.pipe(Layer.orDie)
})
