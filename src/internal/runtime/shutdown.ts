/**
 * How a shutdown answers an invocation it cuts short. What a signal does: the loop is
 * interrupted as a whole, every invocation in flight is stopped (`InFlight.stop`: the handler
 * and the detached fibers are interrupted and their finalizers run, an invocation not yet
 * answered gets a best-effort `/error`), all within the shutdown budget (each wait gives up at
 * its deadline and says so; init.ts releases the layer with what is left, and a plain Node
 * timer ends the process past it).
 */
import * as Data from "effect/Data"
import { SHUTDOWN_ERROR_TYPE, shutdownMessage } from "../core/lifecycle.js"

/** @internal */
export { SHUTDOWN_ERROR_TYPE, shutdownDocument } from "../core/lifecycle.js"

/**
 * How an invocation cut short by a shutdown is reported (its stack is the runtime's: not kept).
 *
 * @internal
 */
export class ShutdownError extends Data.TaggedError("Shutdown")<{ readonly signal: string | undefined }> {
  readonly errorType = SHUTDOWN_ERROR_TYPE
  override get message(): string {
    return shutdownMessage(this.signal)
  }
}
