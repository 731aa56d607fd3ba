/**
 * The detached scope of one invocation and the bookkeeping that lets the loop wait for the
 * fibers forked into it.
 *
 * `Effect.forkIn(effect, scope)` (Effect 3) starts the fiber as a daemon and records a
 * finalizer that interrupts it in the scope's finalizer map, removing that entry when the
 * fiber ends. A blanket `Supervisor` cannot tell such a fiber from a `forkDaemon`, so the
 * scope itself is the source of truth: its finalizer map is replaced by one that counts the
 * entries `forkIn` adds and removes. A supervisor installed around the loop only names the
 * fiber `forkIn` just started (the fork and the map insertion happen in one synchronous
 * step), so that exits can be counted and failures logged.
 *
 * This relies on the shape of Effect 3's `ScopeImpl` (`state.finalizers` is a `Map`) and on
 * `forkIn` writing to it: `verifyTracking` tries the mechanism once at init (init.ts) and
 * stops the runtime with a clear error if it no longer works; `make` still checks the shape;
 * `npm run test:effect-latest` runs the detached-work tests against the newest `effect` 3.x.
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { getCurrentVersion } from "effect/ModuleVersion"
import type * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import { trackingProblemLine } from "../core/lifecycle.js"
import { FatalRuntimeError } from "./errors.js"
import { nodeTimer } from "./timers.js"
import type { Timer } from "./timers.js"

type AnyFiber = Fiber.RuntimeFiber<unknown, unknown>
type Finalizer = Scope.Scope.Finalizer

interface ScopeInternals extends Scope.CloseableScope {
  state: { readonly _tag: "Open"; finalizers: Map<object, Finalizer> } | {
    readonly _tag: "Closed"
    readonly exit: Exit.Exit<unknown, unknown>
  }
}

/**
 * Counts of what became of the detached fibers of one invocation.
 *
 * @internal
 */
export interface DetachedSummary {
  readonly completed: number
  readonly failed: number
  readonly interrupted: number
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

class Tracker {
  /** The fiber most recently started under this invocation's supervisor. */
  pendingFiber: AnyFiber | undefined = undefined
  /** Map keys of the scope entries that belong to running detached fibers. */
  readonly live = new Map<object, AnyFiber | undefined>()
  readonly failures: Array<DetachedFailure> = []
  completed = 0
  failed = 0
  interrupted = 0
  active = true
  private idleWaiters: Array<() => void> = []

  attach(key: object): void {
    const fiber = this.pendingFiber
    this.pendingFiber = undefined
    this.live.set(key, fiber)
    // The observer runs before `forkIn`'s own one (which removes the map entry), and also
    // when the scope is being closed, when `forkIn` no longer touches the map.
    fiber?.addObserver((exit) => {
      this.record(fiber, exit)
      this.detach(key)
    })
  }

  detach(key: object): void {
    if (this.live.delete(key) && this.live.size === 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const wake of waiters) wake()
    }
  }

  onIdle(wake: () => void): void {
    if (this.live.size === 0) wake()
    else this.idleWaiters.push(wake)
  }

  private record(fiber: AnyFiber, exit: Exit.Exit<unknown, unknown>): void {
    if (Exit.isSuccess(exit)) this.completed++
    else if (Cause.isInterruptedOnly(exit.cause)) this.interrupted++
    else {
      this.failed++
      this.failures.push({ fiber, cause: exit.cause })
    }
  }
}

/** A `Map` whose direct `set`/`delete` calls come only from `forkIn` (see the module comment). */
class TrackingMap extends Map<object, Finalizer> {
  constructor(private readonly tracker: Tracker) {
    super()
  }
  /** Plain finalizers (`addFinalizer`, child scopes) bypass the fiber bookkeeping. */
  setPlain(key: object, finalizer: Finalizer): void {
    super.set(key, finalizer)
  }
  override set(key: object, finalizer: Finalizer): this {
    super.set(key, finalizer)
    this.tracker.attach(key)
    return this
  }
  override delete(key: object): boolean {
    const deleted = super.delete(key)
    this.tracker.detach(key)
    return deleted
  }
}

