/** The `effect-lambda` CLI, run as a user runs it: a child process, real HTTP. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as http from "node:http"
import { paths } from "../src/internal/protocol.js"
import { spawnFunction } from "./process.js"

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

describe("effect-lambda CLI", () => {
  it.scopedLive("run: invokes a module N times with an event file, prints results and timelines, exits 0", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, ["run", "examples/hello.ts", "--event", "examples/events/hello.json", "--count", "2"])
      expect(yield* cli.exited).toBe(0)
      const out = cli.stdout()
      expect(out.match(/\{"greeting":"hello, world"\}/g)).toHaveLength(2)
      expect(out.match(/^START RequestId: \S+ \(\d\/2\)$/gm)).toHaveLength(2)
      expect(out.match(/^END RequestId: .*result posted \+[\d.]+ ms, runtime asked for \/next again/gm)).toHaveLength(2)
      expect(out).toContain("runtime stopped (exit code 0)")
    }))

  it.scopedLive("run: exits 1 when an invocation fails", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, ["run", "examples/errors.ts", "--event", "-"])
      cli.child.stdin?.end(`{"action":"decline"}`)
      expect(yield* cli.exited).toBe(1)
      expect(cli.stdout()).toContain(`"errorType":"PaymentDeclined"`)
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
      const cli = yield* spawnFunction(CLI, {}, ["emulator", "test/fixtures/overrun.ts", "--port", "0", "--timeout", "1"])
      yield* cli.awaitOutput("Press Ctrl+C")
      const host = /emulator on (\S+)/.exec(cli.stdout())![1]!
      const pidOf = (reply: { readonly body: string }) => (JSON.parse(reply.body) as { pid: number }).pid
      const before = pidOf(yield* invoke(host, "{}"))
      // blocks the runtime's event loop far past the deadline: only the platform's timeout ends it
      expect(yield* invoke(host, `{"blockMs":15000}`)).toEqual({ status: 200, body: "Task timed out after 1.00 seconds" })
      const after = yield* invoke(host, "{}")
      expect(after.status).toBe(200)
      expect(pidOf(after)).not.toBe(before)
      // the fresh runtime is kept for the invocations that follow
      expect(pidOf(yield* invoke(host, "{}"))).toBe(pidOf(after))
      expect(cli.stderr()).toContain("timed out; resetting the environment: stopping the runtime and starting a fresh one")
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
      expect(yield* invoke(host, `{"blockMs":2500}`)).toEqual({ status: 200, body: "Task timed out after 1.00 seconds" })
      // its /next after the late result is refused (500): the old runtime exits instead of taking the next invoke
      expect(yield* old.exited).not.toBe(0)
      expect(cli.stderr()).toContain("stop your runtime and start a fresh one")
      expect(cli.stdout() + cli.stderr()).toContain("refused with 500")
      const fresh = yield* spawnFunction("test/fixtures/overrun.ts", env)
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
})
