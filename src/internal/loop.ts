/**
 * The invocation loop: next -> context -> handler -> post -> supervise detached -> close ->
 * next. It depends only on the `RuntimeApi` service, never on HTTP.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { LambdaContext } from "../LambdaContext.js"
import { FatalRuntimeError, HandlerTimeout, responseTooLarge, RuntimeApiError } from "../LambdaError.js"
import type { LambdaHandler } from "../LambdaHandler.js"
import type { Invocation, Response, RuntimeApiService } from "../RuntimeApi.js"
import { RuntimeApi } from "../RuntimeApi.js"
import * as Detached from "./detached.js"
import { fromCause, unhandled } from "./errorDocument.js"
import { describe } from "./inspect.js"
import { Lifecycle } from "./lifecycle.js"
import { logCause, logErrorSafely, REQUEST_ID } from "./logger.js"
import type { ErrorDocument } from "./protocol.js"
import { env, MAX_BUFFERED_RESPONSE_BYTES } from "./protocol.js"
import * as Shutdown from "./shutdown.js"
import * as Streaming from "./streaming.js"
import { awaitUntil, until } from "./timers.js"

/** Finalizers get until `deadline - FINALIZER_CUTOFF_MS`; past it a live fiber ends the process. */
export const FINALIZER_CUTOFF_MS = 50

/** What the loop needs besides the handler. */
export interface LoopOptions {
  readonly timeoutMarginMs: number
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  readonly region: string
  /**
   * Retries of a Runtime API call that could not connect or lost its connection. An answer is
   * never retried: 500 means the platform is in a non-recoverable state (runtime-api.md 1.1).
   */
  readonly retrySchedule: Schedule.Schedule<unknown, RuntimeApiError>
  /** Where the loop records the invocation in flight, for signals and stray errors (runtime.ts). */
  readonly lifecycle?: Lifecycle | undefined
}

/** Bounded exponential backoff: 100, 200, 400 ms, then give up. */
export const defaultRetrySchedule: Schedule.Schedule<unknown, RuntimeApiError> = Schedule.exponential(
  Duration.millis(100)
).pipe(Schedule.intersect(Schedule.recurs(3)))

const isTransport = (error: RuntimeApiError) => error.reason === "Transport"

const parseJsonText = (text: string | undefined): unknown => {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

// process.env reads and writes cross into C++; skip the common "still absent" case. `null`
// means not known yet (read once, at the first invocation).
let lastTraceId: string | undefined | null = null
const setTraceId = (traceId: string | undefined) => {
  if (traceId === undefined) {
    if (lastTraceId === null ? process.env[env.traceId] !== undefined : lastTraceId !== undefined) {
      delete process.env[env.traceId]
    }
  } else process.env[env.traceId] = traceId
  lastTraceId = traceId
}

/**
 * Retries `call` after its first failure `error`, when retryable, with the loop's schedule.
 * The schedule is only set up after a failure: building a retry driver for every successful
 * call cost more than the call itself.
 */
const retryAfter = <A, R>(
  call: Effect.Effect<A, RuntimeApiError, R>,
  error: RuntimeApiError,
  options: LoopOptions,
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
    Effect.retry({ schedule: options.retrySchedule, while: retryable })
  )
}

const fatal = (detail: string, cause?: unknown) =>
  Effect.zipRight(
    Effect.logFatal(detail),
    Effect.fail(new FatalRuntimeError(cause === undefined ? { detail } : { detail, cause }))
  )

/**
 * What a failed result POST means (runtime-api.md 1.1): 500 and unreachable are fatal; 413
 * means the platform already failed the invocation; other 4xx are logged and the loop goes on.
 */
const handlePostError = (error: RuntimeApiError): Effect.Effect<void, FatalRuntimeError> => {
  if (error.reason === "Transport") return fatal(`${error.message}; the Runtime API is unreachable, exiting`, error)
  if (error.status !== undefined && error.status >= 500) {
    return fatal(`${error.message}; the platform reported a non-recoverable state, exiting`, error)
  }
  if (error.status === 413) {
    return Effect.logError(`${error.message}; the platform rejected the payload and has failed the invocation`)
  }
  if (error.status === 400 || error.status === 403 || error.status === 410) {
    return Effect.logWarning(`${error.message}; the result was not accepted, continuing`)
  }
  return Effect.logError(error.message)
}

