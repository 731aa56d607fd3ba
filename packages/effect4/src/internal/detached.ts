/**
 * The detached scope of one invocation on Effect 4, and the bookkeeping that lets the loop wait
 * for the fibers forked into it, with Effect's public API only.
 *
 * In Effect 4 a `Scope` is plain data whose `state` field is part of its published type, and
 * `Effect.forkIn(effect, scope)` (like `Fiber.runIn` and `Effect.forkScoped`) records the new fiber
 * in that state with the fiber itself as the key, removing the entry when the fiber ends. The
 * runtime's detached scope is an ordinary scope whose `state` is an accessor over a map of its own:
 * an entry whose key is a fiber (`Fiber.isFiber`) is a detached fiber, watched with
 * `fiber.addObserver`; any other entry (`Scope.addFinalizer`, a child scope) is kept and run on
 * close, but not waited for. Whatever state a writer assigns (Effect's single-entry fast path,
 * another map, `Empty`, `Closed`), the setter folds it into the map, so nothing depends on how
 * Effect lays the entries out; {@link verify} checks at start-up that forked fibers are still
 * keyed by themselves.
 *
 * The Effect 3 line cannot do this: its `forkIn` writes `{}` keys straight into the internal
 * `ScopeImpl`, hence the patched finalizer map of `src/internal/runtime/detached.ts`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Version from "effect/Version"
import type { FatalRuntimeError } from "../LambdaError.js"
import { Lifecycle as Rules } from "./core.js"
import { fatal } from "./lifecycle.js"

type AnyFiber = Fiber.Fiber<unknown, unknown>
type Finalizer = (exit: Exit.Exit<unknown, unknown>) => Effect.Effect<unknown>

/**
 * Runs `f` at the absolute time `atMs` (epoch ms); returns the canceller.
 *
 * @internal
 */
export type At = (atMs: number, f: () => void) => () => void

const nodeAt: At = (atMs, f) => {
  const timer = setTimeout(f, Math.max(0, atMs - Date.now()))
  return () => clearTimeout(timer)
}

/**
 * A detached fiber that failed, with its cause (logged by the loop with the request id).
 *
 * @internal
 */
export interface DetachedFailure {
  readonly fiber: AnyFiber
  readonly cause: Cause.Cause<unknown>
}

/**
 * What became of the detached fibers of one invocation.
 *
 * @internal
 */
export interface DetachedSummary {
  readonly completed: number
  readonly failed: number
  readonly interrupted: number
  readonly failures: ReadonlyArray<DetachedFailure>
}

class Tracker {
  readonly live = new Set<AnyFiber>()
  readonly failures: Array<DetachedFailure> = []
  completed = 0
  failed = 0
  interrupted = 0
  private waiters: Array<() => void> = []

  watch(fiber: AnyFiber): void {
    if (this.live.has(fiber) || fiber.pollUnsafe() !== undefined) return
    this.live.add(fiber)
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) this.completed++
      else if (Cause.hasInterruptsOnly(exit.cause)) this.interrupted++
      else {
        this.failed++
        this.failures.push({ fiber, cause: exit.cause })
      }
      this.live.delete(fiber)
      if (this.live.size === 0) {
        const waiters = this.waiters
        this.waiters = []
        for (const wake of waiters) wake()
      }
    })
  }

  /** Calls `wake` once no detached fiber runs; returns the canceller. */
  onIdle(wake: () => void): () => void {
    if (this.live.size === 0) {
      wake()
      return () => {}
    }
    this.waiters.push(wake)
    return () => {
      this.waiters = this.waiters.filter((waiter) => waiter !== wake)
    }
  }
}

/** The scope's entries; a fiber key is a detached fiber to watch. */
class TrackingMap extends Map<object, Finalizer> {
  constructor(private readonly tracker: Tracker) {
    super()
  }
  override set(key: object, finalizer: Finalizer): this {
    super.set(key, finalizer)
    if (Fiber.isFiber(key)) this.tracker.watch(key as AnyFiber)
    return this
  }
}

/**
 * The detached work of one invocation.
 *
 * @internal
 */
