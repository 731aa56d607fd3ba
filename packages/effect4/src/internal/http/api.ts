/**
 * Serving an `HttpApi` (`LambdaHttp.fromHttpApi`, documented there): a `LambdaHandler.fromInit`
 * whose init builds the API's layer once, with the runtime's layer's services, in the scope the
 * runtime gives the init (released with its layer on shutdown); each invocation runs the app it
 * yields through handler.ts.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as LambdaHandler from "../../LambdaHandler.js"
import { toHandler } from "./handler.js"
import type { HttpHandler } from "./handler.js"
import { toStreamHandler } from "./stream.js"

/**
 * What {@link fromHttpApi} provides to the API's layer itself.
 *
 * @internal
 */
export type ProvidedServices = HttpRouter.HttpRouter | Layer.Success<typeof HttpServer.layerServices>

/**
 * The API's layer with the platform services `HttpApiBuilder.layer` needs (`HttpPlatform`,
 * `Etag`, `Path`, a no-op `FileSystem`), unless it provides them itself, built at init; its app
 * answers buffered, or `stream`ed (`LambdaHttp.Options`).
 *
 * @internal
 */
export const fromHttpApi = <A, E, R>(
  apiLayer: Layer.Layer<A, E, R>,
  stream: boolean
): HttpHandler<Exclude<R, ProvidedServices>> =>
  LambdaHandler.fromInit(
    Effect.map(
      // Typed for what an `HttpApiBuilder.layer` gives (no request-level requirements left):
      // `toHttpEffect` would carry them as `HttpRouter.Request` markers.
      HttpRouter.toHttpEffect(Layer.provide(apiLayer, HttpServer.layerServices)) as Effect.Effect<
        Effect.Effect<
          HttpServerResponse.HttpServerResponse,
          unknown,
          HttpServerRequest.HttpServerRequest | Scope.Scope
        >,
        E,
        Exclude<R, ProvidedServices> | Scope.Scope
      >,
      stream ? toStreamHandler : toHandler
    )
  )
