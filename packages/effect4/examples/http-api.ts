/**
 * An `HttpApi` on the Effect 4 line: orders behind API Gateway, a Function URL or an ALB (one
 * handler answers each in its own shape). A typed error with its status, a payload decoded by
 * its schema, a service built once at init and released on SIGTERM, an audit line written
 * after the response (detached work).
 *
 *   PATH=<Node 22>:$PATH npx effect-lambda emulator packages/effect4/examples/http-api.ts
 *   npx effect-lambda event apigw-v2   # a POST /orders to send it
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import * as LambdaHttp from "../src/LambdaHttp.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

class Order extends Schema.Class<Order>("Order")({
  orderId: Schema.String,
  quantity: Schema.Int,
  /** The invocation that took the order. */
  requestId: Schema.String
}) {}

class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", { orderId: Schema.String }, {
  httpApiStatus: 404
}) {}

const Api = HttpApi.make("shop").add(
  HttpApiGroup.make("orders")
    .add(
      HttpApiEndpoint.get("get", "/orders/:orderId", {
        params: { orderId: Schema.String },
        success: Order,
        error: OrderNotFound
      })
    )
    .add(
      HttpApiEndpoint.post("create", "/orders", {
        payload: Schema.Struct({ orderId: Schema.String, quantity: Schema.Int }),
        success: Order.pipe(HttpApiSchema.status(201))
      })
    )
)

/** Where orders are kept: a map here, a database client in a real function. */
class Orders extends Context.Service<Orders, {
  readonly find: (orderId: string) => Effect.Effect<Option.Option<Order>>
  readonly save: (order: Order) => Effect.Effect<void>
}>()("examples/Orders") {}

const OrdersLive = Layer.effect(
  Orders,
  Effect.acquireRelease(
    Effect.sync(() => {
      const orders = new Map<string, Order>()
      return Orders.of({
        find: (orderId) => Effect.sync(() => Option.fromNullishOr(orders.get(orderId))),
        save: (order) => Effect.sync(() => void orders.set(order.orderId, order))
      })
    }).pipe(Effect.tap(() => Effect.log("orders ready"))),
    () => Effect.log("orders released")
  )
)

const OrdersApi = HttpApiBuilder.group(Api, "orders", (handlers) =>
  Effect.gen(function*() {
    const orders = yield* Orders
    return handlers
      .handle("get", ({ params }) =>
        orders.find(params.orderId).pipe(
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(new OrderNotFound({ orderId: params.orderId })),
            onSome: Effect.succeed
          }))
        ))
      .handle("create", ({ payload }) =>
        Effect.gen(function*() {
          const { requestId } = yield* LambdaHttp.context
          const order = new Order({ ...payload, requestId })
          yield* orders.save(order)
          // After the response, before the next invocation.
          yield* LambdaHttp.detach(Effect.log(`audit: order ${order.orderId} x${order.quantity}`))
          return order
        }))
  }))

// The API's layer is built at init, with the services of the runtime's layer (the orders store).
LambdaRuntime.run(LambdaHttp.fromHttpApi(HttpApiBuilder.layer(Api).pipe(Layer.provide(OrdersApi))), {
  layer: OrdersLive
})