/** The body's size; a body that is neither (a raw handler's bug) throws here, before anything is written. */
const byteLength = (body: Uint8Array | string) => {
  if (typeof body === "string") return Buffer.byteLength(body)
  if (body instanceof Uint8Array) return body.byteLength
  throw new TypeError(`The response body must be a string or a Uint8Array (got ${describe(body)})`)
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
  options: LoopOptions,
  unanswered: (cause: Cause.Cause<unknown>) => Effect.Effect<void, FatalRuntimeError>
): Effect.Effect<void, FatalRuntimeError> =>
  Effect.catchAllCause(post, (cause) =>
    onPostCause(
      cause,
      (error) =>
        Effect.catchAllCause(
          retryAfter(post, error, options, isTransport),
          (cause) => onPostCause(cause, handlePostError, unanswered)
        ),
      unanswered
    ))

/** The last resort when even posting the error died: logged, and the loop goes on. */
const unposted = (cause: Cause.Cause<unknown>) =>
  logErrorSafely(`The invocation's error could not be posted: ${fromCause(cause).errorMessage}`)

/** Posts `document` as the invocation's error; if that post dies, a `Runtime.Unhandled` one instead. */
const sendError = (
  api: RuntimeApiService,
  options: LoopOptions,
  requestId: string,
  document: ErrorDocument
): Effect.Effect<void, FatalRuntimeError> =>
  sendResult(Effect.suspend(() => api.fail(requestId, document)), options, (cause) =>
    sendResult(
      Effect.suspend(() => api.fail(requestId, unhandled(`The error could not be posted: ${fromCause(cause).errorMessage}`))),
      options,
      unposted
    ))

/**
 * Logs a failed invocation and posts its `/error`. Every step is total (error document,
 * logging, posting); a defect anyway, before the post began, still posts `Runtime.Unhandled`.
 */
const reportFailure = (
  api: RuntimeApiService,
  options: LoopOptions,
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
          return sendError(api, options, requestId, document)
        })
      )
    }),
    (defect) =>
      posting
        ? unposted(Cause.die(defect))
        : sendError(api, options, requestId, unhandled(`The failure could not be reported: ${describe(defect)}`))
  )
}

/** Posts exactly one result for the invocation. */
const postResult = (
  api: RuntimeApiService,
  options: LoopOptions,
  requestId: string,
  exit: Exit.Exit<Response, unknown>
): Effect.Effect<void, FatalRuntimeError> => {
  if (Exit.isFailure(exit)) return reportFailure(api, options, requestId, exit.cause)
  // A try block costs nothing until something throws: only a response that is not one (from a
  // raw handler) or a bug of ours gets to the catch, which reports it instead of ending the loop.
  try {
    const response = exit.value
    // A stream was written by the handler's fiber itself; its answer is reported by `reportStreamed`.
    if (response._tag === "Streamed") return Effect.void
    const size = byteLength(response.body)
    if (size > MAX_BUFFERED_RESPONSE_BYTES) {
      const error = responseTooLarge(size)
      return Effect.zipRight(logErrorSafely(error.message), sendError(api, options, requestId, fromCause(Cause.fail(error))))
    }
    return sendResult(
      api.respond(requestId, response),
      options,
      (cause) => reportFailure(api, options, requestId, cause)
    )
  } catch (defect) {
    return reportFailure(api, options, requestId, Cause.die(defect))
  }
}

/**
 * What the platform answered to a streamed POST (it cannot be retried: the stream is consumed).
 * A POST the handler's fiber left open although it ended (only a bug of ours can) is ended here
 * with the invocation's error, so that `/next` is never asked while the invocation is unanswered.
 */
const reportStreamed = (
  streamed: Streaming.StreamedPost,
  exit: Exit.Exit<Response, unknown>,
  abandoned: boolean
): Effect.Effect<void, FatalRuntimeError> => {
  const abort = (document: ErrorDocument) =>
    Effect.catchAllCause(streamed.abort(document), (cause) => onPostCause(cause, handlePostError, unposted))
  const result = streamed.result()
  if (result !== undefined) {
    return Effect.catchAllCause(result, (cause) =>
      onPostCause(cause, handlePostError, (cause) =>
        abort(unhandled(`The streamed response could not be ended: ${fromCause(cause).errorMessage}`))))
  }
  if (abandoned) return logErrorSafely("The streamed response was still open when the handler's finalizers were cut off")
  return abort(Exit.isFailure(exit) ? fromCause(exit.cause) : unhandled("The streamed response was left open"))
}

const makeContext = (
  invocation: Invocation,
  options: LoopOptions,
  detachedScope: Scope.Scope
): LambdaContext => ({
  requestId: invocation.requestId,
  deadlineMs: invocation.deadlineMs,
  remainingTime: Effect.map(
    Clock.currentTimeMillis,
    (now) => Duration.millis(Math.max(0, invocation.deadlineMs - now))
  ),
  getRemainingTimeInMillis: () => Math.max(0, invocation.deadlineMs - Date.now()),
  invokedFunctionArn: invocation.functionArn,
  traceId: invocation.traceId,
  clientContext: parseJsonText(invocation.clientContext),
  identity: parseJsonText(invocation.cognitoIdentity),
  tenantId: invocation.tenantId,
  functionName: options.functionName,
  functionVersion: options.functionVersion,
  memoryLimitInMB: options.memoryLimitInMB,
  logGroupName: options.logGroupName,
  logStreamName: options.logStreamName,
  region: options.region,
  detachedScope
})

