/**
 * The rules of an invocation's life that do not depend on Effect, shared by both lines: the
 * shutdown budget and the finalizer cut-off, the documents of a shutdown and of an error outside
 * Effect, the state the process-level handlers read (the invocations in flight, the shutdown's
 * stages), how many loops serve at once, and the words of the lines the runtime logs when one of
 * these rules applies. Each line waits, interrupts and logs with its own Effect around them.
 */
import { fromDefect } from "./errorDocument.js"
import type { ErrorDocument } from "./protocol.js"
import { env } from "./protocol.js"

/**
 * Default shutdown budget: Lambda gives the runtime 300 to 500 ms after SIGTERM before SIGKILL.
 *
 * @internal
 */
export const DEFAULT_SHUTDOWN_BUDGET_MS = 400

/**
 * Finalizers get until `deadline - FINALIZER_CUTOFF_MS`; past it a live fiber ends the process.
 *
 * @internal
 */
export const FINALIZER_CUTOFF_MS = 50

/**
 * Past the shutdown budget, the Effect side gets this long to log and exit on its own before the
 * process handlers' timer does.
 *
 * @internal
 */
export const HARD_EXIT_GRACE_MS = 20

/**
 * How long an error report to the Runtime API may take before the process exits anyway.
 *
 * @internal
 */
export const REPORT_TIMEOUT_MS = 1000

/**
 * The shutdown budget in ms from an option already in ms: unset or not a number, the default.
 *
 * @internal
 */
export const budgetMs = (millis: number | undefined): number =>
  millis === undefined || Number.isNaN(millis) ? DEFAULT_SHUTDOWN_BUDGET_MS : Math.max(0, millis)

/**
 * The `/error` document of an invocation without a valid deadline: nothing to time it against.
 *
 * @internal
 */
export const malformedInvocationDocument: ErrorDocument = {
  errorType: "Runtime.MalformedInvocation",
  errorMessage: "The invocation has no valid Lambda-Runtime-Deadline-Ms header",
  stackTrace: []
}

/**
 * The error type of an invocation cut short by SIGTERM or SIGINT.
 *
 * @internal
 */
export const SHUTDOWN_ERROR_TYPE = "Runtime.Shutdown"

/**
 * The message of an invocation cut short by a shutdown.
 *
 * @internal
 */
export const shutdownMessage = (signal: string | undefined): string =>
  `The runtime was shut down${signal === undefined ? "" : ` (${signal})`} before the invocation completed`

/**
 * The `/error` document of an invocation cut short by a shutdown (its stack is the runtime's: not kept).
 *
 * @internal
 */
export const shutdownDocument = (signal: string | undefined): ErrorDocument => ({
  errorType: SHUTDOWN_ERROR_TYPE,
  errorMessage: shutdownMessage(signal),
  stackTrace: []
})

/**
 * The line logged when a shutdown answers an invocation it cut short.
 *
 * @internal
 */
export const shutdownAnswerLine = (signal: string | undefined): string =>
  `Shutting down (${signal ?? "interrupted"}) during the invocation; answering it with ${SHUTDOWN_ERROR_TYPE}`

/**
 * Error types, log labels and exit codes of errors outside Effect (those of the official Node.js client).
 *
 * @internal
 */
export const strayErrors = {
  uncaughtException: { errorType: "Runtime.UncaughtException", label: "Uncaught Exception", exitCode: 129 },
  unhandledRejection: {
    errorType: "Runtime.UnhandledPromiseRejection",
    label: "Unhandled Promise Rejection",
    exitCode: 128
  }
} as const

/**
 * The kinds of error outside Effect.
 *
 * @internal
 */
export type StrayKind = keyof typeof strayErrors

/**
 * The `/error` document of a stray error: the defect's document (bounded, total) under the stray error's type.
 *
 * @internal
 */
export const strayDocument = (kind: StrayKind, reason: unknown): ErrorDocument => ({
  ...fromDefect(reason),
  errorType: strayErrors[kind].errorType
})

