/**
 * Orders from an SQS queue: each message body is decoded with the `Order` Schema and saved on
 * its own fiber (up to 10 at a time). A poisoned message (a body that is not an order, or an
 * order the store refuses) is reported in `batchItemFailures`, so SQS retries only that one
 * (enable `ReportBatchItemFailures` on the event source mapping). The metric for each saved
 * order is detached work: it does not hold the response back, and the runtime finishes it
 * before it asks for the next batch.
 */
import { Data, Effect, Schema } from "effect"
import { LambdaContext, LambdaEvents } from "../../src/index.js"

export const Order = Schema.Struct({
  orderId: Schema.String,
  quantity: Schema.Number.pipe(Schema.int(), Schema.positive())
})
export type Order = typeof Order.Type

export class OutOfStock extends Data.TaggedError("OutOfStock")<{ readonly orderId: string }> {}

/** Stands in for a write to a database. */
const saveOrder = (order: Order) =>
  order.quantity > 100
    ? Effect.fail(new OutOfStock({ orderId: order.orderId }))
    : Effect.log(`order ${order.orderId} saved (${order.quantity})`)

/** Stands in for a call to a metrics backend. */
const sendMetric = (order: Order) => Effect.log(`metric: orders.saved +1 (${order.orderId})`)

export const handler = LambdaEvents.sqs(
  Order,
  (order) =>
    Effect.gen(function*() {
      yield* saveOrder(order)
      yield* LambdaContext.detach(sendMetric(order))
    }),
  { concurrency: 10 }
)
