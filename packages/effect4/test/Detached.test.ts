/**
 * The Effect 4 line's detached-work tracking (src/internal/detached.ts): fibers a handler forks
 * into its detached scope with `Effect.forkIn`, `Effect.forkScoped` or `Fiber.runIn` are awaited,
 * counted and, at the deadline, interrupted with their finalizers run; plain finalizers and child
 * scopes run on close but are not waited for. Deadlines fire from a timer the test holds, so
 * nothing here waits on the clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Scope } from "effect"
import * as Version from "effect/Version"
import { FatalRuntimeError } from "../src/LambdaError.js"
import * as Detached from "../src/internal/detached.js"

/** A timer the test fires by hand: `fire()` runs what `at` scheduled. */
const manualTimer = () => {
  const pending = new Set<() => void>()
  const at: Detached.At = (_atMs, f) => {
    pending.add(f)
    return () => pending.delete(f)
  }
  return { at, fire: () => [...pending].forEach((f) => f()), pending: () => pending.size }
}

describe("Effect 4: detached work", () => {
  it.effect("waits for forked fibers, a late fork included, then is idle; the timer is cancelled", () =>
    Effect.gen(function*() {
      const work = Detached.make()
      const timer = manualTimer()
      const gate = yield* Deferred.make<void>()
      const late = yield* Deferred.make<void>()
      yield* Effect.forkIn(
        Deferred.await(gate).pipe(
          // A detached fiber forks another one into the same scope: it is awaited too.
          Effect.andThen(Effect.forkIn(Deferred.await(late), work.scope))
        ),
        work.scope
      )
      expect(work.isIdle()).toBe(false)
      const waiting = yield* Effect.forkChild(work.awaitIdleUntil(Date.now() + 60_000, timer.at))
      yield* Deferred.succeed(gate, undefined)
      yield* Effect.yieldNow
      expect(work.liveFiberIds()).toHaveLength(1)
      expect(waiting.pollUnsafe()).toBeUndefined()
      yield* Deferred.succeed(late, undefined)
      yield* Fiber.join(waiting)
      expect(work.isIdle()).toBe(true)
      expect(timer.pending()).toBe(0)
      yield* work.close
      expect(work.summary()).toMatchObject({ completed: 2, failed: 0, interrupted: 0 })
    }))

  it.effect("at the deadline: what still runs is interrupted with its finalizers; failures are kept with their cause", () =>
    Effect.gen(function*() {
      const work = Detached.make()
      const timer = manualTimer()
      const finalized: Array<string> = []
      yield* Effect.forkIn(Effect.fail("boom"), work.scope)
      yield* Effect.forkIn(
        Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => finalized.push("never")))),
        work.scope
      )
      yield* Effect.forkIn(Effect.void, work.scope)
      // Not fibers: run on close, never waited for.
      yield* Scope.addFinalizer(work.scope, Effect.sync(() => finalized.push("plain")))
      const child = yield* Scope.fork(work.scope, "sequential")
      yield* Scope.addFinalizer(child, Effect.sync(() => finalized.push("child scope")))
      yield* Effect.yieldNow
      const waiting = yield* Effect.forkChild(work.awaitIdleUntil(Date.now() + 60_000, timer.at))
      yield* Effect.yieldNow
      expect(waiting.pollUnsafe()).toBeUndefined()
      timer.fire()
      yield* Fiber.join(waiting)
      expect(work.liveFiberIds()).toHaveLength(1)
      yield* work.close
      expect(work.isIdle()).toBe(true)
      expect(finalized.sort()).toEqual(["child scope", "never", "plain"])
      const summary = work.summary()
      expect(summary).toMatchObject({ completed: 1, failed: 1, interrupted: 1 })
      expect(String(summary.failures[0]?.cause)).toContain("boom")
    }))

  it.effect("forkScoped and Fiber.runIn into the detached scope are awaited too", () =>
    Effect.gen(function*() {
      const work = Detached.make()
      const gate = yield* Deferred.make<void>()
      yield* Effect.forkScoped(Deferred.await(gate)).pipe(Scope.provide(work.scope))
      const other = yield* Effect.forkDetach(Deferred.await(gate))
      Fiber.runIn(other, work.scope)
      expect(work.liveFiberIds()).toHaveLength(2)
      yield* Deferred.succeed(gate, undefined)
      yield* work.awaitIdleUntil(Date.now() + 60_000, manualTimer().at)
      expect(work.summary()).toMatchObject({ completed: 2 })
      yield* work.close
    }))

  it.effect("a fork into a closed detached scope is interrupted at once", () =>
    Effect.gen(function*() {
      const work = Detached.make()
      yield* work.close
      const fiber = yield* Effect.forkIn(Effect.never, work.scope)
      const exit = yield* Fiber.await(fiber)
      expect(exit._tag).toBe("Failure")
      expect(work.isIdle()).toBe(true)
    }))

  it.effect("verify: the installed effect records forked fibers as the tracking expects", () => Detached.verify())

  it.effect("fails with a FatalRuntimeError naming the effect version when forkIn no longer records the fiber in the scope", () =>
    Effect.gen(function*() {
      // What a release of Effect that recorded forked fibers another way would hand the tracking:
      // a scope whose entries it never sees.
      const untracked = () => ({ ...Detached.make(), scope: Scope.makeUnsafe() })
      const error = yield* Effect.flip(Detached.verifyTracking(untracked))
      expect(error).toBeInstanceOf(FatalRuntimeError)
      expect(error.detail).toContain(`cannot track detached work with effect ${Version.getCurrentVersion()}`)
      expect(error.detail).toContain("was not recorded in the scope")
    }))
})
