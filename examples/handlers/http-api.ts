/**
 * An HttpApi on Lambda: one handler for API Gateway (REST and HTTP APIs), Function URLs and
 * ALB. A path parameter, a typed error with its own status, a cookie, the Lambda context
 * inside a route, and an audit line written after the response (detached work).
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpApiSecurity,
  HttpServerRequest
} from "@effect/platform"
import { Effect, Layer, Schema } from "effect"
import { LambdaHttp } from "../../src/index.js"

export class Order
  extends Schema.Class<Order>("Order")({ id: Schema.String, item: Schema.String, requestId: Schema.String })
{}

export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()(
  "OrderNotFound",
  { id: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

export const Api = HttpApi.make("shop").add(
  HttpApiGroup.make("orders").add(
    HttpApiEndpoint.get("get", "/orders/:id")
      .setPath(Schema.Struct({ id: Schema.String }))
      .addSuccess(Order)
      .addError(OrderNotFound)
  )
)

const visitorCookie = HttpApiSecurity.apiKey({ in: "cookie", key: "visitor" })

const orders: Record<string, string> = { "o-1": "coffee beans", "o-2": "grinder" }

const OrdersLive = HttpApiBuilder.group(
  Api,
  "orders",
  (handlers) =>
    handlers.handle("get", ({ path }) =>
      Effect.gen(function*() {
        const item = orders[path.id]
        if (item === undefined) return yield* new OrderNotFound({ id: path.id })
        // LambdaContext and the raw event, reachable from any HttpApi handler.
        const context = yield* LambdaHttp.context
        const { source } = yield* LambdaHttp.event
        const request = yield* HttpServerRequest.HttpServerRequest
        const visitor = request.cookies.visitor ?? "new"
        // Runs after the response has been posted, before the next invocation.
        yield* LambdaHttp.detach(Effect.log(`audit: order ${path.id} read by ${visitor} via ${source}`))
        // A cookie on the response: HttpApi handlers set it through the pre-response hook.
        yield* HttpApiBuilder.securitySetCookie(visitorCookie, `v-${context.requestId.slice(0, 8)}`, { path: "/" })
        return new Order({ id: path.id, item, requestId: context.requestId })
      }))
)

export const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(OrdersLive))

export const handler = LambdaHttp.fromHttpApi(ApiLive)