/**
 * Names the fibers started while an invocation is running, for the tracker of that
 * invocation. One instance per loop, installed once around it: installing a supervisor per
 * invocation cost two FiberRef updates and a zipped supervisor every time, and a loop runs one
 * invocation at a time (the classic model). Per loop, not per process, so that two runtimes in
 * one process (tests) never see each other's forks.
 *
 * @internal
 */
export class InvocationSupervisor extends Supervisor.AbstractSupervisor<void> {
  tracker: Tracker | undefined = undefined
  get value(): Effect.Effect<void> {
    return Effect.void
  }
  override onStart<A, E, R>(
    _context: Context.Context<R>,
    _effect: Effect.Effect<A, E, R>,
    _parent: Option.Option<Fiber.RuntimeFiber<unknown, unknown>>,
    fiber: Fiber.RuntimeFiber<A, E>
  ): void {
    const tracker = this.tracker
    if (tracker !== undefined && tracker.active) tracker.pendingFiber = fiber as AnyFiber
  }
}

/**
 * A supervisor to install around one invocation loop, so that fibers forked into detached scopes can be named.
 *
 * @internal
 */
export const makeSupervisor = (): InvocationSupervisor => new InvocationSupervisor()

/**
 * The detached work of one invocation.
 *
 * @internal
 */
export interface DetachedWork {
  /** The scope handed to the handler as `context.detachedScope`. */
  readonly scope: Scope.CloseableScope
  /** No fiber forked into the scope is running. */
  readonly isIdle: () => boolean
  /**
   * Completes when no fiber forked into the scope is running, or at the absolute time `atMs`
   * (epoch ms), whichever comes first; one timer, no fibers.
   */
  readonly awaitIdleUntil: (atMs: number, timer?: Timer) => Effect.Effect<void>
  /** The scope holds no finalizer at all, so closing it cannot block. */
  readonly isEmpty: () => boolean
  /** Ids of the detached fibers still running (for the log line when one refuses to stop). */
  readonly liveFiberIds: () => ReadonlyArray<string>
  /** Closes the scope: running detached fibers are interrupted and their finalizers run. */
  readonly close: Effect.Effect<void>
  /** Stops naming forks and returns the counts and failures seen. */
  readonly finish: () => DetachedSummary & { readonly failures: ReadonlyArray<DetachedFailure> }
}

const isScopeInternals = (scope: Scope.CloseableScope): scope is ScopeInternals => {
  const state = (scope as Partial<ScopeInternals>).state
  return state !== undefined && state._tag === "Open" && state.finalizers instanceof Map
}

/**
 * Whether a scope (Effect 3's implementation) still holds finalizers; an unknown shape counts
 * as "yes", which only costs the caller its fast path.
 *
 * @internal
 */
export const hasFinalizers = (scope: Scope.CloseableScope): boolean => {
  const state = (scope as Partial<ScopeInternals>).state
  return !(state !== undefined && state._tag === "Open" && state.finalizers instanceof Map &&
    state.finalizers.size === 0)
}

/**
 * Creates the detached scope of one invocation (finalizers run in parallel on close).
 *
 * @internal
 */
export const make = (supervisor: InvocationSupervisor): Effect.Effect<DetachedWork> =>
  Effect.flatMap(Scope.make(ExecutionStrategy.parallel), (scope) =>
    isScopeInternals(scope)
      ? Effect.succeed(track(scope, supervisor))
      : Effect.dieMessage(
        "effect-lambda-runtime: this version of `effect` has an unexpected Scope implementation; detached work cannot be tracked"
      ))

