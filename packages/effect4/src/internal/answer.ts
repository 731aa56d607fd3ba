/**
 * Answering an invocation on the Effect 4 line: exactly one `/response` or `/error`, whatever
 * goes wrong on the way (a body over the limit, a result that is not a body, a post that dies, a
 * stream left open), and what a failed post means (core `RuntimeErrors.afterFailedPost`: a lost
 * connection or a 5xx is fatal and the runtime exits; 413 is logged; 400, 403 and 410 are warned
 * about and the loop goes on). Transport failures are retried with a schedule first.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { Response } from "../LambdaHandler.js"
import { responseTooLarge } from "../LambdaError.js"
import type { FatalRuntimeError, RuntimeApiError } from "../LambdaError.js"
import { fromCause } from "./causeDocument.js"
import { ErrorDocument, LogLine, Protocol, ResponseStream, RuntimeErrors } from "./core.js"
import { fatal } from "./lifecycle.js"
import type { RuntimeApiClient } from "./runtimeApiClient.js"
import * as Streaming from "./streaming.js"

/**
 * Bounded exponential backoff for a post that could not reach the platform: 100, 200, 400 ms,
 * then the runtime gives up (as on the Effect 3 line).
 *
 * @internal
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, RuntimeApiError> = Schedule.max([
  Schedule.exponential(Duration.millis(100)),
  Schedule.recurs(3)
])

/**
 * Who answers: the Runtime API client and the retry schedule of its posts.
 *
 * @internal
 */
export interface Poster {
  readonly api: RuntimeApiClient
  readonly retrySchedule: Schedule.Schedule<unknown, RuntimeApiError>
}

const transport = (error: RuntimeApiError) => error.reason === "Transport"

/**
 * A Runtime API call (a post, or `/next`), retried while it cannot reach the platform: the first
 * failure goes through the same schedule as the retries (so the delays and the count are the
 * schedule's), and the retries are set up only after a failure. A status is never retried: a 5xx
 * means the platform is in a non-recoverable state.
 *
 * @internal
 */
export const retryTransport = <A>(
  call: Effect.Effect<A, RuntimeApiError>,
  schedule: Schedule.Schedule<unknown, RuntimeApiError> = defaultRetrySchedule
): Effect.Effect<A, RuntimeApiError> =>
  Effect.catch(call, (first) => {
    if (!transport(first)) return Effect.fail(first)
    let replayFirst = true
    const again = Effect.suspend(() => {
      if (!replayFirst) return call
      replayFirst = false
      return Effect.fail(first)
    })
    const warned = Effect.tapError(again, (error) =>
      transport(error) ? Effect.logWarning(`${error.message}; retrying`) : Effect.void)
    return Effect.retry(warned, { schedule, while: transport })
  })

/** What a post that failed for good means: fatal (the runtime exits), or logged and the loop goes on. */
const afterFailure = (error: RuntimeApiError): Effect.Effect<void, FatalRuntimeError> => {
  const { level, message } = RuntimeErrors.afterFailedPost(error)
  if (level === "Warn") return Effect.logWarning(message)
  if (level === "Error") return Effect.logError(message)
  return fatal(message, error)
}

/** A defect's message as its error document gives it (an Error's message, not its `name: message`). */
const messageOf = (defect: unknown): string => fromCause(Cause.die(defect)).errorMessage

/** Logging that cannot fail: a value no logger can render must not keep the invocation from its answer. */
const logSafely = (log: Effect.Effect<void>) => Effect.catchCause(log, () => Effect.void)

/**
 * Posts `post` and settles its failure; a defect while posting (a bug of ours) goes to `onDefect`.
 */
const settle = (
  poster: Poster,
  post: Effect.Effect<void, RuntimeApiError>,
  onDefect: (defect: unknown) => Effect.Effect<void, FatalRuntimeError>
): Effect.Effect<void, FatalRuntimeError> =>
  retryTransport(Effect.suspend(() => post), poster.retrySchedule).pipe(
    Effect.catch(afterFailure),
    Effect.catchDefect(onDefect)
  )

/**
 * Posts `document` as the invocation's error; if that post dies, a `Runtime.Unhandled` one instead.
 *
 * @internal
 */
export const sendError = (
  poster: Poster,
  requestId: string,
  document: Protocol.ErrorDocument
): Effect.Effect<void, FatalRuntimeError> =>
  settle(poster, poster.api.fail(requestId, document), (defect) =>
    settle(
      poster,
      poster.api.fail(requestId, ErrorDocument.unhandled(`The error could not be posted: ${messageOf(defect)}`)),
      (last) => logSafely(Effect.logError(`The invocation's error could not be posted: ${messageOf(last)}`))
    ))

