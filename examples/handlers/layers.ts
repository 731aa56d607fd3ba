/**
 * Services built once at init and shared by every invocation: an AWS SDK SQS client in a
 * scoped layer (created before the first `/next`, destroyed on shutdown). Each invocation
 * enqueues the event's order in a detached fiber, after the response.
 *
 * Configuration through `Config`: QUEUE_URL, AWS_REGION (Lambda sets it), and SQS_ENDPOINT to
 * point the client at a local endpoint (the tests do so).
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Config, Context, Data, Effect, Layer, Option } from "effect"
import type { LambdaContext } from "../../src/index.js"

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

export class Orders extends Context.Tag("examples/Orders")<Orders, {
  /** Sends the order to the queue; succeeds with SQS's message id. */
  readonly enqueue: (order: { readonly orderId: string }) => Effect.Effect<string, EnqueueFailed>
}>() {}

/** The function's services: what `LambdaRuntime.run` builds once, at init. */
export const layer = Layer.scoped(
  Orders,
  Effect.gen(function*() {
    const queueUrl = yield* Config.string("QUEUE_URL")
    const region = yield* Config.string("AWS_REGION").pipe(Config.withDefault("us-east-1"))
    const endpoint = yield* Config.option(Config.string("SQS_ENDPOINT"))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new SQSClient({ region, ...(Option.isSome(endpoint) ? { endpoint: endpoint.value } : {}) })),
      (client) => Effect.zipRight(Effect.sync(() => client.destroy()), Effect.log("SQS client released"))
    )
    yield* Effect.log("SQS client ready")
    return {
      enqueue: (order) =>
        Effect.tryPromise({
          try: (signal) =>
            client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(order) }), {
              abortSignal: signal
            }),
          catch: (cause) => new EnqueueFailed({ orderId: order.orderId, cause })
        }).pipe(Effect.map((output) => output.MessageId ?? ""))
    }
  })
)

export const handler = (event: { readonly orderId: string }, context: LambdaContext) =>
  Effect.gen(function*() {
    const orders = yield* Orders
    yield* orders.enqueue(event).pipe(
      Effect.tap((messageId) => Effect.log(`order ${event.orderId} enqueued as ${messageId}`)),
      Effect.forkIn(context.detachedScope)
    )
    return { accepted: event.orderId }
  })
