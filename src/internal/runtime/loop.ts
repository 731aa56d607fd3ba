/**
 * The invocation loop: next -> serve the invocation (inFlight.ts: context, handler, answer,
 * detached window) -> next. It depends only on the `RuntimeApi` service, never on HTTP.
 */
import type * as Context from "effect/Context"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { LambdaContext } from "../../LambdaContext.js"
import type { LambdaHandler } from "../../LambdaHandler.js"
import { fatal, isTransport, retryAfter } from "./answer.js"
import * as Detached from "./detached.js"
import type { FatalRuntimeError, RuntimeApiError } from "./errors.js"
import { InFlight } from "./inFlight.js"
import type { Loop } from "./inFlight.js"
import type { Lifecycle } from "./lifecycle.js"
import { RuntimeApi } from "./runtimeApi.js"
import { ResumeNowScheduler } from "./scheduler.js"
import type { RuntimeApiService } from "../../RuntimeApi.js"
import { until } from "./timers.js"
import { nextFailureLine, platformShutdownLine, setTraceId } from "../core/lifecycle.js"
import type { RuntimeSettings } from "./settings.js"

/**
 * Bounded exponential backoff: 100, 200, 400 ms, then give up.
 *
 * @internal
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, RuntimeApiError> = Schedule.exponential(
  Duration.millis(100)
).pipe(Schedule.intersect(Schedule.recurs(3)))

/**
 * What a loop needs besides its handler, the settings and the Runtime API service.
 *
 * @internal
 */
export interface LoopHooks {
  /** Called once per invocation when its answer was posted. */
  readonly onAnswered?: ((requestId: string) => void) | undefined
  /** Called once per invocation when its detached work is over, before the next `/next`. */
  readonly onFinished?: ((requestId: string, summary: Detached.DetachedSummary) => void) | undefined
}

/**
 * Asks for invocations forever; fails only when the runtime must exit. With `lanes` (Lambda
 * Managed Instances), one loop per Runtime API client: `RuntimeApi`'s, then each of `lanes`', all
 * serving at once (see {@link concurrently}).
 *
 * @internal
 */
export const loop = <E, R>(
  handler: LambdaHandler<E, R>,
  settings: RuntimeSettings,
  life: Lifecycle,
  hooks: LoopHooks = {},
  lanes: ReadonlyArray<RuntimeApiService> = []
): Effect.Effect<never, FatalRuntimeError, RuntimeApi | Exclude<R, LambdaContext | Scope.Scope>> =>
  Effect.flatMap(RuntimeApi, (api) =>
    (lanes.length === 0
      ? lane(api, handler, settings, life, hooks)
      : concurrently([api, ...lanes].map((api) => lane(api, handler, settings, life, hooks)), life)).pipe(
        // Once around all loops, not per invocation: the invocations in flight are in `life`.
        Effect.onInterrupt(() => life.stopAll),
        // Failures are reported by the loop (handler) or logged at error level (detached); set
        // once here, every handler fiber inherits it, and so does the detached-work supervisor.
        Effect.withUnhandledErrorLogLevel(Option.none())
      ))

/**
 * Runs the loops side by side. When one fails (the runtime must exit) the others stop asking for
 * invocations, the invocations in flight get the shutdown budget to finish, then whatever is
 * left is stopped as at shutdown and the loops end with the first failure.
 */
const concurrently = <R>(
  loops: ReadonlyArray<Effect.Effect<never, FatalRuntimeError, R>>,
  life: Lifecycle
): Effect.Effect<never, FatalRuntimeError, R> =>
  Effect.gen(function*() {
    // The first loop to end: with its failure, or none when the platform is shutting down.
    const ended = yield* Deferred.make<Option.Option<Cause.Cause<FatalRuntimeError>>>()
    const fibers = yield* Effect.forEach(loops, (loop) =>
      Effect.fork(
        Effect.tapErrorCause(loop, (cause) =>
          !Cause.isInterruptedOnly(cause)
            ? Deferred.succeed(ended, Option.some(cause))
            : life.draining
            ? Deferred.succeed(ended, Option.none())
            : Effect.void)
      ))
    return yield* Effect.gen(function*() {
      const cause = yield* Deferred.await(ended)
      life.draining = true
      yield* until(life.awaitIdle, Date.now() + life.shutdownBudgetMs)
      yield* Fiber.interruptAll(fibers)
      yield* life.stopAll
      return yield* Option.isSome(cause) ? Effect.failCause(cause.value) : Effect.interrupt
    }).pipe(
      // A shutdown: the loops stop first (none asks for another invocation), then the caller
      // stops the invocations in flight.
      Effect.onInterrupt(() => Fiber.interruptAll(fibers))
    )
  })

