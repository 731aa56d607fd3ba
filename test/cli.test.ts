/** The `effect-lambda` CLI, run as a user runs it: a child process, real HTTP. */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as Emulator from "../src/Emulator.js"
import { paths } from "../src/internal/core/protocol.js"
import { projectFile, spawnFunction } from "./process.js"

const CLI = "src/bin/effect-lambda.ts"

/** POSTs `body` to the RIE-compatible invoke endpoint and returns the status and body. */
const invoke = (host: string, body: string) =>
  Effect.async<{ readonly status: number; readonly body: string }>((resume) => {
    const req = http.request(`http://${host}${paths.invoke}`, { method: "POST" }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (text += chunk))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body: text })))
    })
    req.on("error", (error) => resume(Effect.die(error)))
    req.end(body)
  })

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-lambda-cli-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Starts a built `bootstrap` as Lambda does (an executable, `node` on PATH) under the emulator and invokes it once. */
const invokeBuilt = (bootstrap: string, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const exited = yield* Deferred.make<number>()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(bootstrap, [], {
          env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...emulator.environment, ...env },
          stdio: "ignore"
        }).on("exit", (code) => Deferred.unsafeDone(exited, Exit.succeed(code ?? -1)))
      ),
      (child) => Effect.sync(() => child.kill("SIGKILL"))
    )
    const record = yield* emulator.invoke({ name: "cli" })
    child.kill("SIGTERM")
    expect(yield* Deferred.await(exited)).toBe(0)
    return record
  })

/** The version in package.json, which `--version` must print. */
const packageVersion = (JSON.parse(readFileSync(projectFile("package.json"), "utf8")) as { version: string }).version