const track = (scope: ScopeInternals, supervisor: InvocationSupervisor): DetachedWork => {
  const tracker = new Tracker()
  supervisor.tracker = tracker
  const map = new TrackingMap(tracker)
  scope.state = { _tag: "Open", finalizers: map }

  // `addFinalizer` and `fork` write to the same map as `forkIn`; route them around the
  // fiber bookkeeping so that only forked fibers are waited for.
  const addFinalizer = (finalizer: Finalizer): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (scope.state._tag === "Closed") return finalizer(scope.state.exit)
      map.setPlain({}, finalizer)
      return Effect.void
    })
  const fork = (strategy: ExecutionStrategy.ExecutionStrategy): Effect.Effect<Scope.CloseableScope> =>
    Effect.gen(function*() {
      const child = yield* Scope.make(strategy)
      if (scope.state._tag === "Closed") {
        yield* Scope.close(child, scope.state.exit)
        return child
      }
      const key = {}
      map.setPlain(key, (exit) => Scope.close(child, exit))
      yield* Scope.addFinalizer(child, Effect.sync(() => map.delete(key)))
      return child
    })
  Object.assign(scope, { addFinalizer, fork })

  const awaitIdleUntil = (atMs: number, timer: Timer = nodeTimer): Effect.Effect<void> =>
    Effect.async<void>((resume) => {
      let done = false
      const cancel = timer.at(atMs, () => {
        done = true
        resume(Effect.void)
      })
      tracker.onIdle(() => {
        if (done) return
        done = true
        cancel()
        resume(Effect.void)
      })
      return Effect.sync(() => {
        done = true
        cancel()
      })
    })

  return {
    scope,
    isIdle: () => tracker.live.size === 0,
    awaitIdleUntil,
    isEmpty: () => map.size === 0,
    liveFiberIds: () =>
      Array.from(tracker.live.values(), (fiber) => fiber === undefined ? "(unnamed)" : `#${fiber.id().id}`),
    close: Scope.close(scope, Exit.void),
    finish: () => {
      tracker.active = false
      tracker.pendingFiber = undefined
      if (supervisor.tracker === tracker) supervisor.tracker = undefined
      return {
        completed: tracker.completed,
        failed: tracker.failed,
        interrupted: tracker.interrupted,
        failures: tracker.failures
      }
    }
  }
}

/** How long the probe waits for its one fiber: it ends at once, so this only bounds a broken Effect. */
const PROBE_WAIT_MS = 1000

/** Runs one fiber through the tracking and returns what went wrong, if anything. */
const probe = (scope: Scope.CloseableScope): Effect.Effect<string | undefined> =>
  Effect.gen(function*() {
    // A scope of an unknown shape is left alone: closing it may be as broken as the rest.
    if (!isScopeInternals(scope)) {
      return "its Scope implementation no longer keeps finalizers in a `state.finalizers` Map"
    }
    const supervisor = makeSupervisor()
    const work = track(scope, supervisor)
    const gate = yield* Deferred.make<void>()
    yield* Effect.forkIn(Deferred.await(gate), work.scope).pipe(Effect.supervised(supervisor))
    const seen = !work.isIdle()
    yield* Deferred.succeed(gate, undefined)
    if (seen) yield* work.awaitIdleUntil(Date.now() + PROBE_WAIT_MS)
    const idle = work.isIdle()
    const summary = work.finish()
    yield* work.close
    if (!seen) return "a fiber forked with `Effect.forkIn` was not recorded in the scope's finalizers"
    if (!idle || summary.completed !== 1) return "the end of a fiber forked with `Effect.forkIn` was not observed"
    return undefined
  })

/**
 * Tries the detached-work tracking once, with a fiber forked into a fresh scope, and fails with
 * a `FatalRuntimeError` naming the installed `effect` version if it does not work (a release of
 * Effect changed what this module relies on). Run when the loop starts: microseconds, once.
 * `makeScope` is how scopes are made (Effect's own by default).
 *
 * @internal
 */
export const verifyTracking = (
  makeScope: Effect.Effect<Scope.CloseableScope> = Scope.make(ExecutionStrategy.parallel)
): Effect.Effect<void, FatalRuntimeError> =>
  Effect.flatMap(Effect.flatMap(makeScope, probe), (problem) => {
    if (problem === undefined) return Effect.void
    const detail = trackingProblemLine(getCurrentVersion(), problem, 3)
    return Effect.zipRight(Effect.logFatal(detail), Effect.fail(new FatalRuntimeError({ detail })))
  })
