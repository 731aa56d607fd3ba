/**
 * Services built once at init on the Effect 4 line: an AWS SDK v3 SQS client in a scoped layer
 * (created before the first `/next`, destroyed on shutdown), its calls wrapped in
 * `Effect.tryPromise` with a typed error. Each invocation enqueues the event's order in a
 * detached fiber, after the response.
 *
 * Configuration through `Config`: QUEUE_URL, AWS_REGION (Lambda sets it), and SQS_ENDPOINT to
 * point the client at a local endpoint (the tests do so). With AWS credentials and a queue:
 *
 *   QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/orders \
 *     PATH=<Node 22>:$PATH npx effect-lambda run packages/effect4/examples/layers.ts --event examples/events/order.json
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Config, Context, Data, Effect, Layer, Option } from "effect"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

/** SQS did not take the order (the call failed, or was refused). */
export class EnqueueFailed extends Data.TaggedError("EnqueueFailed")<{
  readonly orderId: string
  readonly cause: unknown
}> {
  override get message() {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `order ${this.orderId} was not enqueued: ${reason}`
  }
}

export class Orders extends Context.Service<Orders, {
  /** Sends the order to the queue; succeeds with SQS's message id. */
  readonly enqueue: (order: { readonly orderId: string }) => Effect.Effect<string, EnqueueFailed>
}>()("examples/Orders") {}

/** The function's services: what `LambdaRuntime.run` builds once, at init. */
export const OrdersLive = Layer.effect(
  Orders,
  Effect.gen(function*() {
    const queueUrl = yield* Config.String("QUEUE_URL")
    const region = yield* Config.String("AWS_REGION").pipe(Config.withDefault("us-east-1"))
    const endpoint = yield* Config.option(Config.String("SQS_ENDPOINT"))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new SQSClient({ region, ...(Option.isSome(endpoint) ? { endpoint: endpoint.value } : {}) })),
      (client) => Effect.andThen(Effect.sync(() => client.destroy()), Effect.log("SQS client released"))
    )
    yield* Effect.log("SQS client ready")
    return Orders.of({
      enqueue: (order) =>
        Effect.tryPromise({
          try: (signal) =>
            client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(order) }), {
              abortSignal: signal
            }),
          catch: (cause) => new EnqueueFailed({ orderId: order.orderId, cause })
        }).pipe(Effect.map((output) => output.MessageId ?? ""))
    })
  })
)

LambdaRuntime.run(
  (event: { readonly orderId: string }) =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const context = yield* LambdaContext
      yield* orders.enqueue(event).pipe(
        Effect.tap((messageId) => Effect.log(`order ${event.orderId} enqueued as ${messageId}`)),
        Effect.forkIn(context.detachedScope)
      )
      return { accepted: event.orderId }
    }),
  { layer: OrdersLive }
)
