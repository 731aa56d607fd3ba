/**
 * Answering an invocation: exactly one `/response` or `/error` per invocation, whatever goes
 * wrong on the way (a failure value no logger can render, a post that dies, a stream left open).
 * What a failed post means is decided here too: a 5xx or a lost connection is fatal, a 4xx is
 * logged and the loop goes on.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { FatalRuntimeError, responseTooLarge } from "./errors.js"
import type { RuntimeApiError } from "./errors.js"
import type { Response, RuntimeApiService } from "../../RuntimeApi.js"
import { unhandled } from "../core/errorDocument.js"
import { bufferedByteLength } from "../core/responseStream.js"
import { afterFailedPost } from "../core/runtimeErrors.js"
import { fromCause } from "./causeDocument.js"
import { describe } from "../core/inspect.js"
import { logCause, logErrorSafely } from "./logger.js"
import type { ErrorDocument } from "../core/protocol.js"
import { MAX_BUFFERED_RESPONSE_BYTES } from "../core/protocol.js"
import type * as Streaming from "./streaming.js"

/**
 * Who answers: the Runtime API client and the retry schedule of its calls (one per loop).
 *
 * @internal
 */
export interface Poster {
  readonly api: RuntimeApiService
  readonly settings: { readonly retrySchedule: Schedule.Schedule<unknown, RuntimeApiError> }
}

/**
 * Whether a Runtime API call failed to connect or lost its connection (worth retrying).
 *
 * @internal
 */
export const isTransport = (error: RuntimeApiError): boolean => error.reason === "Transport"

/**
 * Retries `call` after its first failure `error`, when retryable, with the loop's schedule.
 * The schedule is only set up after a failure: building a retry driver for every successful
 * call cost more than the call itself.
 *
 * @internal
 */
export const retryAfter = <A, R>(
  call: Effect.Effect<A, RuntimeApiError, R>,
  error: RuntimeApiError,
  retrySchedule: Schedule.Schedule<unknown, RuntimeApiError>,
  retryable: (error: RuntimeApiError) => boolean
): Effect.Effect<A, RuntimeApiError, R> => {
  if (!retryable(error)) return Effect.fail(error)
  // Replays the first failure through the same policy, so delays and counts are unchanged.
  let replayed = false
  const attempt = Effect.suspend(() => {
    if (replayed) return call
    replayed = true
    return Effect.fail(error)
  })
  return attempt.pipe(
    Effect.tapError((error) => retryable(error) ? Effect.logWarning(`${error.message}; retrying`) : Effect.void),
    Effect.retry({ schedule: retrySchedule, while: retryable })
  )
}

/**
 * Logs `detail` at fatal level and fails: the runtime must exit.
 *
 * @internal
 */
export const fatal = (detail: string, cause?: unknown) =>
  Effect.zipRight(
    Effect.logFatal(detail),
    Effect.fail(new FatalRuntimeError(cause === undefined ? { detail } : { detail, cause }))
  )

/**
 * What a failed result POST means: 500 and unreachable are fatal (the platform is in a
 * non-recoverable state); 413 means the platform already failed the invocation; other 4xx are
 * logged and the loop goes on.
 */
const handlePostError = (error: RuntimeApiError): Effect.Effect<void, FatalRuntimeError> => {
  const { level, message } = afterFailedPost(error)
  if (level === "Fatal") return fatal(message, error)
  return level === "Warn" ? Effect.logWarning(message) : Effect.logError(message)
}

/**
 * What a post's failure means: a platform answer or a broken connection goes to `onFailure`; a
 * defect (a bug of ours, or a body that is not one) to `unanswered`; an interruption stays one.
 */
const onPostCause = (
  cause: Cause.Cause<RuntimeApiError>,
  onFailure: (error: RuntimeApiError) => Effect.Effect<void, FatalRuntimeError>,
  unanswered: (cause: Cause.Cause<unknown>) => Effect.Effect<void, FatalRuntimeError>
): Effect.Effect<void, FatalRuntimeError> => {
  if (Cause.isDie(cause)) return unanswered(cause)
  const failure = Cause.failureOption(cause)
  return Option.isSome(failure) ? onFailure(failure.value) : Effect.failCause(cause as Cause.Cause<never>)
}

/**
 * Posts a result, retried on transport errors, with the failures handled as `handlePostError`
 * says; a defect while posting is given to `unanswered`. One error handler on the success
 * path: retries are only set up after a failure.
 */
const sendResult = (
  post: Effect.Effect<void, RuntimeApiError>,
  retrySchedule: Schedule.Schedule<unknown, RuntimeApiError>,
  unanswered: (cause: Cause.Cause<unknown>) => Effect.Effect<void, FatalRuntimeError>,
  annotate: Annotate = identity
): Effect.Effect<void, FatalRuntimeError> =>
  Effect.catchAllCause(post, (cause) =>
    annotate(onPostCause(
      cause,
      (error) =>
        Effect.catchAllCause(
          retryAfter(post, error, retrySchedule, isTransport),
          (cause) => onPostCause(cause, handlePostError, unanswered)
        ),
      unanswered
    )))

