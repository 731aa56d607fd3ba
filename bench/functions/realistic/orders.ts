// The realistic functions' service: an AWS SDK v3 SQS client built once by the layer (scoped,
// destroyed on shutdown). QUEUE_URL and SQS_ENDPOINT (a local fake in the bench) come from Config.
// Shared by the two Effect variants (this runtime and @effect-aws/lambda).
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Config, Context, Data, Effect, Layer, Option } from "effect"
import type { Order } from "./order.js"

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
