// The realistic function of bench/functions/realistic.ts on the Effect 4 line: an AWS SDK v3 SQS
// client built once in the layer (scoped, destroyed on shutdown), the event decoded by a Schema,
// the order enqueued by detached work after the response. QUEUE_URL and SQS_ENDPOINT (a local
// fake in the bench) come from Config. bench/lines.ts runs both.
import { Effect } from "effect"
import { LambdaContext, LambdaRuntime } from "../../src/index.js"
import { Order } from "./realistic/order.js"
import { Orders, OrdersLive } from "./realistic/orders.js"

LambdaRuntime.run(
  (order: Order) =>
    Effect.gen(function*() {
      const orders = yield* Orders
      yield* LambdaContext.detach(
        // A failed send is logged, not thrown: the response has already gone.
        orders.enqueue(order).pipe(Effect.catch((error) => Effect.logError("enqueue failed", error.cause)))
      )
      return { accepted: order.orderId, items: order.items.length }
    }),
  { event: Order, layer: OrdersLive }
)