/** Logs a failed invocation and posts its `/error`; a document that cannot be made is `Runtime.Unhandled`. */
const reportFailure = (
  poster: Poster,
  requestId: string,
  cause: Cause.Cause<unknown>
): Effect.Effect<void, FatalRuntimeError> =>
  Effect.andThen(
    logSafely(Effect.logError("Invoke Error", cause)),
    Effect.suspend(() => sendError(poster, requestId, fromCause(cause)))
  )

/**
 * Posts the one result of a handler that did not stream: its failure as `/error`, a buffered
 * body over 6 MB as `ResponseTooLarge`, a result that is not a body as the handler's defect.
 *
 * @internal
 */
export const postOutcome = (
  poster: Poster,
  requestId: string,
  outcome: Exit.Exit<Response, unknown>
): Effect.Effect<void, FatalRuntimeError> => {
  if (Exit.isFailure(outcome)) return reportFailure(poster, requestId, outcome.cause)
  const response = outcome.value
  // A stream is written by the handler's fiber (its POST opened even when it is empty): one
  // that was not is a bug of ours, answered as the handler's defect rather than left unanswered.
  if (response._tag !== "Buffered") {
    return reportFailure(poster, requestId, Cause.die(new Error("The streamed response was not written")))
  }
  let size: number
  try {
    size = ResponseStream.bufferedByteLength(response.body)
  } catch (defect) {
    // A raw handler's body that is neither a string nor bytes: the handler's defect.
    return reportFailure(poster, requestId, Cause.die(defect))
  }
  if (size > Protocol.MAX_BUFFERED_RESPONSE_BYTES) {
    const error = responseTooLarge(size)
    return Effect.andThen(
      logSafely(Effect.logError(error.message)),
      sendError(poster, requestId, fromCause(Cause.fail(error)))
    )
  }
  return settle(
    poster,
    poster.api.respond(requestId, response.body, response.contentType),
    (defect) => reportFailure(poster, requestId, Cause.die(defect))
  )
}

/**
 * The answer of a streamed invocation: what the platform said to the streamed POST (it cannot be
 * retried, the stream is consumed); a POST the handler's fiber left open (only a bug of ours can)
 * is ended here with the invocation's error, so that `/next` never comes before the answer.
 *
 * @internal
 */
export const reportStreamed = (
  streamed: Streaming.StreamedAnswer,
  exit: Exit.Exit<Response, unknown>
): Effect.Effect<void, FatalRuntimeError> => {
  const result = streamed.result()
  if (result !== undefined) {
    if (Exit.isSuccess(result)) return Effect.void
    const error = Cause.findErrorOption(result.cause)
    if (Option.isSome(error)) return afterFailure(error.value)
    // Ending it died (a bug of ours): it is ended again, with that in its trailers, so that
    // `/next` never comes while the invocation is unanswered.
    const message = fromCause(result.cause).errorMessage
    return Effect.andThen(
      logSafely(Effect.logError("The streamed response could not be ended", result.cause)),
      streamed.abort(ErrorDocument.unhandled(`The streamed response could not be ended: ${message}`)).pipe(
        Effect.catch(afterFailure),
        Effect.catchDefect((defect) =>
          logSafely(Effect.logError(`The streamed response could not be ended: ${messageOf(defect)}`))
        )
      )
    )
  }
  const document = Exit.isFailure(exit)
    ? fromCause(exit.cause)
    : ErrorDocument.unhandled("The streamed response was left open")
  return Effect.catch(streamed.abort(document), afterFailure)
}

/**
 * The answer of one invocation: its stream (consumed in the handler's fiber) and its one post.
 *
 * @internal
 */
export interface Answer {
  /** The handler's result, its stream (if any) written by the fiber that runs this. */
  readonly consume: <E, R>(response: Effect.Effect<Response, E, R>) => Effect.Effect<Response, unknown, R>
  /** Called before the loop interrupts the handler from outside: a stream on the wire ends with `error`. */
  readonly interruptedBy: (error: unknown) => void
  /** Whether the stream's POST was opened: then it is the invocation's answer. */
  readonly started: () => boolean
  /** Posts the invocation's one answer for the handler's `exit`. */
  readonly post: (exit: Exit.Exit<Response, unknown>) => Effect.Effect<void, FatalRuntimeError>
}

/**
 * The answer of the invocation `requestId`.
 *
 * @internal
 */
export const make = (poster: Poster, requestId: string): Answer => {
  const streamed = Streaming.make(poster.api, requestId)
  return {
    consume: streamed.consume,
    interruptedBy: streamed.interruptedBy,
    started: streamed.started,
    // Posted from the loop's fiber: its lines carry the invocation's request id as the handler's do.
    post: (exit) =>
      Effect.uninterruptible(
        streamed.started() ? reportStreamed(streamed, exit) : postOutcome(poster, requestId, exit)
      ).pipe(Effect.annotateLogs(LogLine.REQUEST_ID, requestId))
  }
}