/** One invocation, from the event to the moment the runtime may ask for the next one. */
const invoke = <E, R>(
  life: Lifecycle,
  supervisor: Detached.InvocationSupervisor,
  debug: boolean,
  services: Context.Context<Exclude<R, LambdaContext | Scope.Scope>>,
  api: RuntimeApiService,
  handler: LambdaHandler<E, R>,
  options: LoopOptions,
  invocation: Invocation
): Effect.Effect<void, FatalRuntimeError, Exclude<R, LambdaContext | Scope.Scope>> =>
  Effect.gen(function*() {
    const receivedAt = Date.now()
    setTraceId(invocation.traceId)
    life.requestId = invocation.requestId
    life.answered = false
    if (!Number.isFinite(invocation.deadlineMs)) {
      // Uninterruptible and marked answered inside, as the result post below.
      yield* Effect.uninterruptible(Effect.suspend(() => {
        life.answered = true
        return sendError(api, options, invocation.requestId, {
          errorType: "Runtime.MalformedInvocation",
          errorMessage: "The invocation has no valid Lambda-Runtime-Deadline-Ms header",
          stackTrace: []
        })
      }))
      life.requestId = undefined
      return
    }
    const softDeadline = invocation.deadlineMs - options.timeoutMarginMs
    const hardDeadline = invocation.deadlineMs - FINALIZER_CUTOFF_MS

    const detached = yield* Detached.make(supervisor)
    const invocationScope = yield* Scope.make()
    const context = makeContext(invocation, options, detached.scope)

    const streamed = Streaming.make(api, invocation.requestId)
    // Suspended: a handler function that throws instead of returning an Effect fails its own
    // fiber (a defect, posted as `/error`), not the loop.
    const handled = Effect.suspend(() => handler.handle(invocation, context)) as Effect.Effect<Response, E>
    // The handler's fiber starts at once, on this call stack, with this fiber's FiberRefs (log
    // annotations, logger, supervisor) and its own services, like `Effect.forkDaemon` but without
    // a scheduler round: a handler that completes synchronously is done before `awaitUntil`
    // looks, which then needs no timer and no suspension. The loop owns the fiber's lifetime: it
    // interrupts it at the deadline itself.
    const parent = yield* Effect.runtime<never>()
    const handlerFiber = Runtime.runFork(
      Runtime.make({
        context: Context.add(Context.add(services, LambdaContext, context), Scope.Scope, invocationScope) as Context.Context<never>,
        fiberRefs: parent.fiberRefs,
        runtimeFlags: parent.runtimeFlags
      }),
      // A streamed body is written by this fiber, under the deadline below (see streaming.ts).
      Effect.flatMap(handled, streamed.consume)
    )
    life.handlerFiber = handlerFiber
    life.detached = detached
    life.invocationScope = invocationScope
    life.streamed = streamed

    let exit: Exit.Exit<Response, unknown>
    let abandoned = false
    const completed = yield* awaitUntil(handlerFiber, softDeadline)
    if (Option.isSome(completed)) {
      exit = completed.value
    } else {
      const interruptedAt = Date.now()
      const timeout = new HandlerTimeout({ elapsedMs: interruptedAt - receivedAt, marginMs: options.timeoutMarginMs })
      // A stream already on the wire ends with this error in its trailers.
      streamed.deadlineReached(timeout)
      const stopped = yield* until(Fiber.interrupt(handlerFiber), hardDeadline)
      abandoned = Option.isNone(stopped)
      exit = Exit.fail(timeout)
    }

    // Not cut off by a shutdown: a result half-posted would be lost, one posted is the best
    // answer. Marked answered inside the region, so that a shutdown never posts a second one.
    yield* Effect.uninterruptible(Effect.suspend(() => {
      life.answered = true
      return streamed.started()
        ? reportStreamed(streamed, exit, abandoned)
        : postResult(api, options, invocation.requestId, exit)
    }))

    if (abandoned) {
      return yield* fatal(
        `The handler (fiber #${handlerFiber.id().id}) was still running its finalizers ${FINALIZER_CUTOFF_MS} ms ` +
          `before the deadline; exiting so that it is not carried into a frozen environment`
      )
    }

    // The detached window: wait for every detached fiber (late forks included), at most
    // until the deadline minus the margin, then interrupt the rest and run finalizers.
    // Scopes without finalizers close at once: the waits are only set up when needed.
    const windowStart = Date.now()
    if (!detached.isIdle()) yield* detached.awaitIdleUntil(softDeadline)
    if (detached.isEmpty()) yield* detached.close
    else if (Option.isNone(yield* until(detached.close, hardDeadline))) {
      return yield* fatal(
        `Detached fibers ${detached.liveFiberIds().join(", ")} refused interruption and were still running ` +
          `${FINALIZER_CUTOFF_MS} ms before the deadline; exiting so that they are not carried into a frozen environment`
      )
    }
    if (!Detached.hasFinalizers(invocationScope)) yield* Scope.close(invocationScope, exit)
    else if (Option.isNone(yield* until(Scope.close(invocationScope, exit), hardDeadline))) {
      return yield* fatal(
        `The invocation scope's finalizers were still running ${FINALIZER_CUTOFF_MS} ms before the deadline; exiting`
      )
    }

    life.requestId = undefined
    life.handlerFiber = undefined
    life.detached = undefined
    life.invocationScope = undefined
    life.streamed = undefined
    const summary = detached.finish()
    for (const failure of summary.failures) {
      // Logged and nothing else (rule 4): a value no logger can render must not end the loop.
      yield* logCause(`Detached fiber #${failure.fiber.id().id} failed`, failure.cause)
    }
    // Built only when debug lines are kept: this runs after every invocation.
    if (debug) {
      yield* Effect.logDebug(
        `Detached work: ${summary.completed} completed, ${summary.failed} failed, ` +
          `${summary.interrupted} interrupted in ${Date.now() - windowStart} ms`
      )
    }
  })

