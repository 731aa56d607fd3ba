/**
 * The runtime as the process's main program: signals, errors outside Effect, and the exit code.
 *
 * - SIGTERM / SIGINT interrupt the runtime's fiber once (the loop stops the invocation in
 *   flight, init.ts releases the layer) and arm a plain Node timer at the end of the
 *   shutdown budget: past it the process logs what was still running and exits, even if a
 *   finalizer never ends. Later signals change nothing.
 * - An uncaught exception or an unhandled rejection (a raw callback, a promise nobody awaits)
 *   is what the official Node.js runtime client does with it: logged with the request id,
 *   posted as `/error` for the invocation in flight (`/init/error` during init), then the
 *   process exits (129 for an exception, 128 for a rejection, as that client does).
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { FatalRuntimeError } from "./errors.js"
import { fromDefect } from "../core/errorDocument.js"
import type { Lifecycle } from "./lifecycle.js"
import * as Logger from "./logger.js"
import type { ErrorDocument } from "../core/protocol.js"
import { at } from "./timers.js"

/**
 * Error types and exit codes of errors outside Effect (those of the official Node.js client).
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

/** Past the budget, the Effect side gets this long to log and exit on its own before the timer does. */
const HARD_EXIT_GRACE_MS = 20

/** Logs one line in Lambda's format outside any fiber; falls back to stderr if even that fails. */
const logOutside = (life: Lifecycle, message: string, cause: Cause.Cause<unknown>, requestId: string | undefined) => {
  try {
    let log = Effect.logError(message, cause)
    if (requestId !== undefined) log = Effect.annotateLogs(log, Logger.REQUEST_ID, requestId)
    Effect.runSync(Logger.provide(life.settings?.logFormat ?? "Text", life.settings?.logLevel ?? LogLevel.Info)(log))
  } catch {
    process.stderr.write(`effect-lambda-runtime: ${message}\n`)
  }
}

/**
 * The `/error` document of a stray error: the defect's document (bounded, total) under the stray error's type.
 *
 * @internal
 */
export const strayDocument = (kind: keyof typeof strayErrors, reason: unknown): ErrorDocument => ({
  ...fromDefect(reason),
  errorType: strayErrors[kind].errorType
})

/**
 * Runs the runtime as the process's main program: signals interrupt it (its finalizers
 * release the layer), its exit decides the exit code.
 *
 * @internal
 */
export const runMain = <E>(program: Effect.Effect<never, E>, life: Lifecycle): void => {
  const fiber = Effect.runFork(Effect.withUnhandledErrorLogLevel(program, Option.none()))

  const onSignal = (signal: NodeJS.Signals) => {
    // One budget, counted from the first signal: a second one does not cut it short.
    if (life.shutdownDeadlineMs !== undefined) return
    life.shutdownSignal = signal
    life.shutdownDeadlineMs = Date.now() + life.shutdownBudgetMs
    at(life.shutdownDeadlineMs + HARD_EXIT_GRACE_MS, () => {
      logOutside(life, life.budgetExhausted(), Cause.empty, undefined)
      process.exit(1)
    })
    fiber.unsafeInterruptAsFork(FiberId.none)
  }

  let crashing = false
  const onStray = (kind: keyof typeof strayErrors) => (reason: unknown) => {
    const { exitCode, label } = strayErrors[kind]
    // Which invocation it came from is known only when one is in flight (one loop).
    const only = life.inFlight.size === 1 ? life.inFlight.values().next().value : undefined
    logOutside(life, label, Cause.die(reason), only?.requestId)
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
  fiber.addObserver((exit) => {
    if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
      const failure = Cause.squash(exit.cause)
      if (!(failure instanceof FatalRuntimeError)) {
        // Configuration errors and defects are not logged by the loop itself.
        process.stderr.write(`effect-lambda-runtime: ${Logger.prettyCause(exit.cause)}\n`)
      }
      process.exit(1)
    }
    // Interrupted by a signal: a clean shutdown, unless the budget cut something off.
    process.exit(life.abandoned.length === 0 ? 0 : 1)
  })
}
