/**
 * The `effect-lambda` CLI runs Effect 4 functions: one CLI, plain TypeScript in the shared core,
 * that both lines' packages ship (its own process, so it nests no Effect into an app). Run as a
 * user runs it, through this package's `bin` entry (src/bin/effect-lambda.ts), a child process
 * (this Node, 22 or later) with the Effect 4 example as its runtime process, as the root suite's
 * test/cli.test.ts runs it with the Effect 3 line's.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { dropInHandlers, dropInTaskRoot } from "../../../test/builtFunctions.js"
import { started, tempDir } from "./built.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const CLI = fileURLToPath(new URL("../src/bin/effect-lambda.ts", import.meta.url))

/** Runs the CLI with `args` from packages/effect4, `stdin` as its input; its exit code and output. */
const runCli = (args: ReadonlyArray<string>, stdin: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
        cwd: packageDir,
        env: process.env,
        stdio: ["pipe", "pipe", "pipe"]
      })
    ),
    (child) =>
      Effect.callback<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>(
        (resume) => {
          let stdout = ""
          let stderr = ""
          child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
          child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
          child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
          child.stdin.end(stdin)
        }
      ),
    (child) => Effect.sync(() => child.kill("SIGKILL"))
  )

describe("Effect 4: the effect-lambda CLI", () => {
  it.live("run: invokes an Effect 4 function with the event, prints its response, its detached line, and stops it", () =>
    Effect.gen(function*() {
      // the module after `--`: every word after it is the argument, whatever it looks like
      const { code, stderr, stdout } = yield* runCli(
        ["run", "--event", "-", "--count=2", "--", "examples/hello.ts"],
        `{"name":"Ada"}`
      )
      expect(code, stderr).toBe(0)
      const requestIds = Array.from(stdout.matchAll(/^START RequestId: (\S+) \(\d\/2\)$/gm), (match) => match[1]!)
      expect(requestIds).toHaveLength(2)
      for (const requestId of requestIds) {
        // the response of that invocation, as `run` prints it
        expect(stdout).toContain(`{"greeting":"hello, Ada","requestId":"${requestId}"}`)
        // the function's own output passes through: the detached fiber's line, in Lambda's text
        // format under its invocation's request id, written before the runtime asked for the
        // next invocation, which the END line waits for
        const detached = new RegExp(`^\\S+Z\\t${requestId}\\tINFO\\taudit: greeted Ada$`, "m").exec(stdout)
        expect(detached).not.toBeNull()
        const end = stdout.search(
          new RegExp(`^END RequestId: ${requestId} .*result posted \\+[\\d.]+ ms, runtime asked for /next again`, "m")
        )
        expect(end).toBeGreaterThan(detached!.index)
      }
      // SIGTERM at the end: the layer is released and the process exits cleanly
      expect(stdout.indexOf("greeter released")).toBeGreaterThan(stdout.lastIndexOf("END RequestId:"))
      expect(stdout).toContain("runtime stopped (exit code 0)")
    }))

  it.live("a usage error exits 2 with the message and the subcommand's usage", () =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* runCli(["run", "examples/hello.ts", "--cuont", "2"], "")
      expect(code).toBe(2)
      expect(stderr).toContain("'--cuont'")
      expect(stderr).toContain("Usage: effect-lambda run <handler-module>")
      expect(stdout).toBe("")
    }))
  it.live("--version names this package's version, not the Effect 3 line's", () =>
    Effect.gen(function*() {
      const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
        readonly version: string
      }
      const { code, stdout } = yield* runCli(["--version"], "")
      expect(code).toBe(0)
      expect(version).toMatch(/^1\./)
      expect(stdout.trim()).toBe(version)
    }))

  it.live("build --drop-in: a bootstrap that serves the plain handler _HANDLER names, with the code cache; a module and --drop-in exclude each other", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("effect4-cli-drop-in-")
      const built = yield* runCli(["build", "--drop-in", "--outdir", dir], "")
      expect(built.code, built.stderr).toBe(0)
      expect(built.stderr).not.toContain("warning")
      // Effect 4's values carry this key: the drop-in this package's CLI builds is this line's.
      expect(readFileSync(join(dir, "main.cjs"), "utf8")).toContain("~effect/Effect")
      const [handler, event, expected] = dropInHandlers[0]!
      expect(yield* started(join(dir, "bootstrap"), { LAMBDA_TASK_ROOT: dropInTaskRoot, _HANDLER: handler }, event))
        .toMatchObject(expected)
      for (const args of [["build", "--drop-in", "test/fixtures/buildable.ts"], ["build"]]) {
        const usage = yield* runCli([...args, "--outdir", dir], "")
        expect(usage.code).toBe(2)
        expect(usage.stderr).toContain("--drop-in")
      }
    }))
})
