/**
 * Serving an `HttpApi` implementation (`LambdaHttp.fromHttpApi`, documented there): its layer is
 * built once at init, in the runtime's scope, and the app it yields is served by handler.ts.
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { LambdaHandler } from "../../LambdaHandler.js"
import type { Options } from "../../LambdaHttp.js"
import type { UnmarshalError } from "../runtime/errors.js"
import { fromInit } from "../runtime/handler.js"
import { toHandler } from "./handler.js"

/** @internal */
export const fromHttpApi = <LE, RIn>(
  layer: Layer.Layer<HttpApi.Api, LE, RIn>,
  options?: Options
): LambdaHandler<UnmarshalError, Exclude<RIn, HttpRouter.HttpRouter.DefaultServices> | Scope.Scope> =>
  fromInit(
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const services = yield* Layer.buildWithScope(
        Layer.mergeAll(layer, HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer).pipe(
          Layer.provideMerge(HttpServer.layerContext)
        ),
        scope
      )
      const app = yield* Effect.provide(HttpApiBuilder.httpApp, services)
      // Per request, the invocation's context (request, LambdaContext, Scope) goes on top of
      // the services built at init.
      return toHandler(app as HttpApp.Default<unknown, HttpServerRequest.HttpServerRequest>, {
        stream: options?.stream,
        services: services as Context.Context<never>
      })
    })
  ) as LambdaHandler<UnmarshalError, Exclude<RIn, HttpRouter.HttpRouter.DefaultServices> | Scope.Scope>
