/**
 * The runtime process of the CLI's `run` and `emulator <module>` on Effect 3: the shared core's
 * process handling (`core/emulator/runtimeProcess.ts`, no Effect) as scoped effects.
 *
 * @internal
 */
import { Effect } from "effect"
import * as Core from "../core/emulator/runtimeProcess.js"
import type * as Emulator from "../../Emulator.js"
import { engineOf } from "./emulator/server.js"

/**
 * A spawned runtime process.
 *
 * @internal
 */
export interface RuntimeProcess {
  readonly exited: Effect.Effect<Emulator.RuntimeExit>
  readonly isRunning: () => boolean
  readonly kill: (signal: NodeJS.Signals) => void
  /** The process as the core handles it. */
  readonly process: Core.RuntimeProcess
}

const printError = (line: string) => Effect.sync(() => process.stderr.write(`${line}\n`))

/**
 * Spawns the function module with the emulator's environment; killed (SIGKILL) if still running on release.
 *
 * @internal
 */
export const spawnRuntime = (file: string, environment: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync((): RuntimeProcess => {
      const spawned = Core.spawnRuntime(file, environment)
      return {
        exited: Effect.promise(() => spawned.exited),
        isRunning: spawned.isRunning,
        kill: spawned.kill,
        process: spawned
      }
    }),
    (runtime) => Effect.promise(() => Core.killRuntime(runtime.process))
  )

/**
 * SIGTERM, then SIGKILL if the process is still running after `graceMs`.
 *
 * @internal
 */
export const stopRuntime = (runtime: RuntimeProcess, graceMs: number): Effect.Effect<Emulator.RuntimeExit> =>
  Effect.promise(() => Core.stopRuntime(runtime.process, graceMs))

/**
 * How a process ended, for log lines.
 *
 * @internal
 */
export const describeExit: (exit: Emulator.RuntimeExit) => string = Core.describeExit

/**
 * Keeps one runtime process for the emulator, as Lambda keeps an execution environment (see the
 * core's `superviseRuntime`), until interrupted: then the process is killed and awaited.
 *
 * @internal
 */
export const superviseRuntime = (file: string, emulator: Emulator.EmulatorService): Effect.Effect<never> =>
  Effect.async<never>(() => {
    const supervision = Core.superviseRuntime(file, engineOf(emulator), (line) => process.stderr.write(`${line}\n`))
    return Effect.promise(supervision.stop)
  })

/**
 * For a runtime started by hand the emulator cannot reset the environment: it says so, and refuses the old runtime.
 *
 * @internal
 */
export const announceResets = (emulator: Emulator.EmulatorService): Effect.Effect<never> => {
  const from = (n: number): Effect.Effect<never> =>
    Effect.flatMap(emulator.awaitReset(n), (reset) =>
      Effect.zipRight(
        printError(
          `effect-lambda: ${
            Core.describeReset(reset)
          }. Lambda resets the environment here: stop your runtime and start a fresh one with ` +
            `export AWS_LAMBDA_RUNTIME_API='${emulator.environment.AWS_LAMBDA_RUNTIME_API}' (the fresh ` +
            `environment's Runtime API). Until then invocations wait, and the old address refuses the old ` +
            `runtime (500 to its /next, 400 to its late results).`
        ),
        from(n + 1)
      ))
  return from(1)
}
