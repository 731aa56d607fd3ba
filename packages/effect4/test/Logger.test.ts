/**
 * The Effect 4 line's Lambda logger (src/internal/logger.ts) never throws and writes one line per
 * entry, whatever it is given: the entries and checks of test/loggerCases.ts (the hostile values
 * and a 5 MB string as message, annotation, request id, failure and defect), which the Effect 3
 * line's test/Logger.test.ts uses too, in the text and the JSON format. The logger is called as
 * Effect calls it, from a fiber whose annotations it reads.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { hostile } from "../../../test/hostile.js"
import { linesExpected, linesSeen, loggerEntries } from "../../../test/loggerCases.js"
import * as LambdaLogger from "../src/internal/logger.js"

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
        for (const { annotations, cause, message } of loggerEntries()) {
          const made = cause._tag === "Empty"
            ? Cause.empty
            : cause._tag === "Fail"
            ? Cause.fail(cause.value)
            : Cause.die(cause.value)
          yield* logWith(logger, message, made, annotations)
        }
        expect(linesSeen(format, lines)).toEqual(linesExpected(format))
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
