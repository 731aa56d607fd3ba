/**
 * Writing a streamed response on the Effect 4 line: the shared core's writer and body
 * (core/responseStream.ts: chunked POST, error trailers, backpressure, the byte limit) driven by
 * the handler's own fiber.
 *
 * The stream is consumed in the handler's fiber (the loop pipes the handler's result through
 * `consume` before it starts that fiber): so the stream runs under the deadline, with
 * `LambdaContext`, the request id in its logs and its detached forks tracked, and "the response
 * is complete" means "the handler's fiber ended", as for a buffered response.
 *
 * The POST opens at the first non-empty element: until then nothing is on the wire, and a
 * failure (or the deadline) is a plain `/error`, posted by the loop. After it, the error travels
 * in the trailers.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Response, StreamedResponse } from "../LambdaHandler.js"
import { RuntimeApiError, StreamedResponseTooLarge } from "../LambdaError.js"
import { fromCause } from "./causeDocument.js"
import { ErrorDocument, Inspect, Protocol, ResponseStream } from "./core.js"
import type { RuntimeApiClient } from "./runtimeApiClient.js"

/**
 * The byte limit of a streamed response (the platform's 200 MB). A reference only so that tests
 * can lower it (`Effect.provideService(maxStreamedBytes, n)`) instead of sending 200 MB.
 *
 * @internal
 */
export const maxStreamedBytes = Context.Reference<number>("effect-lambda-runtime/effect4/maxStreamedBytes", {
  defaultValue: () => Protocol.MAX_STREAMED_RESPONSE_BYTES
})

/** Whether a stream's failure is the POST's own (a Proxy's trap cannot make this throw). */
const isRuntimeApiError = (u: unknown): boolean => Inspect.isInstanceOf(u, RuntimeApiError)

/** One wait of the core's writer in `Effect.callback`; interrupting it stops the wait. */
const wait = (start: (done: ResponseStream.Settled) => () => void): Effect.Effect<void, RuntimeApiError> =>
  Effect.callback<void, RuntimeApiError>((resume) => {
    const stop = start((failure) =>
      resume(failure === undefined ? Effect.void : Effect.fail(new RuntimeApiError(failure)))
    )
    return Effect.sync(stop)
  })

/** A streamed body as it is written: its size against the limit, and the POST once it is open. */
interface Body extends ResponseStream.BodySize {
  writer: ResponseStream.StreamWriter | undefined
  readonly open: () => ResponseStream.StreamWriter
}

/**
 * Writes one batch of elements (core `writeElements`): synchronous while the writer takes more,
 * suspended on its drain only, so that a slow reader stops the stream from being pulled.
 */
const writeBatch = (
  body: Body,
  items: ReadonlyArray<Uint8Array | string>,
  from: number
): Effect.Effect<void, RuntimeApiError | StreamedResponseTooLarge> => {
  let at = from
  for (;;) {
    const stopped = ResponseStream.writeElements(body, body.writer, items, at)
    if (stopped === -1) return Effect.void
    if (typeof stopped !== "number") {
      if ("tooLarge" in stopped) {
        return Effect.fail(new StreamedResponseTooLarge({ size: stopped.tooLarge, limit: body.limit }))
      }
      // The first byte: the POST opens here, synchronously (the core's writer).
      body.writer = body.open()
      at = stopped.open
    } else if (body.writer!.ready()) {
      at = stopped
    } else {
      const resume = stopped
      return Effect.andThen(wait(body.writer!.whenDrained), Effect.suspend(() => writeBatch(body, items, resume)))
    }
  }
}

/**
 * The streaming side of one invocation's answer.
 *
 * @internal
 */
export interface StreamedAnswer {
  /** Buffered responses pass through; a stream is written to the Runtime API. */
  readonly consume: <E, R>(response: Effect.Effect<Response, E, R>) => Effect.Effect<Response, unknown, R>
  /** Called before the loop interrupts the handler: a stream on the wire ends with this error. */
  readonly interruptedBy: (error: unknown) => void
  /** Whether the POST was opened: then it is the invocation's one answer. */
  readonly started: () => boolean
  /** The platform's answer to the POST (`undefined` while it has not ended). */
  readonly result: () => Exit.Exit<void, RuntimeApiError> | undefined
  /** Ends the POST with `document` in its trailers if it is still open (the loop's last resort). */
  readonly abort: (document: Protocol.ErrorDocument) => Effect.Effect<void, RuntimeApiError>
}

/** @internal */
export const make = (api: RuntimeApiClient, requestId: string): StreamedAnswer => {
  let body: Body | undefined
  let interruption: { readonly error: unknown } | undefined
  let result: Exit.Exit<void, RuntimeApiError> | undefined

  /** Ends the POST once (with `document` in its trailers) and keeps the platform's answer. */
  const end = (document?: Protocol.ErrorDocument) =>
    Effect.suspend(() => {
      const writer = body?.writer
      if (writer === undefined) return Effect.void
      return Effect.map(Effect.exit(wait((done) => writer.end(document, done))), (exit) => {
        result = exit
      })
    })

  /** A stream that failed with bytes on the wire: logged, then its error goes into the trailers. */
  const endFailed = (failed: Cause.Cause<unknown>) =>
    Effect.suspend(() => {
      const cause = interruption !== undefined && Cause.hasInterruptsOnly(failed)
        ? Cause.fail(interruption.error)
        : failed
      const document = fromCause(cause)
      // A broken or refused POST is the loop's to report; anything else is the function's error.
      const fromPlatform = Option.exists(Cause.findErrorOption(failed), isRuntimeApiError)
      if (fromPlatform) return end(document)
      // A logger that throws (a user's) must not keep the trailers from saying the stream's error.
      const logged = Effect.catchCause(Effect.logError("Invoke Error", cause), () => Effect.void)
      return Effect.andThen(logged, end(document))
    })

  const write = (response: StreamedResponse) =>
    Effect.flatMap(Effect.service(maxStreamedBytes), (limit) => {
      const streamed: Body = {
        size: 0,
        limit,
        writer: undefined,
        open: () => api.openStream(requestId, response.contentType)
      }
      body = streamed
      return Stream.runForEachArray(response.stream, (items) => writeBatch(streamed, items, 0)).pipe(
        Effect.onExit((exit) => {
          if (Exit.isSuccess(exit)) {
            // An empty stream is still a response: the POST is opened only to be ended.
            streamed.writer ??= streamed.open()
            return end()
          }
          // Nothing on the wire yet: the failure is the loop's to post as `/error`.
          if (streamed.writer === undefined) return Effect.void
          // Whatever goes wrong while reporting (a bug of ours), the POST still ends with an error.
          return Effect.catchDefect(endFailed(exit.cause), (defect) =>
            end(ErrorDocument.unhandled(`The stream's failure could not be reported: ${Inspect.describe(defect)}`)))
        })
      )
    })

  return {
    consume: (response) =>
      Effect.flatMap(
        response,
        (r): Effect.Effect<Response, unknown> => r._tag === "Buffered" ? Effect.succeed(r) : Effect.as(write(r), r)
      ),
    interruptedBy: (error) => {
      interruption = { error }
    },
    started: () => body?.writer !== undefined,
    result: () => result,
    abort: (document) =>
      Effect.suspend(() => {
        const writer = body?.writer
        if (writer === undefined) return Effect.void
        return Effect.flatMap(Effect.exit(wait((done) => writer.end(document, done))), (exit) => {
          result = exit
          return exit
        })
      })
  }
}
