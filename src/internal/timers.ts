/**
 * The timers the runtime arms itself, in absolute time (epoch ms).
 *
 * Node's `setTimeout` cannot wait longer than 2^31-1 ms: past it, Node warns and fires after
 * 1 ms. A deadline that far away (a bogus `Lambda-Runtime-Deadline-Ms`, a long shutdown
 * budget) would then time out at once. Every delay is clamped, and a timer that fired because
 * it was clamped is armed again until the time is really reached.
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"

/** The longest delay `setTimeout` honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

/** The delay until the absolute time `atMs`, within what `setTimeout` accepts. */
export const delayUntil = (atMs: number): number => Math.min(MAX_TIMER_DELAY_MS, Math.max(0, atMs - Date.now()))

/**
 * Calls `onTime` at the absolute time `atMs`; the returned function cancels it. One timer at a
 * time; more only when the time is beyond `setTimeout`'s range.
 */
export const at = (atMs: number, onTime: () => void, unref = false): () => void => {
  let timer: ReturnType<typeof setTimeout>
  const arm = () => {
    const delay = delayUntil(atMs)
    timer = setTimeout(delay === MAX_TIMER_DELAY_MS ? arm : onTime, delay)
    if (unref) timer.unref()
  }
  arm()
  return () => clearTimeout(timer)
}

/**
 * Waits for `fiber` to end, at most until the absolute time `atMs` (epoch ms); `None` if it was
 * still running then. One observer and one timer, no extra fibers: this runs several times per
 * invocation, where `Effect.timeoutOption` (two forks and an interruption each) was the largest
 * part of the loop's overhead.
 */
export const awaitUntil = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  atMs: number
): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
  Effect.suspend(() => {
    const done = fiber.unsafePoll()
    if (done !== null) return Effect.succeed(Option.some(done))
    return Effect.async<Option.Option<Exit.Exit<A, E>>>((resume) => {
      const observer = (exit: Exit.Exit<A, E>) => {
        cancel()
        resume(Effect.succeed(Option.some(exit)))
      }
      const cancel = at(atMs, () => {
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
 */
export const until = <A, E, R>(effect: Effect.Effect<A, E, R>, atMs: number): Effect.Effect<Option.Option<A>, E, R> =>
  Effect.flatMap(Effect.forkDaemon(effect), (fiber) =>
    Effect.flatMap(awaitUntil(fiber, atMs), (exit) => {
      if (Option.isSome(exit)) return Effect.map(exit.value, Option.some)
      // Past the time: stop waiting, and interrupt it without waiting for it to stop.
      return Effect.as(Fiber.interruptFork(fiber), Option.none())
    }))