describe("effect-lambda CLI", () => {
  it.scopedLive("run: invokes a module N times with an event file, prints results and timelines, exits 0", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, [
        "run",
        "examples/hello.ts",
        "--event",
        "examples/events/hello.json",
        "--count",
        "2"
      ])
      expect(yield* cli.exited).toBe(0)
      const out = cli.stdout()
      expect(out.match(/\{"greeting":"hello, world"\}/g)).toHaveLength(2)
      expect(out.match(/^START RequestId: \S+ \(\d\/2\)$/gm)).toHaveLength(2)
      expect(out.match(/^END RequestId: .*result posted \+[\d.]+ ms, runtime asked for \/next again/gm)).toHaveLength(2)
      expect(out).toContain("runtime stopped (exit code 0)")
    }))

  it.scopedLive("run --concurrency: sets AWS_LAMBDA_MAX_CONCURRENCY for the function and queues the invocations at once", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, [
        "run",
        "test/fixtures/concurrencyEnv.ts",
        "--count",
        "3",
        "--concurrency",
        "2"
      ])
      expect(yield* cli.exited).toBe(0)
      const out = cli.stdout()
      expect(
        out.match(/\{"maxConcurrency":"2","initializationType":"lambda-managed-instances"\}/g)
      ).toHaveLength(3)
      // all three are queued before the first ends
      expect(out.split("\n").slice(0, 3).every((line) => line.startsWith("START RequestId:"))).toBe(true)
      expect(out.match(/^END RequestId: .*result posted \+[\d.]+ ms$/gm)).toHaveLength(3)
      // The emulator answers the parked `/next` calls 500 as it stops (as the platform does), then
      // sends SIGTERM: either way the runtime ends cleanly, not with a fatal error.
      expect(out).toContain("runtime stopped (exit code 0)")
      expect(out).not.toContain("FATAL")
    }))

  it.scopedLive("run: exits 1 when an invocation fails", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, ["run", "examples/errors.ts", "--event", "-"])
      cli.child.stdin?.end(`{"action":"decline"}`)
      expect(yield* cli.exited).toBe(1)
      expect(cli.stdout()).toContain(`"errorType":"PaymentDeclined"`)
    }))

  it.scopedLive("run: a module that only exports a plain Node handler gets, once, the drop-in command that serves it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      writeFileSync(
        join(dir, "plain.mjs"),
        `export const handler = async (event, context) => ({ plain: context.awsRequestId !== "" })\n`
      )
      const cli = yield* spawnFunction(CLI, {}, ["run", join(dir, "plain.mjs"), "--count", "2"])
      expect(yield* cli.exited).toBe(1)
      expect(cli.stdout().match(/Runtime\.ExitError/g)).toHaveLength(2)
      const stderr = cli.stderr()
      expect(stderr.match(/never started the runtime/g)).toHaveLength(1)
      const command =
        / {4}LAMBDA_TASK_ROOT=(\S+) _HANDLER=(\S+) npx effect-lambda run node_modules\/effect-lambda-runtime\/dist\/node\.js$/m
          .exec(stderr)
      expect(command?.slice(1)).toEqual([dir, "plain.handler"])
      // The command works: src/node.ts is what the package ships as dist/node.js.
      const dropIn = yield* spawnFunction(CLI, { LAMBDA_TASK_ROOT: command![1]!, _HANDLER: command![2]! }, [
        "run",
        "src/node.ts"
      ])
      expect(yield* dropIn.exited).toBe(0)
      expect(dropIn.stdout()).toContain(`{"plain":true}`)
      expect(dropIn.stderr()).not.toContain("never started the runtime")
    }))

  it.scopedLive("run: a module that crashes before starting the runtime gets no drop-in hint", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      writeFileSync(join(dir, "crash.mjs"), `throw new Error("broken at load")\n`)
      const cli = yield* spawnFunction(CLI, {}, ["run", join(dir, "crash.mjs")])
      expect(yield* cli.exited).toBe(1)
      expect(cli.stderr()).toContain("broken at load")
      expect(cli.stderr()).not.toContain("never started the runtime")
    }))

  it.scopedLive("event: prints a sample event that run takes on stdin; an unknown source is a usage error", () =>
    Effect.gen(function*() {
      const event = yield* spawnFunction(CLI, {}, ["event", "sqs"])
      expect(yield* event.exited).toBe(0)
      const sample = JSON.parse(event.stdout()) as { Records: Array<{ eventSource: string }> }
      expect(sample.Records[0]!.eventSource).toBe("aws:sqs")
      const run = yield* spawnFunction(CLI, {}, ["run", "examples/sqs-batch.ts", "--event", "-"])
      run.child.stdin?.end(event.stdout())
      expect(yield* run.exited).toBe(0)
      expect(run.stdout()).toContain(`"batchItemFailures"`)
      const unknown = yield* spawnFunction(CLI, {}, ["event", "carrier-pigeon"])
      expect(yield* unknown.exited).toBe(2)
      expect(unknown.stderr()).toContain(`unknown source "carrier-pigeon"`)
    }))

  it.scopedLive("emulator: serves a runtime started by hand and answers the invoke endpoint", () =>
    Effect.gen(function*() {
      const emulator = yield* spawnFunction(CLI, {}, ["emulator", "--port", "0"])
      yield* emulator.awaitOutput("Press Ctrl+C")
      const host = /emulator on (\S+)/.exec(emulator.stdout())![1]!
      const env = Object.fromEntries(
        Array.from(emulator.stdout().matchAll(/export (\w+)='([^']*)'/g), (m) => [m[1]!, m[2]!])
      )
      expect(env.AWS_LAMBDA_RUNTIME_API).toBe(host)
      yield* spawnFunction("examples/hello.ts", env)
      expect(yield* invoke(host, `{"name":"curl"}`)).toEqual({ status: 200, body: `{"greeting":"hello, curl"}` })
      emulator.child.kill("SIGINT")
      expect(yield* emulator.exited).toBe(130)
    }))

  it.scopedLive("emulator <module>: after a platform timeout, stops the runtime and a fresh one serves the next invoke", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, [
        "emulator",
        "test/fixtures/overrun.ts",
        "--port",
        "0",
        "--timeout",
        "1"
      ])
      yield* cli.awaitOutput("Press Ctrl+C")
      const host = /emulator on (\S+)/.exec(cli.stdout())![1]!
      const pidOf = (reply: { readonly body: string }) => (JSON.parse(reply.body) as { pid: number }).pid
      const before = pidOf(yield* invoke(host, "{}"))
      // blocks the runtime's event loop far past the deadline: only the platform's timeout ends it
      expect(yield* invoke(host, `{"blockMs":15000}`)).toEqual({
        status: 200,
        body: "Task timed out after 1.00 seconds"
      })
      const after = yield* invoke(host, "{}")
      expect(after.status).toBe(200)
      expect(pidOf(after)).not.toBe(before)
      // the fresh runtime is kept for the invocations that follow
      expect(pidOf(yield* invoke(host, "{}"))).toBe(pidOf(after))
      expect(cli.stderr()).toContain(
        "timed out; resetting the environment: stopping the runtime and starting a fresh one"
      )
      cli.child.kill("SIGINT")
      expect(yield* cli.exited).toBe(130)
    }))

  it.scopedLive("emulator (runtime started by hand): after a platform timeout, says so and refuses the old runtime, which exits", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, ["emulator", "--port", "0", "--timeout", "1"])
      yield* cli.awaitOutput("Press Ctrl+C")
      const host = /emulator on (\S+)/.exec(cli.stdout())![1]!
      const env = Object.fromEntries(
        Array.from(cli.stdout().matchAll(/export (\w+)='([^']*)'/g), (m) => [m[1]!, m[2]!])
      )
      const old = yield* spawnFunction("test/fixtures/overrun.ts", env)
      expect(yield* invoke(host, `{"blockMs":2500}`)).toEqual({
        status: 200,
        body: "Task timed out after 1.00 seconds"
      })
      // its /next after the late result is refused (500): the old runtime exits instead of taking the next invoke
      expect(yield* old.exited).not.toBe(0)
      expect(cli.stderr()).toContain("stop your runtime and start a fresh one")
      expect(cli.stdout() + cli.stderr()).toContain("refused with 500")
      // the fresh environment's Runtime API has its own address, which the message names
      const freshApi = /start a fresh one with export AWS_LAMBDA_RUNTIME_API='([^']*)'/.exec(cli.stderr())![1]!
      expect(freshApi).not.toBe(host)
      const fresh = yield* spawnFunction("test/fixtures/overrun.ts", { ...env, AWS_LAMBDA_RUNTIME_API: freshApi })
      expect(yield* invoke(host, "{}")).toEqual({ status: 200, body: `{"pid":${fresh.child.pid}}` })
      cli.child.kill("SIGINT")
      expect(yield* cli.exited).toBe(130)
    }))

  it.scopedLive("prints the usage and exits 2 on a bad command line", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, ["run"])
      expect(yield* cli.exited).toBe(2)
      expect(cli.stderr()).toContain("Usage:")
    }))

  it.scopedLive("a usage error exits 2 with a message naming the bad flag or value, then the subcommand's usage", () =>
    Effect.gen(function*() {
      const unknown = yield* spawnFunction(CLI, {}, ["run", "examples/hello.ts", "--cuont", "2"])
      expect(yield* unknown.exited).toBe(2)
      expect(unknown.stderr()).toContain("'--cuont'")
      expect(unknown.stderr()).toContain("Usage: effect-lambda run <handler-module>")
      expect(unknown.stdout()).toBe("")
      // an unknown flag before the module is not taken for the module
      const before = yield* spawnFunction(CLI, {}, ["build", "--minify-not", "examples/hello.ts"])
      expect(yield* before.exited).toBe(2)
      expect(before.stderr()).toContain("'--minify-not'")
      const value = yield* spawnFunction(CLI, {}, ["emulator", "--port", "abc"])
      expect(yield* value.exited).toBe(2)
      expect(value.stderr()).toContain(`--port expects a non-negative integer, got "abc"`)
      const timeout = yield* spawnFunction(CLI, {}, ["run", "examples/hello.ts", "--timeout", "-1"])
      expect(yield* timeout.exited).toBe(2)
      expect(timeout.stderr()).toContain(`--timeout expects a non-negative number, got "-1"`)
      // an option that does not repeat, given twice, is named rather than one of its values kept
      const twice = yield* spawnFunction(CLI, {}, ["run", "examples/hello.ts", "--port", "0", "--port=1"])
      expect(yield* twice.exited).toBe(2)
      expect(twice.stderr()).toContain("'--port' twice")
      const command = yield* spawnFunction(CLI, {}, ["deploy", "examples/hello.ts"])
      expect(yield* command.exited).toBe(2)
      expect(command.stderr()).toContain("'run', 'emulator', 'serve', 'event', 'build'")
    }))

  it.scopedLive("--help of a subcommand lists its own flags with their descriptions (plain text when piped); --version; --completions", () =>
    Effect.gen(function*() {
      const build = yield* spawnFunction(CLI, {}, ["build", "--help"])
      expect(yield* build.exited).toBe(0)
      for (
        const flag of [
          "--outdir",
          "--no-code-cache",
          "--node path",
          "--no-minify",
          "--sourcemap",
          "--external",
          "--node-flag"
        ]
      ) {
        expect(build.stdout()).toContain(flag)
      }
      expect(build.stdout()).toContain("Leave a package out of the bundle (repeatable)")
      expect(build.stdout()).not.toContain("\x1b[")
      const run = yield* spawnFunction(CLI, {}, ["run", "-h"])
      expect(yield* run.exited).toBe(0)
      for (const flag of ["--event", "--count", "--timeout", "--port", "<handler-module>"]) {
        expect(run.stdout()).toContain(flag)
      }
      expect(run.stdout()).not.toContain("--outdir")
      const version = yield* spawnFunction(CLI, {}, ["--version"])
      expect(yield* version.exited).toBe(0)
      expect(version.stdout().trim()).toBe(packageVersion)
      const completions = yield* spawnFunction(CLI, {}, ["--completions", "bash"])
      expect(yield* completions.exited).toBe(0)
      expect(completions.stdout()).toContain("complete -o filenames -F _effect_lambda_completions effect-lambda")
      expect(completions.stdout()).toContain("--node-flag")
      const noShell = yield* spawnFunction(CLI, {}, ["--completions", "tcsh"])
      expect(yield* noShell.exited).toBe(2)
      expect(noShell.stderr()).toContain("--completions expects one of sh, bash, zsh, fish")
    }))

  it.scopedLive(
    "build: repeated --external flags all reach the bundle, which requires those packages instead of bundling them",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const cli = yield* spawnFunction(CLI, {}, [
          "build",
          "examples/http-api.ts",
          "--outdir",
          dir,
          "--no-code-cache",
          "--external",
          "effect",
          "--external=@effect/platform"
        ])
        expect(yield* cli.exited).toBe(0)
        expect(cli.stdout()).toContain("no code cache")
        expect(cli.stdout()).toContain(`${join(dir, "function.zip")} (deploy this)`)
        const inputs = Object.keys(
          (JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as { inputs: object }).inputs
        )
        expect(inputs.some((input) => input.includes("src/LambdaRuntime.ts"))).toBe(true)
        expect(inputs.filter((input) => /node_modules\/(effect|@effect\/platform)\//.test(input))).toEqual([])
        const bundle = readFileSync(join(dir, "main.cjs"), "utf8")
        expect(bundle).toMatch(/require\("effect"\)/)
        expect(bundle).toMatch(/require\("@effect\/platform\/[A-Za-z]+"\)/)
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "build: --node-flag=--flag (a value that starts with --), repeated, reaches the built bootstrap's Node",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const cli = yield* spawnFunction(CLI, {}, [
          "build",
          "test/fixtures/buildable.ts",
          "--outdir",
          dir,
          "--no-code-cache",
          "--node-flag=--stack-size=2000",
          "--node-flag",
          "--max-semi-space-size=32"
        ])
        expect(yield* cli.exited).toBe(0)
        const record = yield* invokeBuilt(join(dir, "bootstrap"))
        expect(record.outcome).toMatchObject({ _tag: "Response" })
        const answer = JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null") as {
          flags: Array<string>
        }
        expect(answer.flags).toEqual(["--stack-size=2000", "--max-semi-space-size=32"])
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "build --drop-in: a bootstrap that serves the plain handler _HANDLER names, with the code cache; a module and --drop-in exclude each other",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const cli = yield* spawnFunction(CLI, {}, ["build", "--drop-in", "--outdir", dir])
        expect(yield* cli.exited).toBe(0)
        expect(cli.stderr()).not.toContain("warning")
        const record = yield* invokeBuilt(join(dir, "bootstrap"), {
          LAMBDA_TASK_ROOT: projectFile("test/fixtures/drop-in"),
          _HANDLER: "esm.handler"
        })
        expect(record.outcome).toMatchObject({ _tag: "Response" })
        const answer = JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null") as unknown
        expect(answer).toMatchObject({
          kind: "mjs",
          echo: { name: "cli" },
          requestId: record.requestId,
          codeCache: "accepted"
        })
        for (const args of [["build", "--drop-in", "test/fixtures/buildable.ts"], ["build"]]) {
          const usage = yield* spawnFunction(CLI, {}, [...args, "--outdir", dir])
          expect(yield* usage.exited).toBe(2)
          expect(usage.stderr()).toContain("--drop-in")
        }
      }),
    { timeout: 60_000 }
  )

  it.scopedLive("build: a failed build prints its error and exits 1", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const cli = yield* spawnFunction(CLI, {}, ["build", "test/fixtures/does-not-exist.ts", "--outdir", dir])
      expect(yield* cli.exited).toBe(1)
      expect(cli.stderr()).toContain("does-not-exist.ts")
    }), { timeout: 60_000 })

  it.scopedLive("without a subcommand, prints the usage of every subcommand and exits 1", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, [])
      expect(yield* cli.exited).toBe(1)
      for (const name of ["run", "emulator", "serve", "event", "build"]) {
        expect(cli.stdout()).toContain(`effect-lambda ${name} `)
      }
    }))
})
