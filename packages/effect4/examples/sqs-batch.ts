/**
 * An SQS batch handler on the Effect 4 line: each message body is JSON, decoded as an `Order`;
 * an order for nothing is refused. The response names only the messages to retry (the refused
 * one, and any body that is not an order), so the rest of the batch is deleted from the queue.
 * Enable `ReportBatchItemFailures` on the event source mapping.
 *
 *   PATH=<Node 22>:$PATH npx effect-lambda emulator packages/effect4/examples/sqs-batch.ts
 */
import { Data, Effect, Schema } from "effect"
import { LambdaEvents, LambdaRuntime } from "../src/index.js"

const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Number })

class OrderRejected extends Data.TaggedError("OrderRejected")<{ readonly orderId: string; readonly reason: string }> {}

const saveOrder = (order: typeof Order.Type) =>
  order.quantity <= 0
    ? Effect.fail(new OrderRejected({ orderId: order.orderId, reason: "nothing ordered" }))
    : Effect.log(`saved order ${order.orderId} (${order.quantity})`)

LambdaRuntime.run(LambdaEvents.sqs(Order, saveOrder, { concurrency: 4 }))
