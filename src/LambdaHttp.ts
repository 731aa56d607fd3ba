/**
 * HTTP apps on Lambda: serve an `@effect/platform` `HttpApp` (an `HttpRouter`, middleware) or
 * an `HttpApi` implementation from API Gateway (REST and HTTP APIs), Function URLs and
 * Application Load Balancers, buffered or streamed.
 *
 * One handler serves every HTTP event shape: the shape is detected per invocation and the
 * answer goes back in the shape that event's integration expects. The app runs in the
 * handler's own fiber, so `LambdaContext.detach`, the request-id log annotation and the
 * deadline apply to routes as to any handler.
 *
 * @since 0.1.0
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as HttpEvents from "./internal/core/httpEvents.js"
import * as api from "./internal/http/api.js"
import * as internal from "./internal/http/handler.js"
import type { LambdaContext } from "./LambdaContext.js"
import type { UnmarshalError } from "./LambdaError.js"
import type * as LambdaHandler from "./LambdaHandler.js"

/**
 * An API Gateway REST API proxy event (payload format 1.0).
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiGatewayV1Event extends HttpEvents.ApiGatewayV1Event {}

/**
 * An API Gateway HTTP API event (payload format 2.0); Function URLs send the same shape.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiGatewayV2Event extends HttpEvents.ApiGatewayV2Event {}

/**
 * An Application Load Balancer event (single- or multi-value header mode).
 *
 * @since 0.1.0
 * @category models
 */
export interface AlbEvent extends HttpEvents.AlbEvent {}

/**
 * `ApiGatewayV1`, `ApiGatewayV2`, `FunctionUrl`, `Alb` (single-value headers) or
 * `AlbMultiValue`: which integration sent the event, hence which response shape it expects.
 *
 * @since 0.1.0
 * @category models
 */
export type HttpEventSource = HttpEvents.HttpEventSource

/**
 * The event with the integration it came from (`source`), for narrowing.
 *
 * @since 0.1.0
 * @category models
 */
export type HttpEvent = HttpEvents.HttpEvent

/**
 * Options of {@link toHandler} and {@link fromHttpApi}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Write every response as an HTTP integration stream (JSON prelude, eight NUL bytes, then
   * the body as it is produced) instead of a buffered JSON answer. Turn it on for functions
   * behind a Function URL in `RESPONSE_STREAM` invoke mode or an API Gateway streaming
   * integration: the Runtime API does not say whether an invocation streams, the function's
   * configuration does. `HttpServerResponse.stream` bodies and server-sent events then reach
   * the caller incrementally. Default `false`.
   */
  readonly stream?: boolean | undefined
}

/**
 * Serves an `HttpApp` (an `HttpRouter`, with or without middleware) as a Lambda handler for
 * `LambdaRuntime.run`. Requests from API Gateway REST (1.0) and HTTP APIs (2.0), Function URLs
 * and ALB (single- and multi-value headers) all work, each answered in its own shape.
 *
 * - Requests: method, path (an HTTP API's named stage prefix removed, as API Gateway routes),
 *   query strings with every value, multi-value headers, cookies, base64 bodies, and the
 *   source IP as `remoteAddress`.
 * - Responses: status, headers, `Set-Cookie` (v2 `cookies`, v1 and ALB multi-value headers),
 *   bodies as text for textual content types (text, JSON, XML, JavaScript, form data) and
 *   base64 otherwise; HEAD answers without a body.
 * - A failure of the app becomes the response `HttpServerError.causeResponse` gives it (404
 *   for an unmatched route, an empty 500 for a defect); 5xx failures are logged with their
 *   cause and the request id, and the body never shows the cause. An event that is not an
 *   HTTP event fails the invocation with `Runtime.UnmarshalError`.
 *
 * The app may use `LambdaContext`, `Scope` (the invocation's) and the services of the
 * runtime's layer.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { LambdaHttp, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const app = HttpRouter.empty.pipe(HttpRouter.get("/hello", HttpServerResponse.text("hi")))
 *
 * LambdaRuntime.run(LambdaHttp.toHandler(app))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const toHandler: <E, R>(
  app: HttpApp.Default<E, R>,
  options?: Options
) => LambdaHandler.LambdaHandler<UnmarshalError, Exclude<R, HttpServerRequest.HttpServerRequest>> = internal.toHandler

/**
 * Serves an `HttpApi` implementation (the layer `HttpApiBuilder.api(Api)` with its groups
 * provided) as a Lambda handler. The layer is built once, at init, after the runtime's own
 * `layer` (whose services it may use), and released on shutdown; a layer that fails to build
 * is the function's init error. The platform services HttpApi needs (`HttpPlatform`, `Etag`,
 * `Path`, a no-op `FileSystem`) come from `HttpServer.layerContext` unless the layer provides
 * them. Typed errors declared on the API keep their status and schema.
 *
 * @example
 * ```ts
 * import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
 * import { Effect, Layer, Schema } from "effect"
 * import { LambdaHttp, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const Api = HttpApi.make("api").add(
 *   HttpApiGroup.make("greet").add(HttpApiEndpoint.get("hello", "/hello").addSuccess(Schema.String))
 * )
 * const GreetLive = HttpApiBuilder.group(Api, "greet", (handlers) => handlers.handle("hello", () => Effect.succeed("hi")))
 * const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(GreetLive))
 *
 * LambdaRuntime.run(LambdaHttp.fromHttpApi(ApiLive))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const fromHttpApi: <LE, RIn>(
  layer: Layer.Layer<HttpApi.Api, LE, RIn>,
  options?: Options
) => LambdaHandler.LambdaHandler<UnmarshalError, Exclude<RIn, HttpRouter.HttpRouter.DefaultServices> | Scope.Scope> =
  api.fromHttpApi

/**
 * The raw Lambda event of the current request, with the integration it came from. Needs only
 * the `HttpServerRequest`, so it works in any route, middleware or `HttpApi` handler.
 *
 * @example
 * ```ts
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect } from "effect"
 * import { LambdaHttp } from "effect-lambda-runtime"
 *
 * const route = HttpRouter.get(
 *   "/whoami",
 *   Effect.gen(function*() {
 *     const { source, event } = yield* LambdaHttp.event
 *     const stage = source === "ApiGatewayV1" ? event.requestContext.stage : undefined
 *     return yield* HttpServerResponse.json({ source, stage })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const event: Effect.Effect<HttpEvent, never, HttpServerRequest.HttpServerRequest> = internal.event

/**
 * The `LambdaContext` of the invocation serving the current request (request id, deadline,
 * `detachedScope`...). Needs only the `HttpServerRequest`, so it works in `HttpApi` handlers,
 * whose own requirements go to a layer built at init, where no invocation exists.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LambdaHttp } from "effect-lambda-runtime"
 *
 * const audit = (what: string) =>
 *   Effect.gen(function*() {
 *     const context = yield* LambdaHttp.context
 *     yield* Effect.forkIn(Effect.log(`audit: ${what}`), context.detachedScope) // after the response
 *   })
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const context: Effect.Effect<LambdaContext, never, HttpServerRequest.HttpServerRequest> = internal.context

/**
 * Runs `effect` after the response, like `LambdaContext.detach`, but needing only the
 * `HttpServerRequest` (for `HttpApi` handlers).
 *
 * @since 0.1.0
 * @category combinators
 * @function
 */
export const detach: <A, E, R>(
  effect: Effect.Effect<A, E, R>
) => Effect.Effect<void, never, R | HttpServerRequest.HttpServerRequest> = internal.detach
