/**
 * What the process-level handlers (signals, uncaught exceptions, unhandled rejections) need to
 * know about a running runtime: the invocations in flight (each owns its answer, inFlight.ts),
 * whether init is done, and the shutdown budget. One object per runtime, written by the loop
 * with plain assignments and set operations (no fiber, no timer per invocation) and read only
 * when something goes wrong.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ErrorDocument } from "../core/protocol.js"
import type { RuntimeSettings } from "./settings.js"
import { until } from "./timers.js"

/**
 * Default shutdown budget: Lambda gives the runtime 300 to 500 ms after SIGTERM before SIGKILL.
 *
 * @internal
 */
export const DEFAULT_SHUTDOWN_BUDGET_MS = 400

/**
 * What the process-level handlers can do with an invocation in flight (inFlight.ts).
 *
 * @internal
 */
export interface InvocationInFlight {
  readonly requestId: string
  /** Stops it on shutdown, answering it if nothing did yet. */
  readonly stop: () => Effect.Effect<void>
  /** Answers it outside any fiber (an error outside Effect), unless it was answered. */
  readonly answerOutside: (document: ErrorDocument) => Promise<void> | undefined
}

/** @internal */
export class Lifecycle {
  /** The invocations being served, each from `/next` until its detached work is done. */
  readonly inFlight = new Set<InvocationInFlight>()
  /** The settings, once init has read them (the process handlers log in their format). */
  settings: RuntimeSettings | undefined = undefined
  /** An error outside Effect is being reported and the process will exit: no more `/next`. */
  halted = false
  /** One of several loops failed: the others ask for no more invocations (loop.ts). */
  draining = false
  /** Called once when the last invocation in flight has left (see `awaitIdle`). */
  private onIdle: (() => void) | undefined = undefined
  /** The layer is built and the loop asks for invocations: errors are no longer init errors. */
  initDone = false
  /** Posts an init error or an invocation error on a connection of its own (set once the endpoint is known). */
  report: ((target: { readonly requestId: string } | "init", error: ErrorDocument) => Promise<void>) | undefined =
    undefined
  /** Managed Instances: slots held by work that would not stop at its deadline (inFlight.ts). */
  heldSlots = 0
  shutdownBudgetMs = DEFAULT_SHUTDOWN_BUDGET_MS
  /** Set at the first signal: the signal's name and when the budget runs out (epoch ms). */
  shutdownSignal: string | undefined = undefined
  shutdownDeadlineMs: number | undefined = undefined
  /** What the shutdown is waiting for right now, and what it gave up on (for the last log line). */
  readonly stages = new Set<string>()
  readonly abandoned: Array<string> = []

  /** Takes an invocation out of `inFlight` (its answer posted and its detached work over). */
  remove(invocation: InvocationInFlight): void {
    this.inFlight.delete(invocation)
    if (this.onIdle !== undefined && this.inFlight.size === 0) {
      const wake = this.onIdle
      this.onIdle = undefined
      wake()
    }
  }

  /** Completes when no invocation is in flight. */
  readonly awaitIdle: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.inFlight.size === 0) return resume(Effect.void)
    this.onIdle = () => resume(Effect.void)
    return Effect.sync(() => {
      this.onIdle = undefined
    })
  })

  /** When the current shutdown must be over: from the signal, else from now. */
  deadline(): number {
    return this.shutdownDeadlineMs ?? Date.now() + this.shutdownBudgetMs
  }

  /** Waits for `effect` until the shutdown's deadline; past it, records `what` as still running. */
  within(what: string, effect: Effect.Effect<unknown>): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.stages.add(what)
      return until(effect, this.deadline())
    }).pipe(
      Effect.map((done) => {
        this.stages.delete(what)
        if (Option.isNone(done)) this.abandoned.push(what)
      })
    )
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

  /** The line logged when the budget ran out. */
  budgetExhausted(): string {
    let running = [...this.abandoned, ...this.stages]
    if (running.length === 0) {
      // The loop never got to stop it: it was inside a step that cannot be interrupted.
      running = this.inFlight.size === 0
        ? ["the runtime's loop"]
        : Array.from(this.inFlight, (invocation) => `the result POST of invocation ${invocation.requestId}`)
    }
    return `The shutdown budget (${this.shutdownBudgetMs} ms) ran out; still running: ${running.join("; ")}; exiting`
  }
}
