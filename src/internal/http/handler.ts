/**
 * Serving an `HttpApp` as a Lambda handler.
 *
 * The app runs as an Effect in the handler's own fiber: `LambdaContext`, the request-id log
 * annotation, the deadline and the detached-work supervisor apply to routes exactly as to any
 * other handler. Running it through `HttpApp.toWebHandler` would start a fiber of another
 * runtime, outside all of that.
 *
 * The Lambda data of a request (its event and `LambdaContext`) is the `source` of its
 * `HttpServerRequest` (request.ts). The `source` survives `request.modify(...)` (routers and
 * middleware rewrite URLs and headers that way), so every route and middleware finds it; a
 * service in the context would instead land on an `HttpApi` group's layer, which is built at
 * init where there is no invocation.
 */
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type { LambdaContext } from "../../LambdaContext.js"
import type { LambdaHandler } from "../../LambdaHandler.js"
import type { HttpEvent } from "../../LambdaHttp.js"
import type { Response } from "../../RuntimeApi.js"
import { messageOf } from "../core/inspect.js"
import { UnmarshalError } from "../runtime/errors.js"
import { raw } from "../runtime/handler.js"
import { recordingSpan } from "../runtime/telemetry.js"
import { classify } from "../core/httpEvents.js"
import { LambdaRequest, toServerRequest } from "./request.js"
import { bufferedNow, toBuffered, toStreamed } from "./response.js"

/**
 * The Lambda data of a request, or a defect naming the mistake when it was not served by LambdaHttp.
 *
 * @internal
 */
export const lambdaRequest: Effect.Effect<LambdaRequest, never, HttpServerRequest.HttpServerRequest> = Effect.flatMap(
  HttpServerRequest.HttpServerRequest,
  (request) =>
    request.source instanceof LambdaRequest
      ? Effect.succeed(request.source)
      : Effect.dieMessage("LambdaHttp: this request was not served by LambdaHttp.toHandler or LambdaHttp.fromHttpApi")
)

/** @internal */
export const event: Effect.Effect<HttpEvent, never, HttpServerRequest.HttpServerRequest> = Effect.map(
  lambdaRequest,
  (request) => request.http
)

/** @internal */
export const context: Effect.Effect<LambdaContext, never, HttpServerRequest.HttpServerRequest> = Effect.map(
  lambdaRequest,
  (request) => request.context
)

/** @internal */
export const detach = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<void, never, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(context, (ctx) => Effect.asVoid(Effect.forkIn(effect, ctx.detachedScope)))

/**
 * Options of `toHandler` and `fromHttpApi`.
 *
 * @internal
 */
export interface HttpOptions {
  readonly stream?: boolean | undefined
  /**
   * Services built at init (an `HttpApi`'s layer) under the invocation's own context: merged
   * into the one context each request is served with, rather than by another `provide`.
   */
  readonly services?: Context.Context<never> | undefined
}

const decoder = new TextDecoder()

const parseEvent = (body: Uint8Array): unknown => {
  try {
    return JSON.parse(decoder.decode(body)) as unknown
  } catch (cause) {
    return new UnmarshalError({ detail: `the body is not valid JSON (${messageOf(cause)})`, cause })
  }
}

/**
 * A failure of the app becomes the response `HttpServerError.causeResponse` gives it (a 404
 * for an unmatched route, the error's own response for respondable errors, an empty 500
 * otherwise). Server errors are logged with their cause here, in the handler's fiber, so the
 * line carries the request id; the body never shows the cause.
 */
const recover = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.catchAllCause(
    app,
    (cause) =>
      Effect.flatMap(HttpServerError.causeResponse(cause), ([response]) =>
        response.status >= 500
          ? Effect.as(Effect.logError(`HTTP ${response.status}: the app failed`, cause), response)
          : Effect.succeed(response))
  )

/** `HttpApp.appendPreResponseHandler` hooks (used for cookies set by HttpApi security, CORS...). */
const preResponse = (
  handler: HttpApp.PreResponseHandler,
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
) =>
  Effect.catchAllCause(
    handler(request, response),
    (cause) =>
      Effect.as(
        Effect.logError("HTTP 500: a pre-response handler failed", cause),
        HttpServerResponse.empty({ status: 500 })
      )
  )

const badRequest = HttpServerResponse.text("Bad Request", { status: 400 })
const internalError = HttpServerResponse.empty({ status: 500 })

/**
 * Serves `app` for every HTTP event shape, answering in the shape the event came in.
 *
 * @internal
 */
