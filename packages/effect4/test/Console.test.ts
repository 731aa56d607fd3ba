/**
 * The Lambda-formatted console on the Effect 4 line, as test/Console.test.ts pins it on the
 * Effect 3 line (the cases are test/consoleCases.ts's): a function's process against the emulator,
 * and `serve` in-process for installing and restoring the console.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { expectJsonValues, messagesOf, parseText } from "../../../test/consoleCases.js"
import * as Emulator from "../src/Emulator.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { spawnFunction } from "./process.js"
import { inProcess, serveOn } from "./support.js"

/** Runs test/fixtures/consoleLines.ts for invocations tagged `tags`; its stdout lines and request ids. */
const runConsoleFixture = (env: Record<string, string>, tags: ReadonlyArray<string> = ["alpha", "bravo"]) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const fn = yield* spawnFunction("test/fixtures/consoleLines.ts", { ...emulator.environment, ...env })
    const ids: Record<string, string> = {}
    for (const [index, tag] of tags.entries()) {
      const record = yield* emulator.invoke({ tag })
      expect(record.outcome).toMatchObject({ _tag: "Response", text: JSON.stringify(tag) })
      ids[tag] = record.requestId
      // The detached window ends before the next `/next`.
      yield* emulator.awaitNextRequest(index + 2)
    }
    return { lines: fn.stdout().split("\n").filter((line) => line.length > 0), ids, stderr: fn.stderr() }
  })

const jsonRecords = (lines: ReadonlyArray<string>) =>
  lines.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>)

describe("Effect 4: Lambda-formatted console", () => {
  it.live("text: every console line carries its invocation's request id, from handler, promise and detached code", () =>
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

  it.live("JSON: timestamp, level, requestId, message, the error's fields, and AWS_LAMBDA_LOG_LEVEL filtering", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({ AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "WARN" })
      const records = jsonRecords(lines)
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

  it.live("JSON: a single non-string argument is the message's JSON value, a single Error is serialised in it", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({ AWS_LAMBDA_LOG_FORMAT: "JSON" }, ["values"])
      expectJsonValues(jsonRecords(lines), ids.values!, undefined)
    }))

  it.live("JSON with AWS_LAMBDA_LOG_LEVEL unset keeps every console line, DEBUG and TRACE too, with its request id", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({ AWS_LAMBDA_LOG_FORMAT: "JSON" })
      const records = jsonRecords(lines)
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

  it.live("text with AWS_LAMBDA_LOG_LEVEL unset keeps console.debug and console.trace lines", () =>
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

  it.live("console: false leaves console as Node's", () =>
    Effect.gen(function*() {
      const { lines, stderr } = yield* runConsoleFixture({ FIXTURE_CONSOLE: "off" })
      expect(lines).toContain("module loaded")
      expect(lines).toContain("handler alpha 1")
      expect(lines).toContain("detached promise bravo")
      expect(parseText(lines).filter((record) => record.message.includes("handler"))).toEqual([])
      expect(stderr).toContain("warn alpha")
    }))

  it.live("serve leaves console alone by default; with console: true it installs it and restores it on shutdown", () =>
    Effect.gen(function*() {
      const original = { log: console.log, error: console.error }
      const handler = () =>
        Effect.sync(() => ({ log: console.log === original.log, error: console.error === original.error }))
      const plain = yield* Emulator.make()
      yield* serveOn(plain, LambdaRuntime.serve(handler, inProcess))
      const untouched = yield* plain.invoke({})
      expect(untouched.outcome).toMatchObject({ text: JSON.stringify({ log: true, error: true }) })

      const emulator = yield* Emulator.make()
      const fiber = yield* serveOn(emulator, LambdaRuntime.serve(handler, { ...inProcess, console: true }))
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ text: JSON.stringify({ log: false, error: false }) })
      yield* Fiber.interrupt(fiber)
      expect(console.log).toBe(original.log)
      expect(console.error).toBe(original.error)
    }))
})
