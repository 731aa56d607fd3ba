import { describe, expect, it } from "@effect/vitest"
import { Cause, Data, Effect, FiberId, FiberRefs, HashMap, List, Logger, LogLevel } from "effect"
import * as LambdaLogger from "../src/internal/runtime/logger.js"
import { hostile } from "./hostile.js"
import { linesExpected, linesSeen, loggerEntries } from "./loggerCases.js"

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
    for (const format of ["Text", "JSON"] as const) {
      it(`${format}: as message, annotation, request id, failure and defect, one line per entry`, () => {
        const lines: Array<string> = []
        const logger = LambdaLogger.make(format, (line) => lines.push(line))
        // Called directly: `Effect.log` itself throws on a Proxy message (it asks whether it is a Cause).
        for (const { annotations, cause, message } of loggerEntries()) {
          logger.log({
            fiberId: FiberId.none,
            logLevel: LogLevel.Error,
            message,
            cause: cause._tag === "Empty"
              ? Cause.empty
              : cause._tag === "Fail"
              ? Cause.fail(cause.value)
              : Cause.die(cause.value),
            context: FiberRefs.empty(),
            spans: List.empty(),
            annotations: HashMap.fromIterable(Object.entries(annotations)),
            date: new Date()
          })
        }
        expect(linesSeen(format, lines)).toEqual(linesExpected(format))
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
