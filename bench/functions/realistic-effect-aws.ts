// The realistic function on @effect-aws/lambda (an Effect handler behind a promise handler that
// aws-lambda-ric runs): the same SQS client in the global layer and the same Schema. It has no
// work after the response, so the message is sent (awaited) before returning.
import { LambdaHandler } from "@effect-aws/lambda"
import { Effect, Layer, Schema } from "effect"
import { Order } from "./realistic/order.js"
import { Orders, OrdersLive } from "./realistic/orders.js"

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