export interface DetachedWork {
  /** The scope handed to the handler as `context.detachedScope`. */
  readonly scope: Scope.Closeable
  /** No fiber forked into the scope is running. */
  readonly isIdle: () => boolean
  /** Completes when no forked fiber runs, or at `atMs` (epoch ms), whichever comes first: one timer, no fiber. */
  readonly awaitIdleUntil: (atMs: number, at?: At) => Effect.Effect<void>
  /** Ids of the detached fibers still running (for the line logged when one refuses to stop). */
  readonly liveFiberIds: () => ReadonlyArray<number>
  /** Closes the scope: running detached fibers are interrupted, every finalizer runs. */
  readonly close: Effect.Effect<void>
  /** The counts and failures seen so far. */
  readonly summary: () => DetachedSummary
}

/**
 * Creates the detached scope of one invocation (finalizers run in parallel on close).
 *
 * @internal
 */
export const make = (): DetachedWork => {
  const tracker = new Tracker()
  const scope = Scope.makeUnsafe("parallel")
  const map = new TrackingMap(tracker)
  const open: Scope.State.Open = { _tag: "Open", finalizerKey: undefined, finalizer: undefined, finalizers: map }
  const empty: Scope.State.Empty = { _tag: "Empty" }
  let closed: Scope.State.Closed | undefined
  Object.defineProperty(scope, "state", {
    configurable: true,
    enumerable: true,
    get: (): Scope.Scope["state"] => closed ?? (map.size === 0 ? empty : open),
    set: (next: Scope.Scope["state"]) => {
      if (closed !== undefined || next === open) return
      switch (next._tag) {
        case "Closed":
          closed = next
          return
        case "Empty":
          map.clear()
          return
        case "Open":
          if (next.finalizerKey !== undefined && next.finalizer !== undefined) {
            map.set(next.finalizerKey, next.finalizer)
          }
          if (next.finalizers !== undefined && next.finalizers !== map) {
            for (const [key, finalizer] of next.finalizers) map.set(key, finalizer)
          }
      }
    }
  })
  return {
    scope,
    isIdle: () => tracker.live.size === 0,
    awaitIdleUntil: (atMs, at = nodeAt) =>
      Effect.callback<void>((resume) => {
        let done = false
        const finish = () => {
          if (done) return
          done = true
          cancelTimer()
          cancelIdle()
          resume(Effect.void)
        }
        const cancelTimer = at(atMs, finish)
        const cancelIdle = tracker.onIdle(finish)
        return Effect.sync(() => {
          done = true
          cancelTimer()
          cancelIdle()
        })
      }),
    liveFiberIds: () => Array.from(tracker.live, (fiber) => fiber.id),
    close: Scope.close(scope, Exit.void),
    summary: () => ({
      completed: tracker.completed,
      failed: tracker.failed,
      interrupted: tracker.interrupted,
      failures: tracker.failures
    })
  }
}

/**
 * Tries the tracking once (at start-up): a release of Effect that stops keying `forkIn` entries
 * by the fiber fails init with this message instead of leaving detached work unawaited.
 *
 * @internal
 */
export const verify = (makeWork: () => DetachedWork = make): Effect.Effect<void, string> =>
  Effect.gen(function*() {
    const work = makeWork()
    const fiber = yield* Effect.forkIn(Effect.yieldNow, work.scope)
    const seen = !work.isIdle()
    yield* Fiber.await(fiber)
    const idle = work.isIdle()
    yield* work.close
    if (!seen) return yield* Effect.fail("a fiber forked with `Effect.forkIn` was not recorded in the scope")
    if (!idle || work.summary().completed !== 1) {
      return yield* Effect.fail("the end of a fiber forked with `Effect.forkIn` was not observed")
    }
  })

/**
 * {@link verify} as the runtime runs it at start-up (once, microseconds): what it finds is fatal,
 * the FATAL line naming the installed `effect`; the caller posts it as the init error. Without it
 * a release of Effect that stopped keying `forkIn` entries by the fiber would let every
 * invocation ask for `/next` while its detached work still runs.
 *
 * @internal
 */
export const verifyTracking = (makeWork: () => DetachedWork = make): Effect.Effect<void, FatalRuntimeError> =>
  Effect.catch(verify(makeWork), (problem) => fatal(Rules.trackingProblemLine(Version.getCurrentVersion(), problem, 4)))
