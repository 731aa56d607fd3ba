/** Spawns a function module as a child process, the way Lambda runs a bootstrap. */
import { Deferred, Effect, Exit } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

export interface FunctionProcess {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** The exit code (a signal counts as 128 + its number). */
  readonly exited: Effect.Effect<number>
  /** Waits until stdout contains `text`. */
  readonly awaitOutput: (text: string) => Effect.Effect<void>
}

export const projectFile = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url))

export const spawnFunction = (
  path: string,
  env: Record<string, string>,
  args: ReadonlyArray<string> = [],
  /** `tsx/esm` leaves `require` to Node itself (the drop-in's user modules load as in production). */
  loader: "tsx" | "tsx/esm" = "tsx"
): Effect.Effect<FunctionProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const exited = yield* Deferred.make<number>()
      const child = spawn(process.execPath, ["--import", loader, projectFile(path), ...args], {
        cwd: projectFile("."),
        env: { ...process.env, ...env },
        stdio: ["pipe", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      const waiters: Array<{ text: string; done: () => void }> = []
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        for (const waiter of waiters.filter((w) => stdout.includes(w.text))) waiter.done()
      })
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      child.on("exit", (code, signal) =>
        Deferred.unsafeDone(
          exited,
          Exit.succeed(code ?? (signal === null ? -1 : 128 + (signal === "SIGKILL" ? 9 : 15)))
        ))
      return {
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        exited: Deferred.await(exited),
        awaitOutput: (text: string) =>
          Effect.async<void>((resume) => {
            if (stdout.includes(text)) return resume(Effect.void)
            waiters.push({ text, done: () => resume(Effect.void) })
          })
      } satisfies FunctionProcess
    }),
    ({ child, exited }) =>
      Effect.suspend(() => {
        if (child.exitCode !== null || child.signalCode !== null) return Effect.void
        child.kill("SIGKILL")
        return Effect.asVoid(exited)
      })
  )
