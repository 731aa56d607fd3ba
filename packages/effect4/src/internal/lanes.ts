/**
 * The poll loops of the Effect 4 line: one lane in the classic mode, N on Lambda Managed
 * Instances (`AWS_LAMBDA_MAX_CONCURRENCY`), each on its own Runtime API client and serving one
 * invocation at a time (inFlight.ts), all in one process after one init.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type { FatalRuntimeError } from "../LambdaError.js"
import { Lifecycle as Rules } from "./core.js"
import { InFlight } from "./inFlight.js"
import type { Lane } from "./inFlight.js"
import { fatal, until } from "./lifecycle.js"
import type { Lifecycle } from "./lifecycle.js"

/**
 * Managed Instances answer the parked `/next` calls with 500 when they shut the environment
 * down: no more invocations; the lanes stop, the invocations in flight finish ({@link concurrently}),
 * and the runtime exits as after SIGTERM.
 */
const platformShutdown = (life: Lifecycle): Effect.Effect<never> =>
  Effect.suspend(() => {
    if (life.draining) return Effect.interrupt
    life.draining = true
    return Effect.andThen(Effect.logInfo(Rules.platformShutdownLine(life.inFlight.size)), Effect.interrupt)
  })

/** One lane: `/next`, serve, again, until the runtime must exit, halts or drains. */
const serveLane = <R>(lane: Lane<R>): Effect.Effect<never, FatalRuntimeError> => {
  const { api, life, managed } = lane
  const next = Effect.catch(
    lane.retry(api.next),
    (error) => managed && error.status === 500 ? platformShutdown(life) : fatal(Rules.nextFailureLine(error), error)
  )
  const round = Effect.flatMap(next, (invocation) => {
    // On Managed Instances several invocations run at once: nothing of one is process-wide.
    if (!managed) Rules.setTraceId(invocation.traceId)
    const current = new InFlight(lane, invocation)
    life.inFlight.add(current)
    return current.serve()
  })
  // After an error outside Effect the process is about to exit, and after another lane's fatal
  // error the runtime drains: asking for another invocation would hand it to a dying process.
  const forever: Effect.Effect<never, FatalRuntimeError> = Effect.flatMap(
    round,
    () => life.halted || life.draining ? Effect.never : forever
  )
  return forever
}

/**
 * Runs the lanes side by side. When one fails (the runtime must exit) or the platform shuts
 * down, the others stop asking for invocations, the invocations in flight get the shutdown
 * budget to finish, then whatever is left is stopped as at shutdown and the lanes end with the
 * first failure (or an interruption: a clean exit).
 */
const concurrently = (
  lanes: ReadonlyArray<Effect.Effect<never, FatalRuntimeError>>,
  life: Lifecycle
): Effect.Effect<never, FatalRuntimeError> =>
  Effect.gen(function*() {
    const ended = yield* Deferred.make<Option.Option<Cause.Cause<FatalRuntimeError>>>()
    const fibers = yield* Effect.forEach(lanes, (lane) =>
      Effect.forkChild(
        Effect.tapCause(lane, (cause) =>
          !Cause.hasInterruptsOnly(cause)
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
      // A shutdown: the lanes stop first (none asks for another invocation), then the caller
      // stops the invocations in flight.
      Effect.onInterrupt(() => Fiber.interruptAll(fibers))
    )
  })

/**
 * Serves `lanes` (one: the classic loop); on interruption (a shutdown) every invocation in
 * flight is stopped within the shutdown budget.
 *
 * @internal
 */
export const serve = <R>(lanes: ReadonlyArray<Lane<R>>, life: Lifecycle): Effect.Effect<never, FatalRuntimeError> =>
  (lanes.length === 1 ? serveLane(lanes[0]!) : concurrently(lanes.map(serveLane), life)).pipe(
    Effect.onInterrupt(() => life.stopAll)
  )
