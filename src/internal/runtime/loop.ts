/**
 * The invocation loop: next -> context -> handler -> post -> supervise detached -> close ->
 * next. It depends only on the `RuntimeApi` service, never on HTTP.
 */
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
import { LambdaContext } from "../../LambdaContext.js"
import type { NodeContext } from "../../LambdaContext.js"
import { HandlerTimeout } from "../../LambdaError.js"
import type { FatalRuntimeError, RuntimeApiError } from "../../LambdaError.js"
import type { LambdaHandler } from "../../LambdaHandler.js"
import type { Invocation, Response, RuntimeApiService } from "../../RuntimeApi.js"
import { RuntimeApi } from "../../RuntimeApi.js"
import * as Console from "./console.js"
import * as Detached from "./detached.js"
import { makeNodeContext } from "./nodeContext.js"
import { Lifecycle } from "./lifecycle.js"
import { logCause, REQUEST_ID } from "./logger.js"
import { env } from "../core/protocol.js"
import { fatal, isTransport, postResult, reportStreamed, retryAfter, sendError } from "./answer.js"
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
  /** Where the loop records the invocation in flight, for signals and stray errors (init.ts). */
  readonly lifecycle?: Lifecycle | undefined
  /**
   * Run each invocation's fibers in its async context (console.ts), so that the Lambda-formatted
   * console finds the calling invocation. Off unless the console is installed: it costs a
   * closure per scheduled task.
   */
  readonly requestContext?: boolean | undefined
}

/** Bounded exponential backoff: 100, 200, 400 ms, then give up. */
export const defaultRetrySchedule: Schedule.Schedule<unknown, RuntimeApiError> = Schedule.exponential(
  Duration.millis(100)
).pipe(Schedule.intersect(Schedule.recurs(3)))


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
 * The handler's context. A class, so that `node` is a getter on the prototype: Node's context
 * object costs nothing until a handler asks for it.
 */
class InvocationContext implements LambdaContext {
  readonly requestId: string
  readonly deadlineMs: number
  readonly remainingTime: Effect.Effect<Duration.Duration>
  readonly getRemainingTimeInMillis: () => number
  readonly invokedFunctionArn: string
  readonly traceId: string | undefined
  readonly clientContext: unknown
  readonly identity: unknown
  readonly tenantId: string | undefined
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  readonly region: string
  private nodeContext: NodeContext | undefined = undefined
  constructor(invocation: Invocation, options: LoopOptions, readonly detachedScope: Scope.Scope) {
    const deadlineMs = invocation.deadlineMs
    this.requestId = invocation.requestId
    this.deadlineMs = deadlineMs
    this.remainingTime = Effect.map(
      Clock.currentTimeMillis,
      (now) => Duration.millis(Math.max(0, deadlineMs - now))
    )
    this.getRemainingTimeInMillis = () => Math.max(0, deadlineMs - Date.now())
    this.invokedFunctionArn = invocation.functionArn
    this.traceId = invocation.traceId
    this.clientContext = parseJsonText(invocation.clientContext)
    this.identity = parseJsonText(invocation.cognitoIdentity)
    this.tenantId = invocation.tenantId
    this.functionName = options.functionName
    this.functionVersion = options.functionVersion
    this.memoryLimitInMB = options.memoryLimitInMB
    this.logGroupName = options.logGroupName
    this.logStreamName = options.logStreamName
    this.region = options.region
  }
  get node(): NodeContext {
    return this.nodeContext ??= makeNodeContext(this)
  }
}

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
        return sendError(api, options.retrySchedule, invocation.requestId, {
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
    const context = new InvocationContext(invocation, options, detached.scope)

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
    const handlerRuntime = Runtime.make({
      context: Context.add(Context.add(services, LambdaContext, context), Scope.Scope, invocationScope) as Context.Context<never>,
      fiberRefs: parent.fiberRefs,
      runtimeFlags: parent.runtimeFlags
    })
    // A streamed body is written by this fiber, under the deadline below (see streaming.ts).
    const handlerEffect = Effect.flatMap(handled, streamed.consume)
    const handlerFiber = options.requestContext === true
      ? Console.runForkIn(invocation.requestId, handlerRuntime, handlerEffect)
      : Runtime.runFork(handlerRuntime, handlerEffect)
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
      streamed.interruptedBy(timeout)
      const stopped = yield* until(Fiber.interrupt(handlerFiber), hardDeadline)
      abandoned = Option.isNone(stopped)
      exit = Exit.fail(timeout)
    }

    // Not cut off by a shutdown: a result half-posted would be lost, one posted is the best
    // answer. Marked answered inside the region, so that a shutdown never posts a second one.
    yield* Effect.uninterruptible(Effect.suspend(() => {
      // Already answered by the report of an error outside Effect (main.ts): one answer only.
      if (life.answered) return Effect.void
      life.answered = true
      return streamed.started()
        ? reportStreamed(streamed, exit, abandoned)
        : postResult(api, options.retrySchedule, invocation.requestId, exit)
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
          retryAfter(api.next, error, options.retrySchedule, isTransport).pipe(
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
        // suspends on I/O, and the fiber runtime yields by itself after enough steps. After an
        // error outside Effect the process is about to exit (main.ts): asking for another
        // invocation would hand it to a dying process (checked in the continuation every round
        // already runs, so it costs no step).
        const forever: Effect.Effect<never, FatalRuntimeError, Exclude<R, LambdaContext | Scope.Scope>> = Effect.flatMap(
          round,
          () => life.halted ? Effect.never : forever
        )
        return forever
      }
    )
    return rounds.pipe(
      // Once around the whole loop, not per invocation: the in-flight invocation is in `life`.
      Effect.onInterrupt(() => Shutdown.stopInvocation(life, api, (exit) => postResult(api, options.retrySchedule, life.requestId!, exit))),
      // Failures are reported by the loop (handler) or logged at error level (detached); set
      // once here, every handler fiber inherits it, and so does the detached-work supervisor.
      Effect.withUnhandledErrorLogLevel(Option.none()),
      Effect.supervised(supervisor)
    )
  })
