/**
 * The Effect 4 line's Lambda logger (src/internal/logger.ts) never throws and writes one line per
 * entry, whatever it is given: the hostile values of test/hostile.ts (which both lines share) and
 * a 5 MB string as message, annotation, request id, failure and defect, in the text and the JSON
 * format. The cases are the Effect 3 line's (test/Logger.test.ts "never throws, whatever it is
 * given"); the logger is called as Effect calls it, from a fiber whose annotations it reads.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { hostile } from "../../../test/hostile.js"
import * as LambdaLogger from "../src/internal/logger.js"

const values: Record<string, () => unknown> = { ...hostile, hugeString: () => "h".repeat(5 * 1024 * 1024) }

/**
 * One entry written by `logger` from the current fiber, with `annotations`: called directly,
 * since `Effect.log` itself looks into its message (to tell a Cause) and throws on a Proxy.
 */
const logWith = (
  logger: ReturnType<typeof LambdaLogger.make>,
  message: unknown,
  cause: Cause.Cause<unknown>,
  annotations: Record<string, unknown>
) =>
  Effect.withFiber((fiber) =>
    Effect.sync(() => logger.log({ message, logLevel: "Error", cause, fiber, date: new Date() }))
  )
    .pipe(Effect.annotateLogs(annotations))

describe("Effect 4: the Lambda logger never throws, whatever it is given", () => {
  for (const format of ["Text", "JSON"] as const) {
    it.effect(`${format}: as message, annotation, request id, failure and defect, one line per entry`, () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const logger = LambdaLogger.make(format, (line) => lines.push(line))
        const names = Object.keys(values)
        for (const name of names) {
          const value = values[name]!
          yield* logWith(logger, ["as message", value()], Cause.empty, { requestId: "req-h", odd: value() })
          yield* logWith(logger, value(), Cause.empty, { requestId: "req-h" })
          yield* logWith(logger, "as request id", Cause.empty, { requestId: value() })
          yield* logWith(logger, "as failure", Cause.fail(value()), { requestId: "req-h" })
          yield* logWith(logger, "as defect", Cause.die(value()), { requestId: "req-h" })
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
      }))
  }

  it.effect("a cause Cause.pretty throws on is written as one Error line per failure and defect", () =>
    Effect.gen(function*() {
      // Made from its reasons: `Cause.combine` hashes them, and a Proxy throws there first.
      const cause = Cause.fromReasons([
        ...Cause.fail({ _tag: "X", amount: 10n }).reasons,
        ...Cause.die(hostile.proxy!()).reasons
      ])
      expect(() => Cause.pretty(cause)).toThrow()
      const lines: Array<string> = []
      yield* logWith(LambdaLogger.make("Text", (line) => lines.push(line)), "both", cause, { requestId: "req-h" })
      expect(lines).toHaveLength(1)
      expect(lines[0]!.endsWith(`\tERROR\tboth\nError: {"_tag":"X","amount":"10"}\nError: [object]`)).toBe(true)
    }))
})
