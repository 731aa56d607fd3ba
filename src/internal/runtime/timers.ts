/**
 * Waiting for fibers and effects until an absolute time (epoch ms), on the shared core's timers
 * (core/timers.ts: one Node timer for the runtime's times, clamped to what `setTimeout` can wait).
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { nodeTimer } from "../core/timers.js"
import type { Timer } from "../core/timers.js"

/** @internal */
export { at, contextTimer, delayUntil, MAX_TIMER_DELAY_MS, nodeTimer, timerOf } from "../core/timers.js"
/** @internal */
export type { Timer } from "../core/timers.js"

/**
 * Waits for `fiber` to end, at most until the absolute time `atMs` (epoch ms); `None` if it was
 * still running then. One observer and one timer, no extra fibers: this runs several times per
 * invocation, where `Effect.timeoutOption` (two forks and an interruption each) was the largest
 * part of the loop's overhead.
 *
 * @internal
 */
export const awaitUntil = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  atMs: number,
  timer: Timer = nodeTimer
): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
  Effect.suspend(() => {
    const done = fiber.unsafePoll()
    if (done !== null) return Effect.succeed(Option.some(done))
    return Effect.async<Option.Option<Exit.Exit<A, E>>>((resume) => {
      const observer = (exit: Exit.Exit<A, E>) => {
        cancel()
        resume(Effect.succeed(Option.some(exit)))
      }
      const cancel = timer.at(atMs, () => {
        fiber.removeObserver(observer)
        resume(Effect.succeed(Option.none()))
      })
      fiber.addObserver(observer)
      return Effect.sync(() => {
        cancel()
        fiber.removeObserver(observer)
      })
    })
  })

/**
 * Runs `effect` until the absolute time `atMs` (epoch ms); `None` if it was still running then.
 * Unlike `Effect.timeoutOption`, it never waits for the effect to stop: an uninterruptible
 * finalizer that never ends cannot hold the caller past `atMs`.
 *
 * @internal
 */
export const until = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  atMs: number,
  timer: Timer = nodeTimer
): Effect.Effect<Option.Option<A>, E, R> =>
  Effect.flatMap(Effect.forkDaemon(effect), (fiber) =>
    Effect.flatMap(awaitUntil(fiber, atMs, timer), (exit) => {
      if (Option.isSome(exit)) return Effect.map(exit.value, Option.some)
      // Past the time: stop waiting, and interrupt it without waiting for it to stop.
      return Effect.as(Fiber.interruptFork(fiber), Option.none())
    }))
