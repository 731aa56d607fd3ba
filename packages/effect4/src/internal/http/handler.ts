/**
 * Serving an Effect 4 HTTP app (an `Effect` of an `HttpServerResponse`: a router's
 * `HttpRouter.toHttpEffect`, an `HttpApi`, a hand-written app) as a `LambdaHandler` (JSON form).
 *
 * The app runs in the handler's own fiber, so `LambdaContext`, the request-id log annotation,
 * the deadline and the detached scope apply to routes as to any handler. `HttpEffect.toHandled`
 * (public) gives the app what a server gives it: the request's `Scope`, the pre-response
 * handlers (cookies set by HttpApi security, CORS...), the mapping of failures to responses.
 *
 * The Lambda data of a request (its event and `LambdaContext`) is the `source` of its
 * `HttpServerRequest` (request.ts): it survives `request.modify(...)`, so every route and
 * middleware finds it, while a service in the context would land on an `HttpApi` group's layer,
 * built at init where there is no invocation.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as HttpEffect from "effect/http/HttpEffect"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import type { LambdaContextShape } from "../../LambdaContext.js"
import { UnmarshalError } from "../../LambdaError.js"
import * as LambdaHandler from "../../LambdaHandler.js"
import { HttpEvents, Inspect } from "../core.js"
import { LambdaRequest, toServerRequest } from "./request.js"
import { toAnswer } from "./response.js"
import * as RecordingTracer from "../telemetry/tracer.js"

/**
 * A handler of HTTP events in the form the loop runs: the JSON form (`LambdaHandler.json`) of
 * a function that answers each event with its integration's document.
 *
 * @internal
 */
export type HttpHandler<R> = LambdaHandler.LambdaHandler<UnmarshalError, R>

/** The Lambda data of a request, or a defect naming the mistake when LambdaHttp did not serve it. */
const lambdaRequest: Effect.Effect<LambdaRequest, never, HttpServerRequest.HttpServerRequest> = HttpServerRequest
  .HttpServerRequest.use((request) =>
    request.source instanceof LambdaRequest
      ? Effect.succeed(request.source)
      : Effect.die("LambdaHttp: this request was not served by LambdaHttp.toHandler or LambdaHttp.fromHttpApi")
  )

/** @internal */
export const event = lambdaRequest.pipe(Effect.map(({ http }) => http))

/** @internal */
export const context = lambdaRequest.pipe(Effect.map(({ context }) => context))

/** @internal */
export const detach = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  context.pipe(Effect.flatMap(({ detachedScope }) => Effect.forkIn(effect, detachedScope)), Effect.asVoid)

/**
 * A failure of the app becomes the response `HttpServerError.causeResponse` gives it (a 404
 * for an unmatched route, the error's own response for respondable errors and HttpApi's typed
 * errors, an empty 500 otherwise). Server errors are logged with their cause here, in the
 * handler's fiber, so that the line carries the request id; the body never shows the cause.
 */
const recover = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  app.pipe(Effect.catchCause((cause) =>
    HttpServerError.causeResponse(cause).pipe(
      Effect.tap(([{ status }]) =>
        status < 500 ? Effect.void : Effect.logError(`HTTP ${status}: the app failed`, cause)
      ),
      Effect.map(([response]) => response)
    )
  ))

const internalError = HttpServerResponse.empty({ status: 500 })
const badRequest = HttpServerResponse.text("Bad Request", { status: 400 })

/**
 * How the app's response becomes the invocation's answer: the buffered document (response.ts
 * `toAnswer`) or the HTTP integration stream (`toStreamed`). It may fail reading the body.
 *
 * @internal
 */
export type Convert<A> = (
  source: HttpEvents.HttpEventSource,
  response: HttpServerResponse.HttpServerResponse,
  withoutBody: boolean
) => Effect.Effect<A, unknown>

/**
 * The answer for `response`, left on the request's `LambdaRequest`. Reading a body can fail
 * (a failing body stream): nothing is on the wire yet, so the caller still gets a proper 500.
 */
const respondWith =
  <A>(convert: Convert<A>) =>
  (request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) => {
    const source = request.source
    if (!(source instanceof LambdaRequest)) return Effect.void
    const withoutBody = request.method === "HEAD"
    return convert(source.http.source, response, withoutBody).pipe(
      Effect.catchCause((cause) =>
        Effect.andThen(
          Effect.logError("HTTP 500: the response body failed", cause),
          Effect.orDie(convert(source.http.source, internalError, withoutBody))
        )
      ),
      Effect.map((answer) => {
        source.answer = answer
      }),
      Effect.tap(RecordingTracer.annotateHttp(request.method, request.url, response.status))
    )
  }

/**
 * Serves `app` for every HTTP event shape, answering in the shape the event came in.
 *
 * @internal
 */
export const toHandler = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): HttpHandler<Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>> =>
  // The answer document is text, numbers and booleans: serialising it cannot fail, so the JSON
  // form's `MarshalError` is left out of the type (as on the Effect 3 line).
  LambdaHandler.json(serve(app, toAnswer)) as HttpHandler<Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>>

/**
 * Serves `app` for every HTTP event shape, its response made into the answer by `convert`.
 *
 * @internal
 */
export const serve = <A, E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  convert: Convert<A>
): (
  event: unknown,
  context: LambdaContextShape
) => Effect.Effect<A, UnmarshalError, Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>> => {
  // `toHandled` runs the app uninterruptibly (a server must finish writing a response it has
  // begun); routers make their routes interruptible again, but a plain app would then outlive
  // the invocation's deadline, so it runs interruptibly here.
  const handled = HttpEffect.toHandled(Effect.interruptible(recover(app)), respondWith(convert))
  return (event, context) =>
    Effect.suspend(() => {
      const http = HttpEvents.classify(event)
      if (http === undefined) {
        return Effect.fail(
          new UnmarshalError({
            detail: "the event is not an HTTP event (API Gateway REST or HTTP API, Function URL or ALB)"
          })
        )
      }
      const source = new LambdaRequest(http, context)
      let request: HttpServerRequest.HttpServerRequest
      try {
        request = toServerRequest(source)
      } catch (cause) {
        // Headers, a method or a URL the web platform refuses: the caller's request is at fault.
        return Effect.andThen(
          Effect.logWarning(`HTTP 400: the event does not make a valid request (${Inspect.messageOf(cause)})`),
          Effect.orDie(convert(http.source, badRequest, false))
        )
      }
      // `toHandled` provides the request's Scope; the request is this invocation's.
      const served = handled as Effect.Effect<
        void,
        never,
        Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope> | HttpServerRequest.HttpServerRequest
      >
      return served.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, request),
        // The app's own failures are answered by `recover`; what is left is a pre-response
        // handler that failed, before any answer (or the deadline's interruption, which stays one).
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause)
            : Effect.logError("HTTP 500: a pre-response handler failed", cause)
        ),
        Effect.flatMap(() =>
          source.answer === undefined
            ? Effect.orDie(convert(http.source, internalError, false))
            : Effect.succeed(source.answer as A)
        )
      )
    })
}
