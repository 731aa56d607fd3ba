/**
 * What the process-level handlers (signals, uncaught exceptions, unhandled rejections) need to
 * know about a running runtime: the invocations in flight (each owns its answer, inFlight.ts),
 * whether init is done, and the shutdown budget. One object per runtime, written by the loop
 * with plain assignments and set operations (no fiber, no timer per invocation) and read only
 * when something goes wrong.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { LifecycleState } from "../core/lifecycle.js"
import type { InFlightEntry } from "../core/lifecycle.js"
import type { RuntimeSettings } from "./settings.js"
import { until } from "./timers.js"

/** @internal */
export { DEFAULT_SHUTDOWN_BUDGET_MS } from "../core/lifecycle.js"

/**
 * What the process-level handlers can do with an invocation in flight (inFlight.ts).
 *
 * @internal
 */
export interface InvocationInFlight extends InFlightEntry {
  /** Stops it on shutdown, answering it if nothing did yet. */
  readonly stop: () => Effect.Effect<void>
}

/**
 * The shared state (core/lifecycle.ts) with the Effect 3 line's waits on it.
 *
 * @internal
 */
export class Lifecycle extends LifecycleState<InvocationInFlight> {
  /** The settings, once init has read them (the process handlers log in their format). */
  settings: RuntimeSettings | undefined = undefined

  /** Completes when no invocation is in flight. */
  readonly awaitIdle: Effect.Effect<void> = Effect.async<void>((resume) => {
    const cancel = this.whenIdle(() => resume(Effect.void))
    return Effect.sync(cancel)
  })

  /** Waits for `effect` until the shutdown's deadline; past it, records `what` as still running. */
  within(what: string, effect: Effect.Effect<unknown>): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.enterStage(what)
      return until(effect, this.deadline())
    }).pipe(Effect.map((done) => this.leaveStage(what, Option.isSome(done))))
  }

  /** Stops every invocation in flight (at once: each has the same budget). */
  readonly stopAll: Effect.Effect<void> = Effect.suspend(() =>
    this.inFlight.size === 0
      ? Effect.void
      : Effect.forEach(Array.from(this.inFlight), (invocation) => invocation.stop(), {
        concurrency: "unbounded",
        discard: true
      })
  )
}
