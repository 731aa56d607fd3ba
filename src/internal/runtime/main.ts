/**
 * The runtime as the process's main program: signals, errors outside Effect (the handlers are
 * the shared core's, core/processHandlers.ts), and the exit code.
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
import * as ProcessHandlers from "../core/processHandlers.js"
import type { Lifecycle } from "./lifecycle.js"
import * as Logger from "./logger.js"

/** Logs one line in Lambda's format outside any fiber (the process handlers fall back to stderr if it throws). */
const logOutside = (
  life: Lifecycle,
  message: string,
  defect: { readonly value: unknown } | undefined,
  requestId: string | undefined
) => {
  let log = Effect.logError(message, defect === undefined ? Cause.empty : Cause.die(defect.value))
  if (requestId !== undefined) log = Effect.annotateLogs(log, Logger.REQUEST_ID, requestId)
  Effect.runSync(Logger.provide(life.settings?.logFormat ?? "Text", life.settings?.logLevel ?? LogLevel.Info)(log))
}

/**
 * Runs the runtime as the process's main program: signals interrupt it (its finalizers
 * release the layer), its exit decides the exit code.
 *
 * @internal
 */
export const runMain = <E>(program: Effect.Effect<never, E>, life: Lifecycle): void => {
  const fiber = Effect.runFork(Effect.withUnhandledErrorLogLevel(program, Option.none()))

  ProcessHandlers.install(life, {
    interrupt: () => fiber.unsafeInterruptAsFork(FiberId.none),
    logError: (message, defect, requestId) => logOutside(life, message, defect, requestId)
  })
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
