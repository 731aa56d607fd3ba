/**
 * HTTP apps on Lambda, on Effect 4's `effect/http` and `effect/http-api`: serve an app (a
 * router's `HttpRouter.toHttpEffect`, any `Effect` of an `HttpServerResponse`) or an `HttpApi`
 * from API Gateway (REST and HTTP APIs), Function URLs and Application Load Balancers.
 *
 * One handler serves every HTTP event shape: the shape is detected per invocation and the
 * answer goes back in the shape that event's integration expects. The app runs in the
 * handler's own fiber, so `LambdaContext`, detached work, the request-id log annotation and
 * the deadline apply to routes as to any handler.
 *
 * Responses are buffered, or, with `{ stream: true }`, streamed as the HTTP integration stream
 * of Function URLs in `RESPONSE_STREAM` mode (API Gateway streaming integrations too): the
 * status, headers and cookies first, then the body as the app produces it.
 *
 * @example
 * ```ts no-check
 * import { Effect } from "effect"
 * import { HttpServerResponse } from "effect/http"
 * import { LambdaHttp, LambdaRuntime } from "effect-lambda-runtime"
 *
 * LambdaRuntime.run(LambdaHttp.toHandler(Effect.succeed(HttpServerResponse.text("hi"))))
 * ```
 *
 * @since 1.0.0
 */
import type * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { LambdaContextShape } from "./LambdaContext.js"
import type { UnmarshalError } from "./LambdaError.js"
import type * as LambdaHandler from "./LambdaHandler.js"
import type { HttpEvents } from "./internal/core.js"
import * as api from "./internal/http/api.js"
import * as internal from "./internal/http/handler.js"
import * as streaming from "./internal/http/stream.js"

/**
 * An API Gateway REST API proxy event (payload format 1.0).
 *
 * @since 1.0.0
 * @category models
 */
export type ApiGatewayV1Event = HttpEvents.ApiGatewayV1Event

/**
 * An API Gateway HTTP API event (payload format 2.0), the shape Function URLs send too.
 *
 * @since 1.0.0
 * @category models
 */
export type ApiGatewayV2Event = HttpEvents.ApiGatewayV2Event

/**
 * An Application Load Balancer event, with single- or multi-value headers.
 *
 * @since 1.0.0
 * @category models
 */
export type AlbEvent = HttpEvents.AlbEvent

/**
 * Which integration sent the event (`ApiGatewayV1`, `ApiGatewayV2`, `FunctionUrl`, `Alb`,
 * `AlbMultiValue`), hence the shape of the answer. `HttpEvent` pairs it with the event.
 *
 * @since 1.0.0
 * @category models
 */
export type HttpEventSource = HttpEvents.HttpEventSource

/**
 * The raw event with its `source`, for narrowing.
 *
 * @since 1.0.0
 * @category models
 */
export type HttpEvent = HttpEvents.HttpEvent

/**
 * Options of {@link toHandler} and {@link fromHttpApi}.
 *
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /**
   * Write every response as an HTTP integration stream (JSON prelude with the status, headers
   * and cookies, eight NUL bytes, then the body as it is produced) instead of a buffered JSON
   * answer. Turn it on for functions behind a Function URL in `RESPONSE_STREAM` invoke mode or
   * an API Gateway streaming integration: the Runtime API does not say whether an invocation
   * streams, the function's configuration does. `HttpServerResponse.stream` bodies (server-sent
   * events...) then reach the caller chunk by chunk; a body that fails after its first byte ends
   * the response with the error in the stream's trailers. Default `false`.
   */
  readonly stream?: boolean | undefined
}

