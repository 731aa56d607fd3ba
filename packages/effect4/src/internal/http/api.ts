/**
 * Serving an `HttpApi` (`LambdaHttp.fromHttpApi`, documented there). The API's layer is built
 * once, before the first invocation, as part of the runtime's `layer` (the service
 * {@link HttpApiApp} holds the app it yields), and released with it on shutdown; each invocation
 * runs that app through handler.ts.
 *
 * @internal
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { toHandler } from "./handler.js"
import type { HttpHandler } from "./handler.js"

/**
 * The app an `HttpApi` layer yields, built once.
 *
 * @internal
 */
export class HttpApiApp extends Context.Service<
  HttpApiApp,
  Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpServerRequest.HttpServerRequest | Scope.Scope>
>()("effect-lambda-runtime/LambdaHttp/HttpApiApp") {}

/**
 * What {@link layer} provides to the API's layer itself.
 *
 * @internal
 */
export type ProvidedServices = HttpRouter.HttpRouter | Layer.Success<typeof HttpServer.layerServices>

/**
 * The API's layer with the platform services `HttpApiBuilder.layer` needs (`HttpPlatform`,
 * `Etag`, `Path`, a no-op `FileSystem`), unless it provides them itself.
 *
 * @internal
 */
export const layer = <A, E, R>(
  apiLayer: Layer.Layer<A, E, R>
): Layer.Layer<HttpApiApp, E, Exclude<R, ProvidedServices>> =>
  Layer.effect(
    HttpApiApp,
    // Typed for what an `HttpApiBuilder.layer` gives (no request-level requirements left):
    // `toHttpEffect` would carry them as `HttpRouter.Request` markers.
    HttpRouter.toHttpEffect(Layer.provide(apiLayer, HttpServer.layerServices)) as Effect.Effect<
      Context.Service.Shape<typeof HttpApiApp>,
      E,
      Exclude<R, ProvidedServices> | Scope.Scope
    >
  )

/** @internal */
export const handler: HttpHandler<HttpApiApp> = toHandler(HttpApiApp.use((app) => app))