/**
 * How many loops serve at once: the platform's `AWS_LAMBDA_MAX_CONCURRENCY`, or the option's
 * number when it is lower (an option that is not a positive number is ignored).
 *
 * @internal
 */
export const concurrencyOf = (platform: number, option: number | undefined): number =>
  option !== undefined && Number.isFinite(option) && option >= 1 ? Math.min(platform, Math.floor(option)) : platform

// process.env reads and writes cross into C++; skip the common "still absent" case. `null`
// means not known yet (read once, at the first invocation).
let lastTraceId: string | undefined | null = null

/**
 * Sets `_X_AMZN_TRACE_ID` to the invocation's trace id (removed when it has none): the classic
 * mode only, where one invocation at a time owns the process.
 *
 * @internal
 */
export const setTraceId = (traceId: string | undefined): void => {
  if (traceId === undefined) {
    if (lastTraceId === null ? process.env[env.traceId] !== undefined : lastTraceId !== undefined) {
      delete process.env[env.traceId]
    }
  } else process.env[env.traceId] = traceId
  lastTraceId = traceId
}

/**
 * Why the runtime gives up at a deadline (`FINALIZER_CUTOFF_MS` before it), by what would not stop.
 *
 * @internal
 */
export const stuckLines = {
  handler: (fiberId: number | string) =>
    `The handler (fiber #${fiberId}) was still running its finalizers ${FINALIZER_CUTOFF_MS} ms before the deadline`,
  detached: (fiberIds: ReadonlyArray<number | string>) =>
    `Detached fibers ${fiberIds.join(", ")} refused interruption and were still running ${FINALIZER_CUTOFF_MS} ms ` +
    `before the deadline`,
  scope: `The invocation scope's finalizers were still running ${FINALIZER_CUTOFF_MS} ms before the deadline`
} as const

/**
 * The debug line that sums an invocation's detached window up, after its work ended or was
 * stopped: how many detached fibers completed, failed and were interrupted, and how long the
 * window took.
 *
 * @internal
 */
export const detachedSummaryLine = (
  summary: { readonly completed: number; readonly failed: number; readonly interrupted: number },
  windowMs: number
): string =>
  `Detached work: ${summary.completed} completed, ${summary.failed} failed, ` +
  `${summary.interrupted} interrupted in ${windowMs} ms`

/**
 * What follows a stuck line in the classic mode, where the environment is frozen after the answer.
 *
 * @internal
 */
export const classicStuckExit = {
  handler: "; exiting so that it is not carried into a frozen environment",
  detached: "; exiting so that they are not carried into a frozen environment",
  scope: "; exiting"
} as const

/**
 * Why the runtime refuses to start when its detached-work tracking does not work with the
 * installed `effect` (a release changed what the tracking relies on): `problem` says what the
 * start-up check saw, `major` the Effect major the line runs on.
 *
 * @internal
 */
export const trackingProblemLine = (effectVersion: string, problem: string, major: 3 | 4): string =>
  `effect-lambda-runtime cannot track detached work with effect ${effectVersion}: ${problem}. ` +
  `Install an effect ${major}.x release this version of effect-lambda-runtime supports`

/**
 * The lines of a slot held on Managed Instances by work that does not stop (see {@link LifecycleState.heldSlots}).
 *
 * @internal
 */
export const heldSlotLines = {
  allHeld: (stuck: string, slots: number) =>
    `${stuck}; all ${slots} slots are held by work that does not stop, exiting`,
  held: (stuck: string, held: number, slots: number) =>
    `${stuck}; it holds its slot until it ends (${held} of ${slots} slots held), the others go on serving`,
  released: (requestId: string) => `The work that held invocation ${requestId}'s slot has ended`
} as const

/**
 * The line logged when Managed Instances answer `/next` with 500: the environment is shutting down.
 *
 * @internal
 */
export const platformShutdownLine = (inFlight: number): string =>
  `The platform answered /next with 500: the environment is shutting down; finishing the ${inFlight} ` +
  `invocation(s) in flight`