/**
 * Managed Instances answer the parked `/next` calls with 500 when they shut the environment
 * down: no more invocations; the loops stop, the invocations in flight finish (`concurrently`),
 * and the runtime exits as after SIGTERM.
 */
const platformShutdown = (life: Lifecycle): Effect.Effect<never> =>
  Effect.suspend(() => {
    if (life.draining) return Effect.interrupt
    life.draining = true
    return Effect.zipRight(
      Effect.logInfo(platformShutdownLine(life.inFlight.size)),
      Effect.interrupt
    )
  })

/** One loop on one Runtime API client, with its own detached-work supervisor. */
const lane = <E, R>(
  api: RuntimeApiService,
  handler: LambdaHandler<E, R>,
  settings: RuntimeSettings,
  life: Lifecycle,
  hooks: LoopHooks
): Effect.Effect<never, FatalRuntimeError, Exclude<R, LambdaContext | Scope.Scope>> => {
  const supervisor = Detached.makeSupervisor()
  const rounds = Effect.flatMap(
    Effect.all([
      FiberRef.get(FiberRef.currentContext),
      FiberRef.get(FiberRef.currentLogAnnotations),
      FiberRef.get(FiberRef.currentMinimumLogLevel)
    ]),
    ([services, annotations, minimumLogLevel]) => {
      const shared: Loop<E, R> = {
        api,
        settings,
        life,
        supervisor,
        services: services as Context.Context<Exclude<R, LambdaContext | Scope.Scope>>,
        handler,
        debug: LogLevel.lessThanEqual(minimumLogLevel, LogLevel.Debug),
        annotations,
        onAnswered: hooks.onAnswered,
        onFinished: hooks.onFinished
      }
      // Every line logged while an invocation runs carries its request id (and tenant id): the
      // handler's fiber starts with them (and the fibers it forks inherit them), and the loop
      // fiber's own lines of an invocation are logged under them (InFlight.annotated). The loop
      // fiber's annotations are not set per invocation: a `FiberRef.set` of a new HashMap (its
      // structural equality check hashes it) cost 12% of the CPU of a plain handler's invocation.
      const managed = settings.managed
      const next = Effect.catchAll(
        api.next,
        (error) =>
          retryAfter(api.next, error, settings.retrySchedule, isTransport).pipe(
            Effect.catchAll((error) =>
              managed && error.status === 500
                ? platformShutdown(life)
                : fatal(nextFailureLine(error), error)
            ),
            Effect.locally(FiberRef.currentLogAnnotations, annotations)
          )
      )
      // On Managed Instances several invocations run at once: nothing of one is process-wide.
      const round = Effect.flatMap(next, (invocation) => {
        if (!managed) setTraceId(invocation.traceId)
        const current = new InFlight(shared, invocation)
        life.inFlight.add(current)
        return current.serve()
      })
      // Not `Effect.forever`, which yields to the scheduler after every round: `/next` already
      // suspends on I/O, and the fiber runtime yields by itself after enough steps. After an
      // error outside Effect the process is about to exit (main.ts), and after another loop's
      // fatal error the runtime is draining (`concurrently`): asking for another invocation
      // would hand it to a dying process (checked in the continuation every round already runs,
      // so it costs no step).
      const forever: Effect.Effect<never, FatalRuntimeError, Exclude<R, LambdaContext | Scope.Scope>> = Effect
        .flatMap(
          round,
          () => life.halted || life.draining ? Effect.never : forever
        )
      return forever
    }
  )
  // Resumptions from I/O callbacks run at once rather than a microtask later (scheduler.ts): the
  // loop fiber, the handler's and every fiber they fork inherit the scheduler.
  return Effect.supervised(
    Effect.flatMap(
      FiberRef.get(FiberRef.currentScheduler),
      (base) => Effect.withScheduler(rounds, new ResumeNowScheduler(base))
    ),
    supervisor
  )
}
