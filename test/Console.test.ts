import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, LogLevel } from "effect"
import { installConsole } from "../src/internal/runtime/console.js"
import * as Emulator from "../src/Emulator.js"
import { LambdaRuntime } from "../src/index.js"
import { BadInput, expectJsonValues, logJsonValues, messagesOf, parseText } from "./consoleCases.js"
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
  it("JSON: a single non-string argument is the message's JSON value, a single Error is serialised in it", () => {
    const error = new BadInput("bad input")
    expectJsonValues(jsonConsoleLines(() => logJsonValues(error)), "request-1", error.stack)
  })

  it.scopedLive("text: every console line carries its invocation's request id, from handler, promise and detached code", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({ AWS_LAMBDA_LOG_LEVEL: "TRACE" })
      const records = parseText(lines)
      // Module code runs before `LambdaRuntime.run` installs the console.
      expect(lines[0]).toBe("module loaded")
      for (const tag of ["alpha", "bravo"]) {
        const mine = records.filter((record) => record.message.includes(tag))
        for (const message of messagesOf(tag)) {
          expect(mine.find((record) => record.message === message), message).toMatchObject({ requestId: ids[tag] })
        }
        expect(mine.every((record) => record.requestId === ids[tag])).toBe(true)
        const levels = Object.fromEntries(mine.map((record) => [record.message.split(" ")[0], record.level]))
        expect(levels).toMatchObject({
          handler: "INFO",
          info: "INFO",
          warn: "WARN",
          debug: "DEBUG",
          trace: "TRACE",
          multi: "ERROR"
        })
        // One line per call: the message's newlines become carriage returns, as Node's runtime writes them.
        expect(mine.find((record) => record.message.startsWith("multi"))!.message).toBe(`multi ${tag}\rline two`)
        expect(mine.find((record) => record.message.includes(`Error: boom ${tag}`))).toMatchObject({ level: "ERROR" })
      }
    }))

  it.scopedLive("JSON: timestamp, level, requestId, message, the error's fields, and AWS_LAMBDA_LOG_LEVEL filtering", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({ AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "WARN" })
      const records = lines.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>)
      for (const tag of ["alpha", "bravo"]) {
        const mine = records.filter((record) => JSON.stringify(record.message).includes(tag))
        expect(mine.map((record) => [record.level, typeof record.message === "string" ? record.message : "(object)"]))
          .toEqual([
            ["WARN", `warn ${tag}`],
            ["ERROR", `multi ${tag}\nline two`],
            ["ERROR", "(object)"]
          ])
        for (const record of mine) {
          expect(record.requestId).toBe(ids[tag])
          expect(typeof record.timestamp).toBe("string")
        }
        // A single Error argument is serialised inside `message`, as the official client writes it.
        const error = mine[2]!.message as Record<string, unknown>
        expect(error).toMatchObject({ errorType: "Error", errorMessage: `boom ${tag}` })
        expect((error.stackTrace as Array<string>)[0]).toBe(`Error: boom ${tag}`)
      }
      expect(records.some((record) => record.level === "INFO" || record.level === "DEBUG")).toBe(false)
    }))

  it.scopedLive("JSON with AWS_LAMBDA_LOG_LEVEL unset keeps every console line, DEBUG and TRACE too, with its request id", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({ AWS_LAMBDA_LOG_FORMAT: "JSON" })
      const records = lines.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>)
      for (const tag of ["alpha", "bravo"]) {
        for (const message of messagesOf(tag)) {
          expect(records.find((record) => record.message === message), message).toMatchObject({ requestId: ids[tag] })
        }
        // The official client's default lets every console line through (no level set, no filter).
        expect(records.find((record) => record.message === `debug ${tag}`)).toMatchObject({
          level: "DEBUG",
          requestId: ids[tag]
        })
        expect(records.find((record) => record.message === `trace ${tag}`)).toMatchObject({
          level: "TRACE",
          requestId: ids[tag]
        })
      }
    }))

  it.scopedLive("text with AWS_LAMBDA_LOG_LEVEL unset keeps console.debug and console.trace lines", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({})
      const records = parseText(lines)
      for (const tag of ["alpha", "bravo"]) {
        expect(records.find((record) => record.message === `debug ${tag}`)).toEqual({
          requestId: ids[tag],
          level: "DEBUG",
          message: `debug ${tag}`
        })
        expect(records.find((record) => record.message === `trace ${tag}`)).toEqual({
          requestId: ids[tag],
          level: "TRACE",
          message: `trace ${tag}`
        })
      }
    }))

  it.scopedLive("console: false leaves console as Node's", () =>
    Effect.gen(function*() {
      const { lines, stderr } = yield* runConsoleFixture({ FIXTURE_CONSOLE: "off" })
      expect(lines).toContain("module loaded")
      expect(lines).toContain("handler alpha 1")
      expect(lines).toContain("detached promise bravo")
      expect(parseText(lines).filter((record) => record.message.includes("handler"))).toEqual([])
      expect(stderr).toContain("warn alpha")
    }))

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
