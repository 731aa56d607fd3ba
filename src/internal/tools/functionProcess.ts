/**
 * The runtime process of the CLI's `run` and `emulator <module>`: spawning a function module
 * with the emulator's environment, stopping it, and keeping one running as Lambda keeps an
 * execution environment (a fresh one after a reset or an exit).
 *
 * @internal
 */
import { Deferred, Effect, Either, Exit, FiberId } from "effect"
import { spawn } from "node:child_process"
import type * as Emulator from "../../Emulator.js"

/**
 * A spawned runtime process.
 *
 * @internal
 */
export interface RuntimeProcess {
  readonly exited: Effect.Effect<Emulator.RuntimeExit>
  readonly isRunning: () => boolean
  readonly kill: (signal: NodeJS.Signals) => void
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
      const args = /\.[cm]?tsx?$/.test(file) ? ["--import", "tsx", file] : [file]
      const child = spawn(process.execPath, args, {
        env: { ...process.env, ...environment },
        stdio: ["ignore", "inherit", "inherit"]
      })
      const exited = Deferred.unsafeMake<Emulator.RuntimeExit>(FiberId.none)
      let running = true
      child.on("exit", (code, signal) => {
        running = false
        Deferred.unsafeDone(exited, Exit.succeed({ code, signal }))
      })
      child.on("error", (error) => {
        running = false
        process.stderr.write(`effect-lambda: cannot start the runtime: ${error.message}\n`)
        Deferred.unsafeDone(exited, Exit.succeed({ code: 127, signal: null }))
      })
      return { exited: Deferred.await(exited), isRunning: () => running, kill: (signal) => void child.kill(signal) }
    }),
    (runtime) =>
      Effect.suspend(() => {
        if (!runtime.isRunning()) return Effect.void
        runtime.kill("SIGKILL")
        return Effect.asVoid(runtime.exited)
      })
  )

/**
 * SIGTERM, then SIGKILL if the process is still running after `graceMs`.
 *
 * @internal
 */
export const stopRuntime = (runtime: RuntimeProcess, graceMs: number) =>
  Effect.gen(function*() {
    if (!runtime.isRunning()) return yield* runtime.exited
    runtime.kill("SIGTERM")
    const exit = yield* Effect.timeoutTo(runtime.exited, {
      duration: graceMs,
      onSuccess: (exit) => Effect.succeed(exit),
      onTimeout: () => Effect.sync(() => runtime.kill("SIGKILL")).pipe(Effect.zipRight(runtime.exited))
    })
    return yield* exit
  })

/**
 * How a process ended, for log lines.
 *
 * @internal
 */
export const describeExit = (exit: Emulator.RuntimeExit) =>
  exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? "unknown"}`

const describeReset = (reset: Emulator.EnvironmentReset) =>
  reset.reason === "Timeout"
    ? `RequestId ${reset.requestId} timed out`
    : `the runtime was still busy at the deadline of RequestId ${reset.requestId}`

/** A runtime that exits before its first `/next` (a broken module) is started again after this pause, not in a tight loop. */
const INIT_FAILURE_PAUSE_MS = 1000

/**
 * Keeps one runtime process for the emulator, as Lambda keeps an execution environment: after a
 * reset (a deadline passed) the process is stopped (SIGTERM first when it registered an
 * extension, as Lambda does, then SIGKILL) and a fresh one started; a process that exits is
 * started again.
 *
 * @internal
 */
export const superviseRuntime = (file: string, emulator: Emulator.EmulatorService): Effect.Effect<never> => {
  const generation = Effect.scoped(Effect.gen(function*() {
    const resetsBefore = (yield* emulator.resets).length
    const nextsBefore = (yield* emulator.nextRequests).length
    const startedAt = performance.timeOrigin + performance.now()
    const runtime = yield* spawnRuntime(file, emulator.environment)
    const first = yield* Effect.raceFirst(
      Effect.map(emulator.awaitReset(resetsBefore + 1), Either.right),
      Effect.map(runtime.exited, Either.left)
    )
    if (Either.isRight(first)) {
      yield* printError(
        `effect-lambda: ${
          describeReset(first.right)
        }; resetting the environment: stopping the runtime and starting a fresh one`
      )
      const registered = (yield* emulator.extensions).some((extension) => extension.registeredAt >= startedAt)
      const exit = registered
        ? yield* stopRuntime(runtime, 500)
        : yield* Effect.zipRight(Effect.sync(() => runtime.kill("SIGKILL")), runtime.exited)
      yield* emulator.runtimeExited(exit)
      return 0
    }
    yield* emulator.runtimeExited(first.left)
    const initFailed = (yield* emulator.nextRequests).length === nextsBefore
    yield* printError(
      `effect-lambda: the runtime exited (${describeExit(first.left)})` +
        (initFailed
          ? ` before asking for an invocation; starting it again in ${INIT_FAILURE_PAUSE_MS} ms`
          : "; starting it again")
    )
    return initFailed ? INIT_FAILURE_PAUSE_MS : 0
  }))
  const forever: Effect.Effect<never> = Effect.flatMap(
    generation,
    (pauseMs) => Effect.zipRight(pauseMs > 0 ? Effect.sleep(pauseMs) : Effect.void, forever)
  )
  return forever
}

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
            describeReset(reset)
          }. Lambda resets the environment here: stop your runtime and start a fresh one with ` +
            `export AWS_LAMBDA_RUNTIME_API='${emulator.environment.AWS_LAMBDA_RUNTIME_API}' (the fresh ` +
            `environment's Runtime API). Until then invocations wait, and the old address refuses the old ` +
            `runtime (500 to its /next, 400 to its late results).`
        ),
        from(n + 1)
      ))
  return from(1)
}
