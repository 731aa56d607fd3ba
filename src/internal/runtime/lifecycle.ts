/**
 * What the process-level handlers (signals, uncaught exceptions, unhandled rejections) need to
 * know about a running runtime: which invocation is in flight and whether it was answered,
 * whether init is done, and the shutdown budget. One mutable object per runtime, written by the
 * loop with plain field assignments (no allocation, no fiber, no timer per invocation) and read
 * only when something goes wrong.
 */
import type * as Fiber from "effect/Fiber"
import type * as LogLevel from "effect/LogLevel"
import type * as Scope from "effect/Scope"
import type { ErrorDocument } from "../core/protocol.js"
import type { DetachedWork } from "./detached.js"
import type { LogFormat } from "./logger.js"
import type { StreamedPost } from "./streaming.js"

/** Default shutdown budget: Lambda gives the runtime 300 to 500 ms after SIGTERM before SIGKILL. */
export const DEFAULT_SHUTDOWN_BUDGET_MS = 400

/** The runtime's state as the process-level handlers see it (see the module comment). */
export class Lifecycle {
  /** The invocation being processed, from `/next` until its detached work is done. */
  requestId: string | undefined = undefined
  /** Whether that invocation's result was posted (or its stream opened). */
  answered = true
  handlerFiber: Fiber.RuntimeFiber<unknown, unknown> | undefined = undefined
  detached: DetachedWork | undefined = undefined
  invocationScope: Scope.CloseableScope | undefined = undefined
  streamed: StreamedPost | undefined = undefined
  /** An error outside Effect is being reported and the process will exit: no more `/next`. */
  halted = false
  /** The layer is built and the loop asks for invocations: errors are no longer init errors. */
  initDone = false
  /** Posts an init error or an invocation error on a connection of its own (set once the endpoint is known). */
  report: ((target: { readonly requestId: string } | "init", error: ErrorDocument) => Promise<void>) | undefined =
    undefined
  /** The Lambda log format and level, for lines logged outside Effect. */
  logFormat: LogFormat = "Text"
  logLevel: LogLevel.LogLevel | undefined = undefined
  shutdownBudgetMs = DEFAULT_SHUTDOWN_BUDGET_MS
  /** Set at the first signal: the signal's name and when the budget runs out (epoch ms). */
  shutdownSignal: string | undefined = undefined
  shutdownDeadlineMs: number | undefined = undefined
  /** What the shutdown is waiting for right now, and what it gave up on (for the last log line). */
  shutdownStage: string | undefined = undefined
  readonly abandoned: Array<string> = []

  /** When the current shutdown must be over: from the signal, else from now. */
  deadline(): number {
    return this.shutdownDeadlineMs ?? Date.now() + this.shutdownBudgetMs
  }

  /** Everything the shutdown did not finish, for the line logged when the budget runs out. */
  stillRunning(): ReadonlyArray<string> {
    return this.shutdownStage === undefined ? this.abandoned : [...this.abandoned, this.shutdownStage]
  }

  /** The line logged when the budget ran out. */
  budgetExhausted(): string {
    let running = this.stillRunning()
    if (running.length === 0) {
      // The loop never got to stop it: it was inside a step that cannot be interrupted.
      running = [this.requestId === undefined ? "the runtime's loop" : `the result POST of invocation ${this.requestId}`]
    }
    return `The shutdown budget (${this.shutdownBudgetMs} ms) ran out; still running: ${running.join("; ")}; exiting`
  }
}
