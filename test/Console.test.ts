import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, LogLevel } from "effect"
import { installConsole } from "../src/internal/runtime/console.js"
import * as Emulator from "../src/Emulator.js"
import { LambdaRuntime } from "../src/index.js"
import { BadInput, consoleRuns, expectJsonValues, logJsonValues } from "./consoleCases.js"
import { spawnFunction } from "./process.js"
import { inProcess, serveOn } from "./support.js"

/** Runs test/fixtures/console.ts for two invocations (tags alpha and bravo) and returns its stdout lines and request ids. */
const runConsoleFixture = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const fn = yield* spawnFunction("test/fixtures/console.ts", { ...emulator.environment, ...env })
    const ids: Record<string, string> = {}
    for (const tag of ["alpha", "bravo"]) {
      const record = yield* emulator.invoke({ tag })
      expect(record.outcome).toMatchObject({ _tag: "Response", text: JSON.stringify(tag) })
      ids[tag] = record.requestId
      // The detached window ends before the next `/next`.
      yield* emulator.awaitNextRequest(tag === "alpha" ? 2 : 3)
    }
    return { lines: fn.stdout().split("\n").filter((line) => line.length > 0), ids, stderr: fn.stderr() }
  })

/** The JSON lines `installConsole("JSON", ...)` writes while `body` calls `console.*`. */
const jsonConsoleLines = (body: () => void): Array<Record<string, unknown>> => {
  const lines: Array<string> = []
  const restore = installConsole(
    "JSON",
    LogLevel.All,
    () => ({ requestId: "request-1", tenantId: undefined }),
    (line) => lines.push(line)
  )
  try {
    body()
  } finally {
    restore()
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe("Lambda-formatted console", () => {
  for (const [title, environment, check] of consoleRuns) {
    it.scopedLive(title, () =>
      Effect.gen(function*() {
        check(yield* runConsoleFixture(environment))
      }))
  }

  it("JSON: a single non-string argument is the message's JSON value, a single Error is serialised in it", () => {
    const error = new BadInput("bad input")
    expectJsonValues(jsonConsoleLines(() => logJsonValues(error)), "request-1", error.stack)
  })

  it.scopedLive("serve leaves console alone by default; with console: true it installs it and restores it on shutdown", () =>
    Effect.gen(function*() {
      const original = { log: console.log, error: console.error }
      const handler = () =>
        Effect.sync(() => ({ log: console.log === original.log, error: console.error === original.error }))
      const plain = yield* Emulator.make()
      yield* serveOn(plain, LambdaRuntime.serve(handler, inProcess))
      const untouched = yield* plain.invoke({})
      expect(untouched.outcome).toMatchObject({ text: JSON.stringify({ log: true, error: true }) })

      const emulator = yield* Emulator.make()
      const { fiber } = yield* serveOn(emulator, LambdaRuntime.serve(handler, { ...inProcess, console: true }))
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ text: JSON.stringify({ log: false, error: false }) })
      yield* Fiber.interrupt(fiber)
      expect(console.log).toBe(original.log)
      expect(console.error).toBe(original.error)
    }))
})