/** Asks for invocations forever; fails only when the runtime must exit. */
export const loop = <E, R>(
  handler: LambdaHandler<E, R>,
  options: LoopOptions
): Effect.Effect<never, FatalRuntimeError, RuntimeApi | Exclude<R, LambdaContext | Scope.Scope>> =>
  Effect.flatMap(RuntimeApi, (api) => {
    const life = options.lifecycle ?? new Lifecycle()
    const supervisor = Detached.makeSupervisor()
    const rounds = Effect.flatMap(
      Effect.all([
        FiberRef.get(FiberRef.currentContext),
        FiberRef.get(FiberRef.currentLogAnnotations),
        FiberRef.get(FiberRef.currentMinimumLogLevel)
      ]),
      ([services, annotations, minimumLogLevel]) => {
        const debug = LogLevel.lessThanEqual(minimumLogLevel, LogLevel.Debug)
        // Every line logged while an invocation runs carries its request id: the loop sets the
        // annotation once per invocation (the handler and detached fibers inherit it when they
        // are forked) and never resets it, rather than `Effect.annotateLogs` around each
        // invocation (an acquire/use/release every time). Only a failing `/next`, which logs
        // between invocations, goes back to the loop's own annotations.
        const next = Effect.catchAll(api.next, (error) =>
          retryAfter(api.next, error, options, isTransport).pipe(
            Effect.catchAll((error) =>
              fatal(
                error.reason === "MalformedInvocation"
                  ? `${error.message}; the invocation cannot be answered, exiting`
                  : error.reason === "Transport"
                  ? `${error.message}; giving up on the Runtime API, exiting`
                  : `${error.message}; the platform reported a non-recoverable state, exiting`,
                error
              )
            ),
            Effect.locally(FiberRef.currentLogAnnotations, annotations)
          ))
        const round = Effect.flatMap(next, (invocation) =>
          Effect.zipRight(
            FiberRef.set(FiberRef.currentLogAnnotations, HashMap.set(annotations, REQUEST_ID, invocation.requestId as unknown)),
            invoke(life, supervisor, debug, services as Context.Context<Exclude<R, LambdaContext | Scope.Scope>>, api, handler, options, invocation)
          ))
        // Not `Effect.forever`, which yields to the scheduler after every round: `/next` already
        // suspends on I/O, and the fiber runtime yields by itself after enough steps.
        const forever: Effect.Effect<never, FatalRuntimeError, Exclude<R, LambdaContext | Scope.Scope>> = Effect.flatMap(
          round,
          () => forever
        )
        return forever
      }
    )
    return Effect.zipRight(Detached.verifyTracking(), rounds).pipe(
      // Once around the whole loop, not per invocation: the in-flight invocation is in `life`.
      Effect.onInterrupt(() => Shutdown.stopInvocation(life, api, (exit) => postResult(api, options, life.requestId!, exit))),
      // Failures are reported by the loop (handler) or logged at error level (detached); set
      // once here, every handler fiber inherits it, and so does the detached-work supervisor.
      Effect.withUnhandledErrorLogLevel(Option.none()),
      Effect.supervised(supervisor)
    )
  })
