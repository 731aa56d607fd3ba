/**
 * The runtime process under the emulator, without Effect: spawning a function module with the
 * emulator's environment, stopping it, and keeping one running as Lambda keeps an execution
 * environment (a fresh one after a reset or an exit). The CLI's `run`, `emulator <module>` and
 * `serve` use it through each line's wrappers.
 *
 * @internal
 */
import { spawn } from "node:child_process"
import type { EmulatorEngine } from "./engine.js"
import type * as Api from "./types.js"
import { now } from "./wire.js"

/**
 * A spawned runtime process.
 *
 * @internal
 */
export interface RuntimeProcess {
  readonly exited: Promise<Api.RuntimeExit>
  readonly isRunning: () => boolean
  readonly kill: (signal: NodeJS.Signals) => void
}

/**
 * Spawns the function module (TypeScript through tsx) with the emulator's environment, its output
 * on this process's; a process that cannot start exits with 127.
 *
 * @internal
 */
export const spawnRuntime = (file: string, environment: Readonly<Record<string, string>>): RuntimeProcess => {
  const args = /\.[cm]?tsx?$/.test(file) ? ["--import", "tsx", file] : [file]
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...environment },
    stdio: ["ignore", "inherit", "inherit"]
  })
  let running = true
  const exited = new Promise<Api.RuntimeExit>((resolve) => {
    child.on("exit", (code, signal) => {
      running = false
      resolve({ code, signal })
    })
    child.on("error", (error) => {
      running = false
      process.stderr.write(`effect-lambda: cannot start the runtime: ${error.message}\n`)
      resolve({ code: 127, signal: null })
    })
  })
  return { exited, isRunning: () => running, kill: (signal) => void child.kill(signal) }
}

/**
 * SIGKILL, if the process still runs, and its exit.
 *
 * @internal
 */
export const killRuntime = (runtime: RuntimeProcess): Promise<Api.RuntimeExit> => {
  if (runtime.isRunning()) runtime.kill("SIGKILL")
  return runtime.exited
}

/**
 * SIGTERM, then SIGKILL if the process is still running after `graceMs`.
 *
 * @internal
 */
export const stopRuntime = (runtime: RuntimeProcess, graceMs: number): Promise<Api.RuntimeExit> => {
  if (!runtime.isRunning()) return runtime.exited
  runtime.kill("SIGTERM")
  const timer = setTimeout(() => runtime.kill("SIGKILL"), graceMs)
  return runtime.exited.finally(() => clearTimeout(timer))
}

/**
 * How a process ended, for log lines.
 *
 * @internal
 */
export const describeExit = (exit: Api.RuntimeExit): string =>
  exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? "unknown"}`

/**
 * Why the platform reset the environment, for log lines.
 *
 * @internal
 */
export const describeReset = (reset: Api.EnvironmentReset): string =>
  reset.reason === "Timeout"
    ? `RequestId ${reset.requestId} timed out`
    : `the runtime was still busy at the deadline of RequestId ${reset.requestId}`

/** A runtime that exits before its first `/next` (a broken module) is started again after this pause, not in a tight loop. */
const INIT_FAILURE_PAUSE_MS = 1000

/**
 * A supervision that runs until `stop`, which kills the current process and resolves once it exited.
 *
 * @internal
 */
export interface Supervision {
  readonly stop: () => Promise<void>
}

/**
 * Keeps one runtime process of `file` for the emulator, as Lambda keeps an execution environment:
 * after a reset (a deadline passed) the process is stopped (SIGTERM first when it registered an
 * extension, as Lambda does, then SIGKILL) and a fresh one started; a process that exits is
 * started again. `printError` receives one line per event.
 *
 * @internal
 */
export const superviseRuntime = (
  file: string,
  emulator: EmulatorEngine,
  printError: (line: string) => void
): Supervision => {
  let stopped = false
  let current: RuntimeProcess | undefined
  /** Ends the pause before a restart early, when stopping. */
  let endPause: (() => void) | undefined

  /** One process, from its start to its exit; the pause before the next one. */
  const generation = async (runtime: RuntimeProcess, resetsBefore: number, nextsBefore: number) => {
    const startedAt = now()
    let cancelReset = () => {}
    const first = await Promise.race([
      new Promise<{ readonly reset: Api.EnvironmentReset }>((resolve) => {
        cancelReset = emulator.onReset(resetsBefore + 1, (reset) => resolve({ reset }))
      }),
      runtime.exited.then((exit) => ({ exit }))
    ])
    cancelReset()
    if (stopped) return 0
    if ("reset" in first) {
      printError(
        `effect-lambda: ${
          describeReset(first.reset)
        }; resetting the environment: stopping the runtime and starting a fresh one`
      )
      const registered = emulator.extensions().some((extension) => extension.registeredAt >= startedAt)
      const exit = registered ? await stopRuntime(runtime, 500) : await killRuntime(runtime)
      if (!stopped) emulator.runtimeExited(exit)
      return 0
    }
    emulator.runtimeExited(first.exit)
    const initFailed = emulator.nextRequests().length === nextsBefore
    printError(
      `effect-lambda: the runtime exited (${describeExit(first.exit)})` +
        (initFailed
          ? ` before asking for an invocation; starting it again in ${INIT_FAILURE_PAUSE_MS} ms`
          : "; starting it again")
    )
    return initFailed ? INIT_FAILURE_PAUSE_MS : 0
  }

  const loop = async () => {
    while (!stopped) {
      const resetsBefore = emulator.resets().length
      const nextsBefore = emulator.nextRequests().length
      const runtime = spawnRuntime(file, emulator.environment())
      current = runtime
      let pauseMs: number
      try {
        pauseMs = await generation(runtime, resetsBefore, nextsBefore)
      } finally {
        // A process is never left behind, whatever ended its generation.
        await killRuntime(runtime)
      }
      if (pauseMs > 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pauseMs)
          endPause = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        endPause = undefined
      }
    }
  }
  const running = loop()
  return {
    stop: () => {
      stopped = true
      if (current !== undefined) void killRuntime(current)
      endPause?.()
      return running
    }
  }
}
