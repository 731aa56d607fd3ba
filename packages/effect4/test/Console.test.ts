/**
 * The Lambda-formatted console on the Effect 4 line, as test/Console.test.ts pins it on the
 * Effect 3 line (the cases are test/consoleCases.ts's): a function's process against the emulator,
 * and `serve` in-process for installing and restoring the console.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { consoleRuns, expectJsonValues, jsonValueRecords } from "../../../test/consoleCases.js"
import * as Emulator from "../src/Emulator.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { spawnFunction } from "./process.js"
import { inProcess, responseJson, serveOn } from "./support.js"

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

describe("Effect 4: Lambda-formatted console", () => {
  for (const [title, environment, check] of consoleRuns) {
    it.live(title, () =>
      Effect.gen(function*() {
        check(yield* runConsoleFixture(environment))
      }))
  }

  it.live("JSON: a single non-string argument is the message's JSON value, a single Error is serialised in it", () =>
    Effect.gen(function*() {
      const { ids, lines } = yield* runConsoleFixture({ AWS_LAMBDA_LOG_FORMAT: "JSON" }, ["values"])
      expectJsonValues(jsonValueRecords(lines), ids.values!, undefined)
    }))

  it.live("serve leaves console alone by default; with console: true it installs it and restores it on shutdown", () =>
    Effect.gen(function*() {
      const original = [console.log, console.error]
      // What the handler sees: whether console.log and console.error are still Node's.
      const handler = () => Effect.sync(() => [console.log, console.error].map((method, i) => method === original[i]))
      const [plain, emulator] = [yield* Emulator.make(), yield* Emulator.make()]
      yield* serveOn(plain, LambdaRuntime.serve(handler, inProcess))
      expect(responseJson(yield* plain.invoke({}))).toEqual([true, true])
      const fiber = yield* serveOn(emulator, LambdaRuntime.serve(handler, { ...inProcess, console: true }))
      expect(responseJson(yield* emulator.invoke({}))).toEqual([false, false])
      yield* Fiber.interrupt(fiber)
      expect([console.log, console.error]).toEqual(original)
    }))
})
