/**
 * Services built once at init and shared by every invocation: an AWS SDK SQS client in a
 * scoped layer (created before the first `/next`, destroyed on shutdown). Each invocation
 * enqueues the event's order in a detached fiber, after the response.
 *
 * Configuration through `Config`: QUEUE_URL, and SQS_ENDPOINT to point the client at a local
 * endpoint (the test does so).
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { Config, Context, Effect, Layer, Option } from "effect"
import { LambdaContext, LambdaRuntime } from "../src/index.js"

class Orders extends Context.Tag("examples/Orders")<Orders, {
  readonly enqueue: (order: unknown) => Effect.Effect<string>
}>() {}

const OrdersLive = Layer.scoped(
  Orders,
  Effect.gen(function*() {
    const queueUrl = yield* Config.string("QUEUE_URL")
    const endpoint = yield* Config.option(Config.string("SQS_ENDPOINT"))
    const client = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new SQSClient({
          region: process.env.AWS_REGION ?? "us-east-1",
          ...(Option.isSome(endpoint) ? { endpoint: endpoint.value } : {})
        })
      ),
      (client) => Effect.zipRight(Effect.sync(() => client.destroy()), Effect.log("SQS client released"))
    )
    yield* Effect.log("SQS client ready")
    return {
      enqueue: (order: unknown) =>
        Effect.promise(() =>
          client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(order) }))
        ).pipe(Effect.map((output) => output.MessageId ?? ""))
    }
  })
)

LambdaRuntime.run(
  (event: { readonly orderId: string }, context: LambdaContext) =>
    Effect.gen(function*() {
      const orders = yield* Orders
      yield* orders.enqueue(event).pipe(
        Effect.tap((messageId) => Effect.log(`order ${event.orderId} enqueued as ${messageId}`)),
        Effect.forkIn(context.detachedScope)
      )
      return { accepted: event.orderId }
    }),
  { layer: OrdersLive }
)
