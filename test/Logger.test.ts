import { describe, expect, it } from "@effect/vitest"
import { Cause, Data, Effect, FiberId, FiberRefs, HashMap, List, Logger, LogLevel } from "effect"
import * as LambdaLogger from "../src/internal/runtime/logger.js"
import { hostile } from "./hostile.js"

const capture = (format: LambdaLogger.LogFormat, level: LogLevel.LogLevel = LogLevel.Info) => {
  const lines: Array<string> = []
  const layer = Logger.replace(Logger.defaultLogger, LambdaLogger.make(format, (line) => lines.push(line)))
  const run = <A, E>(effect: Effect.Effect<A, E>) =>
    effect.pipe(Effect.provide(layer), Logger.withMinimumLogLevel(level))
  return { lines, run }
}

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

describe("Logger", () => {
  it.effect("writes Lambda's text format: timestamp, request id, level, message", () =>
    Effect.gen(function*() {
      const { lines, run } = capture("Text")
      yield* run(Effect.log("hello", { a: 1 }).pipe(Effect.annotateLogs({ requestId: "req-1", user: "u1" })))
      yield* run(Effect.logWarning("outside"))
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-1\tINFO\thello {"a":1} user=u1$/)
      expect(lines[1]).toMatch(/\tundefined\tWARN\toutside$/)
    }))

  it.effect("writes Lambda's JSON format with annotations and the error fields", () =>
    Effect.gen(function*() {
      const { lines, run } = capture("JSON")
      yield* run(
        Effect.logError("failed", new Boom({ message: "bad" })).pipe(
          Effect.annotateLogs({ requestId: "req-2", orderId: "o-7" })
        )
      )
      yield* run(
        Effect.logError("with cause").pipe(
          Effect.zipRight(Effect.fail(new Boom({ message: "bad" }))),
          Effect.catchAllCause((cause) => Effect.logError("caught", cause))
        )
      )
      const record = JSON.parse(lines[0]!)
      expect(record).toMatchObject({ level: "ERROR", requestId: "req-2", orderId: "o-7" })
      expect(typeof record.timestamp).toBe("string")
      expect(record.message).toContain("failed")
      const withCause = JSON.parse(lines[2]!)
      expect(withCause).toMatchObject({ message: "caught", errorType: "Boom", errorMessage: "bad" })
      expect(Array.isArray(withCause.stackTrace)).toBe(true)
    }))

  it.effect("drops lines below the configured level", () =>
    Effect.gen(function*() {
      const { lines, run } = capture("JSON", LambdaLogger.parseLogLevel("WARN")!)
      yield* run(
        Effect.logInfo("dropped").pipe(
          Effect.zipRight(Effect.logDebug("dropped too")),
          Effect.zipRight(Effect.logWarning("kept"))
        )
      )
      expect(lines.map((line) => JSON.parse(line).message)).toEqual(["kept"])
      expect(JSON.parse(lines[0]!).level).toBe("WARN")
    }))

  describe("never throws, whatever it is given", () => {
    const values: Record<string, () => unknown> = { ...hostile, hugeString: () => "h".repeat(5 * 1024 * 1024) }
    for (const format of ["Text", "JSON"] as const) {
      it(`${format}: as message, annotation, request id, failure and defect, one line per entry`, () => {
        const lines: Array<string> = []
        const logger = LambdaLogger.make(format, (line) => lines.push(line))
        // Called directly: `Effect.log` itself throws on a Proxy message (it asks whether it is a Cause).
        const log = (message: unknown, cause: Cause.Cause<unknown>, annotations: Record<string, unknown>) =>
          logger.log({
            fiberId: FiberId.none,
            logLevel: LogLevel.Error,
            message,
            cause,
            context: FiberRefs.empty(),
            spans: List.empty(),
            annotations: HashMap.fromIterable(Object.entries(annotations)),
            date: new Date()
          })
        const names = Object.keys(values)
        for (const name of names) {
          const value = values[name]!
          log(["as message", value()], Cause.empty, { requestId: "req-h", odd: value() })
          log(value(), Cause.empty, { requestId: "req-h" })
          log("as request id", Cause.empty, { requestId: value() })
          log("as failure", Cause.fail(value()), { requestId: "req-h" })
          log("as defect", Cause.die(value()), { requestId: "req-h" })
        }
        expect(lines).toHaveLength(names.length * 5)
        if (format === "JSON") {
          const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
          expect(records.filter((record) => record.requestId === "req-h")).toHaveLength(names.length * 4)
          const failures = records.filter((record) => record.message === "as failure")
          expect(failures.map((record) => typeof record.errorType)).toEqual(names.map(() => "string"))
          expect(failures.every((record) => Array.isArray(record.stackTrace))).toBe(true)
          expect(records.find((record) => record.message === "as failure" && record.errorType === "X")).toMatchObject({
            errorMessage: `{"amount":"10"}`
          })
        } else {
          expect(lines.filter((line) => line.includes("\treq-h\tERROR\t"))).toHaveLength(names.length * 4)
          expect(lines.filter((line) => line.includes("\tERROR\tas defect\n"))).toHaveLength(names.length)
        }
      })
    }

    it("prettyCause falls back to one line per failure when Cause.pretty throws", () => {
      const cause = Cause.sequential(Cause.fail({ _tag: "X", amount: 10n }), Cause.die(hostile.proxy!()))
      expect(() => Cause.pretty(cause)).toThrow()
      expect(LambdaLogger.prettyCause(cause)).toBe(`Error: {"_tag":"X","amount":"10"}\nError: [object]`)
    })
  })

  it("maps AWS_LAMBDA_LOG_LEVEL names to Effect levels", () => {
    expect(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"].map((name) => LambdaLogger.parseLogLevel(name)?.label))
      .toEqual(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"])
    expect(LambdaLogger.parseLogLevel("LOUD")).toBeUndefined()
  })
})
