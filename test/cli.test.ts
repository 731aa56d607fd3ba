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

  it.scopedLive("prints the usage and exits 2 on a bad command line", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, ["run"])
      expect(yield* cli.exited).toBe(2)
      expect(cli.stderr()).toContain("Usage:")
    }))
})