export const toHandler = <E, R>(
  app: HttpApp.Default<E, R>,
  options: HttpOptions = {}
): LambdaHandler<UnmarshalError, Exclude<R, HttpServerRequest.HttpServerRequest>> => {
  const stream = options.stream === true
  const services = options.services
  // The request is in the context `serve` sets up.
  const provided = app as Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    E,
    Exclude<R, HttpServerRequest.HttpServerRequest>
  >
  const convert = (http: HttpEvent, response: HttpServerResponse.HttpServerResponse, head: boolean) =>
    stream ? toStreamed(response, head) : toBuffered(http.source, response, head)
  // Reading a buffered body can fail (a failing body stream); nothing is on the wire yet, so
  // the caller still gets a proper 500. A streamed body's failure comes later, in the trailers.
  const answer = (
    http: HttpEvent,
    response: HttpServerResponse.HttpServerResponse,
    head: boolean
  ): Effect.Effect<Response, unknown> => {
    if (!stream) {
      // Most bodies are in memory already: answered without a further step. Should the
      // conversion throw, the path below meets the same failure and answers with a 500.
      try {
        const now = bufferedNow(http.source, response, head)
        if (now !== undefined) return Effect.succeed(now)
      } catch {
        // answered below
      }
    }
    return Effect.catchAllCause(convert(http, response, head), (cause) =>
      Effect.zipRight(
        Effect.logError("HTTP 500: the response body failed", cause),
        Effect.orDie(convert(http, internalError, head))
      ))
  }
  // The app runs with one context: the invocation's (LambdaContext, Scope, the runtime's
  // services), the init-time services and the request, set on the handler's fiber for the
  // app and the pre-response hooks. That is what `Effect.provideService` does, without its
  // acquire/use/release steps on every request. The context is not put back: the fiber ends
  // with the answer, whose body stream needs no service (its `R` is `never`), and every set
  // copies the fiber's whole FiberRefs map.
  const recovered = recover(provided)
  const serve = (request: HttpServerRequest.HttpServerRequest, http: HttpEvent) =>
    Effect.withFiberRuntime<Response, unknown, Exclude<R, HttpServerRequest.HttpServerRequest>>((fiber) => {
      const outer = fiber.currentContext
      const map = new Map(services === undefined ? outer.unsafeMap : services.unsafeMap)
      if (services !== undefined) { for (const [key, value] of outer.unsafeMap) map.set(key, value) }
      map.set(HttpServerRequest.HttpServerRequest.key, request)
      const head = request.method === "HEAD"
      // Traces on: the invocation's span says what was asked and answered (the router adds
      // `http.route`, and the span is then named `METHOD route`).
      const span = recordingSpan(fiber)
      if (span !== undefined) {
        span.attribute("http.request.method", request.method)
        span.attribute("url.path", request.url.split("?")[0])
      }
      const finish = (response: HttpServerResponse.HttpServerResponse) => {
        span?.attribute("http.response.status_code", response.status)
        return answer(http, response, head)
      }
      return Effect.zipRight(
        FiberRef.set(FiberRef.currentContext, Context.unsafeMake(map)),
        Effect.flatMap(recovered, (response) => {
          const hook = fiber.getFiberRef(HttpApp.currentPreResponseHandlers)
          return hook._tag === "None"
            ? finish(response)
            : Effect.flatMap(preResponse(hook.value, request, response), finish)
        })
      )
    })
  return raw((invocation, context) =>
    Effect.suspend((): Effect.Effect<Response, unknown, Exclude<R, HttpServerRequest.HttpServerRequest>> => {
      const event = parseEvent(invocation.body)
      if (event instanceof UnmarshalError) return Effect.fail(event)
      const http = classify(event)
      if (http === undefined) {
        return Effect.fail(
          new UnmarshalError({
            detail: "the event is not an HTTP event (API Gateway REST or HTTP API, Function URL or ALB)",
            cause: undefined
          })
        )
      }
      let request: HttpServerRequest.HttpServerRequest
      try {
        request = toServerRequest(http, new LambdaRequest(http, context))
      } catch (cause) {
        // Headers, a method or a URL the web platform refuses: the caller's request is at fault.
        return Effect.zipRight(
          Effect.logWarning(`HTTP 400: the event does not make a valid request (${messageOf(cause)})`),
          answer(http, badRequest, false)
        )
      }
      return serve(request, http) as Effect.Effect<Response, unknown, Exclude<R, HttpServerRequest.HttpServerRequest>>
    })
  ) as LambdaHandler<UnmarshalError, Exclude<R, HttpServerRequest.HttpServerRequest>>
}
