/**
 * Built functions on the Effect 4 line, for the build and CLI tests: a build into a directory of
 * the test's own, and the built `bootstrap` started as Lambda starts it and invoked through the
 * emulator.
 */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { lambdaEnvironment } from "../../../test/builtFunctions.js"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"

/** A directory removed with the test's scope. */
export const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** `options` built into a fresh directory with this Node (the training run's too). */
export const buildInto = (options: Omit<Build.FunctionBuildOptions, "outdir"> | { readonly dropIn: true }) =>
  Effect.flatMap(
    tempDir("effect4-build-"),
    (outdir) => Build.build({ ...options, outdir, nodeBinary: process.execPath } as Build.BuildOptions)
  )

/**
 * Starts a built `bootstrap` as Lambda does (an executable, `node` found on PATH, `args` the
 * command line an exec wrapper is given), invokes it once with `event` through the emulator, and
 * stops it with SIGTERM, which it must answer with exit 0.
 */
export const invokeBuilt = (
  bootstrap: string,
  environment: Record<string, string> = {},
  event: unknown = { name: "build" },
  args: ReadonlyArray<string> = []
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(bootstrap, args, {
          env: {
            PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
            ...emulator.environment,
            GREETING: "hi",
            ...environment
          },
          stdio: ["ignore", "ignore", "pipe"]
        })
      ),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
    // A function that exits before it answers fails the test at once, with what it wrote.
    const record = yield* Effect.raceFirst(
      emulator.invoke(event),
      Effect.flatMap(
        Effect.promise(() => exited),
        (code) => Effect.die(new Error(`the function exited ${code} before answering:\n${stderr}`))
      )
    )
    child.kill("SIGTERM")
    expect(yield* Effect.promise(() => exited), stderr).toBe(0)
    expect(record.outcome?._tag, stderr).toBe("Response")
    return record
  })

/** What a built function answered, parsed. */
export const answerOf = (record: Emulator.InvocationRecord): unknown =>
  JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null")

/** How fixtures/buildable.ts was started: its answer. */
export const started = (
  bootstrap: string,
  environment?: Record<string, string>,
  event?: unknown,
  args?: ReadonlyArray<string>
) => Effect.map(invokeBuilt(bootstrap, environment, event, args), answerOf)

/** A built function's process, started by {@link startFunction}. */
export interface StartedFunction {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Waits for a complete stdout line that satisfies `predicate`, and returns it. */
  readonly awaitLine: (predicate: (line: string) => boolean) => Effect.Effect<string>
  /** The exit code, once the process has exited and all its output has been read. */
  readonly exited: Effect.Effect<number | null>
}

/**
 * Starts a build's `bootstrap` as Lambda does: a fresh process in the task root with only
 * Lambda's environment (`lambdaEnvironment`). Its exit is reported to the emulator, so an
 * invocation of a crashed function ends with `Runtime.ExitError` instead of waiting for its
 * deadline. Killed with the scope.
 */
export const startFunction = (
  build: Build.BuildResult,
  emulator: Emulator.EmulatorService,
  extra: Record<string, string> = {}
): Effect.Effect<StartedFunction, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): StartedFunction => {
      const env = lambdaEnvironment(emulator.environment, build.outdir, extra)
      const child = spawn(build.bootstrap, [], { cwd: build.outdir, env, stdio: ["ignore", "pipe", "pipe"] })
      let [stdout, stderr] = ["", ""]
      const waiters = new Set<(lines: ReadonlyArray<string>) => boolean>()
      const completeLines = () => stdout.slice(0, stdout.lastIndexOf("\n") + 1).split("\n")
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        for (const waiter of waiters) if (waiter(completeLines())) waiters.delete(waiter)
      })
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      child.on("exit", (code, signal) => Effect.runFork(emulator.runtimeExited({ code, signal })))
      const closed = new Promise<number | null>((resolve) => child.on("close", resolve))
      return {
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        awaitLine: (predicate) =>
          Effect.callback<string>((resume) => {
            const waiter = (lines: ReadonlyArray<string>) => {
              const line = lines.find(predicate)
              if (line !== undefined) resume(Effect.succeed(line))
              return line !== undefined
            }
            if (waiter(completeLines())) return
            waiters.add(waiter)
            return Effect.sync(() => waiters.delete(waiter))
          }),
        exited: Effect.promise(() => closed)
      }
    }),
    ({ child, exited }) =>
      child.exitCode !== null || child.signalCode !== null
        ? Effect.void
        : Effect.andThen(Effect.sync(() => child.kill("SIGKILL")), exited)
  )

/** Stops the function as Lambda does at shutdown, and expects a clean exit. */
export const shutDown = (fn: StartedFunction) =>
  Effect.gen(function*() {
    fn.child.kill("SIGTERM")
    expect(yield* fn.exited, `stderr: ${fn.stderr()}`).toBe(0)
  })