/**
 * What a failed Runtime API call was: its reason and HTTP status (both lines' `RuntimeApiError`).
 *
 * @internal
 */
export interface CallFailure {
  readonly reason: "Transport" | "Status" | "MalformedInvocation"
  readonly status?: number | undefined
  readonly message: string
}

/**
 * What a failed `/next` (after its retries) means: the runtime exits with this line.
 *
 * @internal
 */
export const nextFailureLine = (failure: CallFailure): string =>
  failure.reason === "MalformedInvocation"
    ? `${failure.message}; the invocation cannot be answered, exiting`
    : failure.reason === "Transport"
    ? `${failure.message}; giving up on the Runtime API, exiting`
    : `${failure.message}; the platform reported a non-recoverable state, exiting`

/**
 * What the process-level handlers can do with an invocation in flight, whatever the line.
 *
 * @internal
 */
export interface InFlightEntry {
  readonly requestId: string
  /** Answers it outside any fiber (an error outside Effect), unless it was answered. */
  readonly answerOutside: (document: ErrorDocument) => Promise<void> | undefined
}

/**
 * What the process-level handlers (signals, uncaught exceptions, unhandled rejections) need to
 * know about a running runtime: the invocations in flight (each owns its answer), whether init is
 * done, and the shutdown budget. One object per runtime, written by the loop with plain
 * assignments and set operations (no fiber, no timer per invocation) and read only when
 * something goes wrong. Each line extends it with its own waits.
 *
 * @internal
 */
export class LifecycleState<I extends InFlightEntry> {
  /** The invocations being served, each from `/next` until its detached work is done. */
  readonly inFlight = new Set<I>()
  /** An error outside Effect is being reported and the process will exit: no more `/next`. */
  halted = false
  /** One of several loops failed, or the platform is shutting down: no loop asks for more invocations. */
  draining = false
  /** Called once when the last invocation in flight has left (see {@link whenIdle}). */
  private onIdle: (() => void) | undefined = undefined
  /** The layer is built and the loop asks for invocations: errors are no longer init errors. */
  initDone = false
  /** Posts an init error or an invocation error on a connection of its own (set once the endpoint is known). */
  report: ((target: { readonly requestId: string } | "init", error: ErrorDocument) => Promise<void>) | undefined =
    undefined
  /** Managed Instances: slots held by work that would not stop at its deadline. */
  heldSlots = 0
  shutdownBudgetMs = DEFAULT_SHUTDOWN_BUDGET_MS
  /** Set at the first signal: the signal's name and when the budget runs out (epoch ms). */
  shutdownSignal: string | undefined = undefined
  shutdownDeadlineMs: number | undefined = undefined
  /** What the shutdown is waiting for right now, and what it gave up on (for the last log line). */
  readonly stages = new Set<string>()
  readonly abandoned: Array<string> = []

  /** Takes an invocation out of `inFlight` (its answer posted and its detached work over). */
  remove(invocation: I): void {
    this.inFlight.delete(invocation)
    if (this.onIdle !== undefined && this.inFlight.size === 0) {
      const wake = this.onIdle
      this.onIdle = undefined
      wake()
    }
  }

  /** Calls `wake` once no invocation is in flight (at once if none is); returns the canceller. */
  whenIdle(wake: () => void): () => void {
    if (this.inFlight.size === 0) {
      wake()
      return () => {}
    }
    this.onIdle = wake
    return () => {
      if (this.onIdle === wake) this.onIdle = undefined
    }
  }

  /** When the current shutdown must be over: from the signal, else from now. */
  deadline(): number {
    return this.shutdownDeadlineMs ?? Date.now() + this.shutdownBudgetMs
  }

  /** Records that the shutdown waits for `what`. */
  enterStage(what: string): void {
    this.stages.add(what)
  }

  /** Records that the wait for `what` is over, in time or not. */
  leaveStage(what: string, inTime: boolean): void {
    this.stages.delete(what)
    if (!inTime) this.abandoned.push(what)
  }

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
