/**
 * How a shutdown answers an invocation it cuts short. What a signal does: the loop is
 * interrupted as a whole, every invocation in flight is stopped (`InFlight.stop`: the handler
 * and the detached fibers are interrupted and their finalizers run, an invocation not yet
 * answered gets a best-effort `/error`), all within the shutdown budget (each wait gives up at
 * its deadline and says so; init.ts releases the layer with what is left, and a plain Node
 * timer ends the process past it).
 */
import * as Data from "effect/Data"
import { fromFailure } from "../core/errorDocument.js"
import type { ErrorDocument } from "../core/protocol.js"

/**
 * The error type of an invocation cut short by SIGTERM or SIGINT.
 *
 * @internal
 */
export const SHUTDOWN_ERROR_TYPE = "Runtime.Shutdown"

/**
 * How an invocation cut short by a shutdown is reported (its stack is the runtime's: not kept).
 *
 * @internal
 */
export class ShutdownError extends Data.TaggedError("Shutdown")<{ readonly signal: string | undefined }> {
  readonly errorType = SHUTDOWN_ERROR_TYPE
  override get message(): string {
    return `The runtime was shut down${
      this.signal === undefined ? "" : ` (${this.signal})`
    } before the invocation completed`
  }
}

/**
 * The `/error` document of an invocation cut short by a shutdown.
 *
 * @internal
 */
export const shutdownDocument = (signal: string | undefined): ErrorDocument => ({
  ...fromFailure(new ShutdownError({ signal })),
  stackTrace: []
})