/** The last resort when even posting the error died: logged, and the loop goes on. */
const unposted = (cause: Cause.Cause<unknown>) =>
  logErrorSafely(`The invocation's error could not be posted: ${fromCause(cause).errorMessage}`)

/**
 * Posts `document` as the invocation's error; if that post dies, a `Runtime.Unhandled` one instead.
 *
 * @internal
 */
export const sendError = (
  { api, settings: { retrySchedule } }: Poster,
  requestId: string,
  document: ErrorDocument
): Effect.Effect<void, FatalRuntimeError> =>
  sendResult(Effect.suspend(() => api.fail(requestId, document)), retrySchedule, (cause) =>
    sendResult(
      Effect.suspend(() =>
        api.fail(requestId, unhandled(`The error could not be posted: ${fromCause(cause).errorMessage}`))
      ),
      retrySchedule,
      unposted
    ))

/**
 * Logs a failed invocation and posts its `/error`. Every step is total (error document,
 * logging, posting); a defect anyway, before the post began, still posts `Runtime.Unhandled`.
 */
const reportFailure = (
  poster: Poster,
  requestId: string,
  cause: Cause.Cause<unknown>
): Effect.Effect<void, FatalRuntimeError> => {
  let posting = false
  return Effect.catchAllDefect(
    Effect.suspend(() => {
      const document = fromCause(cause)
      return Effect.zipRight(
        logCause("Invoke Error", cause, document),
        Effect.suspend(() => {
          posting = true
          return sendError(poster, requestId, document)
        })
      )
    }),
    (defect) =>
      posting
        ? unposted(Cause.die(defect))
        : sendError(poster, requestId, unhandled(`The failure could not be reported: ${describe(defect)}`))
  )
}

/**
 * Puts the invocation's log annotations around an Effect that logs (the loop fiber does not carry
 * them: inFlight.ts).
 *
 * @internal
 */
export type Annotate = <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>

const identity: Annotate = (effect) => effect

/**
 * Posts exactly one result for the invocation. `annotate` is put around whatever logs: a
 * failure's report, a response too large, a failed post.
 *
 * @internal
 */
export const postResult = (
  poster: Poster,
  requestId: string,
  exit: Exit.Exit<Response, unknown>,
  annotate: Annotate = identity
): Effect.Effect<void, FatalRuntimeError> => {
  if (Exit.isFailure(exit)) return annotate(reportFailure(poster, requestId, exit.cause))
  // A try block costs nothing until something throws: only a response that is not one (from a
  // raw handler) or a bug of ours gets to the catch, which reports it instead of ending the loop.
  try {
    const response = exit.value
    // A stream was written by the handler's fiber itself; its answer is reported by `reportStreamed`.
    if (response._tag === "Streamed") return Effect.void
    const size = bufferedByteLength(response.body)
    if (size > MAX_BUFFERED_RESPONSE_BYTES) {
      const error = responseTooLarge(size)
      return annotate(
        Effect.zipRight(logErrorSafely(error.message), sendError(poster, requestId, fromCause(Cause.fail(error))))
      )
    }
    return sendResult(
      poster.api.respond(requestId, response),
      poster.settings.retrySchedule,
      (cause) => reportFailure(poster, requestId, cause),
      annotate
    )
  } catch (defect) {
    return annotate(reportFailure(poster, requestId, Cause.die(defect)))
  }
}

/**
 * What the platform answered to a streamed POST (it cannot be retried: the stream is consumed).
 * A POST the handler's fiber left open although it ended (only a bug of ours can) is ended here
 * with the invocation's error, so that `/next` is never asked while the invocation is unanswered.
 *
 * @internal
 */
export const reportStreamed = (
  streamed: Streaming.StreamedPost,
  exit: Exit.Exit<Response, unknown>,
  abandoned: boolean
): Effect.Effect<void, FatalRuntimeError> => {
  const abort = (document: ErrorDocument) =>
    Effect.catchAllCause(streamed.abort(document), (cause) => onPostCause(cause, handlePostError, unposted))
  const result = streamed.result()
  if (result !== undefined) {
    return Effect.catchAllCause(
      result,
      (cause) =>
        onPostCause(
          cause,
          handlePostError,
          (cause) => abort(unhandled(`The streamed response could not be ended: ${fromCause(cause).errorMessage}`))
        )
    )
  }
  if (abandoned) {
    return logErrorSafely("The streamed response was still open when the handler's finalizers were cut off")
  }
  return abort(Exit.isFailure(exit) ? fromCause(exit.cause) : unhandled("The streamed response was left open"))
}
