/**
 * What the runtime does, as the process's main program, with signals and errors outside Effect;
 * both lines install these handlers around their own fiber.
 *
 * - SIGTERM / SIGINT stop the runtime once (`interrupt`: the loop stops the invocations in
 *   flight, then the layer is released) and arm a plain Node timer at the end of the shutdown
 *   budget: past it the process logs what was still running and exits 1, even if a finalizer
 *   never ends. Later signals change nothing.
 * - An uncaught exception or an unhandled rejection (a raw callback, a promise nobody awaits)
 *   is what the official Node.js runtime client does with it: logged with the request id,
 *   posted as `/error` for the invocation in flight (`/init/error` during init), then the
 *   process exits (129 for an exception, 128 for a rejection, as that client does).
 */
import type { InFlightEntry, LifecycleState, StrayKind } from "./lifecycle.js"
import { HARD_EXIT_GRACE_MS, strayDocument, strayErrors } from "./lifecycle.js"
import { at } from "./timers.js"

/**
 * What the handlers need of the line that installs them.
 *
 * @internal
 */
export interface ProcessHooks {
  /** Stops the runtime's fiber (it releases the layer on the way out). */
  readonly interrupt: () => void
  /**
   * Logs `message` at error level in Lambda's format outside any fiber, with the defect when
   * there is one, under `requestId` when one invocation is known to be the source.
   */
  readonly logError: (
    message: string,
    defect: { readonly value: unknown } | undefined,
    requestId: string | undefined
  ) => void
}

/**
 * Installs the signal and error handlers of a runtime whose state is `life`.
 *
 * @internal
 */
export const install = <I extends InFlightEntry>(life: LifecycleState<I>, hooks: ProcessHooks): void => {
  const logError = (message: string, defect: { readonly value: unknown } | undefined, requestId?: string) => {
    try {
      hooks.logError(message, defect, requestId)
    } catch {
      process.stderr.write(`effect-lambda-runtime: ${message}\n`)
    }
  }

  const onSignal = (signal: NodeJS.Signals) => {
    // One budget, counted from the first signal: a second one does not cut it short.
    if (life.shutdownDeadlineMs !== undefined) return
    life.shutdownSignal = signal
    life.shutdownDeadlineMs = Date.now() + life.shutdownBudgetMs
    at(life.shutdownDeadlineMs + HARD_EXIT_GRACE_MS, () => {
      logError(life.budgetExhausted(), undefined)
      process.exit(1)
    })
    hooks.interrupt()
  }

  let crashing = false
  const onStray = (kind: StrayKind) => (reason: unknown) => {
    const { exitCode, label } = strayErrors[kind]
    // Which invocation it came from is known only when one is in flight (one loop).
    const only = life.inFlight.size === 1 ? life.inFlight.values().next().value : undefined
    logError(label, { value: reason }, only?.requestId)
    // A second one while the first is reported: logged, the first one's report goes on.
    if (crashing) return
    crashing = true
    life.halted = true
    const exit = () => process.exit(exitCode)
    const reports: Array<Promise<void>> = []
    for (const invocation of life.inFlight) {
      const report = invocation.answerOutside(strayDocument(kind, reason))
      if (report !== undefined) reports.push(report)
    }
    if (life.inFlight.size === 0 && !life.initDone) {
      const report = life.report?.("init", strayDocument(kind, reason))
      if (report !== undefined) reports.push(report)
    }
    if (reports.length === 0) return exit()
    Promise.allSettled(reports).then(exit, exit)
  }
  const onUncaught = onStray("uncaughtException")
  const onRejection = onStray("unhandledRejection")

  process.on("SIGTERM", onSignal)
  process.on("SIGINT", onSignal)
  // With `--unhandled-rejections=strict` a rejection arrives here, with its origin.
  process.on(
    "uncaughtException",
    (error, origin) => origin === "unhandledRejection" ? onRejection(error) : onUncaught(error)
  )
  process.on("unhandledRejection", onRejection)
}