/**
 * Serves an HTTP app as a Lambda handler for `LambdaRuntime.run`. Requests from API Gateway
 * REST (1.0) and HTTP APIs (2.0), Function URLs and ALB (single- and multi-value headers) all
 * work, each answered in its own shape.
 *
 * - Requests: method, path (an HTTP API's named stage prefix removed, as API Gateway routes),
 *   query strings with every value, multi-value headers, cookies, base64 bodies, and the
 *   source IP as `remoteAddress`.
 * - Responses: status, headers, `Set-Cookie` (v2 `cookies`, v1 and ALB multi-value headers),
 *   bodies as text for textual content types and base64 otherwise; HEAD answers without a body.
 * - A failure of the app becomes the response `HttpServerError.causeResponse` gives it (404
 *   for an unmatched route, an empty 500 for a defect); 5xx failures are logged with their
 *   cause and the request id, and the body never shows the cause. An event that is not an
 *   HTTP event fails the invocation with `Runtime.UnmarshalError`.
 *
 * - With `{ stream: true }` every answer is an HTTP integration stream instead (a Function URL in
 *   `RESPONSE_STREAM` mode): the head first, then the body; an `HttpServerResponse.stream` body
 *   is written as it is produced, and the request's `Scope` stays open until it has ended.
 *
 * The app may use `LambdaContext`, the request's `Scope` and the services of the runtime's
 * layer; it runs interruptibly, so that the deadline stops it.
 *
 * @example
 * ```ts no-check
 * import { Effect } from "effect"
 * import { HttpServerRequest, HttpServerResponse } from "effect/http"
 * import { LambdaContext, LambdaHttp, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const app = Effect.gen(function*() {
 *   const request = yield* HttpServerRequest.HttpServerRequest
 *   const { requestId } = yield* LambdaContext
 *   return HttpServerResponse.jsonUnsafe({ method: request.method, url: request.url, requestId })
 * })
 *
 * LambdaRuntime.run(LambdaHttp.toHandler(app))
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const toHandler = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  options?: Options
): LambdaHandler.LambdaHandler<UnmarshalError, Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>> =>
  options?.stream === true ? streaming.toStreamHandler(app) : internal.toHandler(app)

/**
 * Serves an `HttpApi`: give `HttpApiBuilder.layer(Api)` with its groups provided. The layer is
 * built once, at init, after the runtime's own `layer` (whose services it may use), and
 * released with it on shutdown; a layer that fails to build is the function's init error. The
 * platform services HttpApi needs (`HttpPlatform`, `Etag`, `Path`, a no-op `FileSystem`) come from
 * `HttpServer.layerServices` unless the layer provides them. Typed errors declared on the API
 * keep their status and schema.
 *
 * @example
 * ```ts no-check
 * import { Effect, Layer, Schema } from "effect"
 * import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
 * import { LambdaHttp, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const Api = HttpApi.make("api").add(
 *   HttpApiGroup.make("greet").add(HttpApiEndpoint.get("hello", "/hello", { success: Schema.String }))
 * )
 * const GreetLive = HttpApiBuilder.group(Api, "greet", (handlers) => handlers.handle("hello", () => Effect.succeed("hi")))
 *
 * LambdaRuntime.run(LambdaHttp.fromHttpApi(HttpApiBuilder.layer(Api).pipe(Layer.provide(GreetLive))))
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromHttpApi = <A, E, R>(
  apiLayer: Layer.Layer<A, E, R>,
  options?: Options
): LambdaHandler.LambdaHandler<UnmarshalError, Exclude<R, api.ProvidedServices>> =>
  api.fromHttpApi(apiLayer, options?.stream === true)

/**
 * The raw Lambda event of the current request, with the integration it came from. Needs only
 * the `HttpServerRequest`, so it works in any route, middleware or `HttpApi` handler.
 *
 * @since 1.0.0
 * @category accessors
 */
export const event: Effect.Effect<HttpEvent, never, HttpServerRequest.HttpServerRequest> = internal.event

/**
 * The `LambdaContext` of the invocation serving the current request. Needs only the
 * `HttpServerRequest`, so it works in `HttpApi` handlers, whose own requirements go to a layer
 * built at init, where no invocation exists.
 *
 * @since 1.0.0
 * @category accessors
 */
export const context: Effect.Effect<LambdaContextShape, never, HttpServerRequest.HttpServerRequest> = internal.context

/**
 * Runs `effect` after the response, in the invocation's detached scope, needing only the
 * `HttpServerRequest` (for `HttpApi` handlers).
 *
 * @since 1.0.0
 * @category combinators
 */
export const detach: <A, E, R>(
  effect: Effect.Effect<A, E, R>
) => Effect.Effect<void, never, R | HttpServerRequest.HttpServerRequest> = internal.detach
