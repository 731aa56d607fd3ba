/**
 * The execution environment's lifecycle beyond single invocations: the runtime process exiting,
 * the Runtime API listener of each generation (see `reset` in `state.ts`), and shutdown.
 *
 * @internal
 */
import type * as http from "node:http"
import type * as Api from "./types.js"
import type { EmulatorInstance } from "./state.js"
import { finish, isConcurrent, release } from "./state.js"
import { apiError, exitMessage, now } from "./wire.js"

/**
 * The runtime process exited: the invocations it owed a result for (and, during init, the queued
 * ones) fail with `Runtime.ExitError`, and the next runtime process starts a fresh init.
 *
 * @internal
 */
export const runtimeExited = (emulator: EmulatorInstance, exit: Api.RuntimeExit) => {
  const { state } = emulator
  if (state.discardedRuntime) {
    // The runtime a reset discarded: its invocation already timed out, and a fresh runtime may
    // already be initialising or serving; nothing of that one may be failed or closed.
    state.discardedRuntime = false
    return
  }
  const at = now()
  const owed = [...(state.current !== undefined ? [state.current] : []), ...state.inFlight]
  for (const invocation of owed) {
    finish(emulator, invocation, { _tag: "ExitError", message: exitMessage(invocation.record.requestId, exit) }, at)
  }
  if (!state.initDone && state.initFailed === undefined) {
    // the runtime died during init: the invocations that triggered the cold start fail
    for (const invocation of state.queue.splice(0)) {
      finish(emulator, invocation, { _tag: "ExitError", message: exitMessage(invocation.record.requestId, exit) }, at)
    }
  }
  state.initDone = false
  state.initFailed = undefined
  release(state)
  state.extensionsThisInit = 0
  for (const res of state.parked.splice(0)) res.destroy()
  for (const poll of state.extensionPolls) poll.destroy()
  state.extensionPolls.clear()
}

/**
 * Whether a runtime request arrived on the Runtime API listener of a generation a reset ended:
 * it comes from the discarded runtime (or a process started with its address).
 *
 * @internal
 */
export const isDiscarded = (emulator: EmulatorInstance, listenerGeneration: number): boolean =>
  listenerGeneration < emulator.state.generation

/**
 * How the last reset came about, for the answers and log lines about a discarded runtime.
 *
 * @internal
 */
export const describeLastReset = (emulator: EmulatorInstance): string => {
  const last = emulator.state.resets.entries.at(-1)
  if (last === undefined) return "the environment was reset"
  return last.reason === "Timeout"
    ? `RequestId ${last.requestId} timed out and the environment was reset`
    : `the runtime was still busy at the deadline of RequestId ${last.requestId} and the environment was reset`
}

/** The error type of the `500` answered to `/next` during shutdown (emulator-specific wording). */
const SHUTDOWN_ERROR_TYPE = "Runtime.Shutdown"

/**
 * Answers a `/next` during shutdown with `500` (and closes its connection): the runtime should
 * stop polling and exit once its in-flight work is done.
 *
 * @internal
 */
export const refuseShuttingDown = (res: http.ServerResponse) => {
  res.shouldKeepAlive = false
  apiError(res, 500, SHUTDOWN_ERROR_TYPE, "The execution environment is shutting down")
}

/**
 * Starts shutting the environment down. In concurrent mode, as Lambda Managed Instances do, every
 * parked `/next` is answered `500` and so is any later one; returns the answers being written so
 * that the caller can wait for them. In classic mode nothing is answered (Lambda stops the process).
 *
 * @internal
 */
export const shutdown = (emulator: EmulatorInstance): ReadonlyArray<http.ServerResponse> => {
  const { state } = emulator
  if (!isConcurrent(emulator.config)) return []
  state.shuttingDown = true
  const parked = state.parked.splice(0)
  for (const res of parked) refuseShuttingDown(res)
  return parked
}
