/**
 * What both lines' console suites pin (test/Console.test.ts on Effect 3,
 * packages/effect4/test/Console.test.ts on Effect 4), written once: the lines their console
 * fixtures write for each invocation, how a text line is read, and the single-argument values of
 * the JSON format with what Lambda's JSON line must hold for each.
 */
import { expect } from "@effect/vitest"

export { BadInput, logJsonValues } from "./consoleValues.js"

const textLine = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]+)\t([A-Z]+)\t(.*)$/s

/** The Lambda text-format lines among `lines`: request id, level and message. */
export const parseText = (lines: ReadonlyArray<string>) =>
  lines.flatMap((line) => {
    const match = textLine.exec(line)
    return match === null ? [] : [{ requestId: match[2]!, level: match[3]!, message: match[4]! }]
  })

/**
 * The messages a console fixture writes for the invocation tagged `tag`: from the handler, promise
 * code, a timer, a fiber resumed by a callback started outside the invocation, and detached work.
 */
export const messagesOf = (tag: string) => [
  `handler ${tag} 1`,
  `info ${tag}`,
  `warn ${tag}`,
  `after await ${tag}`,
  `after timer ${tag}`,
  `resumed from callback ${tag}`,
  `after foreign callback ${tag}`,
  `promise after foreign callback ${tag}`,
  `detached ${tag}`,
  `detached promise ${tag}`
]

/**
 * Checks the JSON lines `logJsonValues` (test/consoleValues.ts) wrote, under `requestId`. `stack` is the logged
 * error's stack when the test has it (in-process); otherwise its first line is checked.
 */
export const expectJsonValues = (
  records: ReadonlyArray<Record<string, unknown>>,
  requestId: string,
  stack: string | undefined
): void => {
  const [object, array, number, thrown, text, several, big, circular] = records
  expect(object).toMatchObject({ level: "INFO", requestId, message: { a: 1, nested: { b: [true, null] } } })
  expect(typeof object!.timestamp).toBe("string")
  expect(array!.message).toEqual([1, "two"])
  expect(number).toMatchObject({ level: "WARN", message: 42 })
  // As the official client: errorType is the constructor's name, the stack's lines, then the own fields.
  expect(thrown).toMatchObject({ level: "ERROR" })
  expect(thrown!.message).toEqual({
    errorType: "BadInput",
    errorMessage: "bad input",
    stackTrace: stack === undefined ? expect.arrayContaining(["Error: bad input"]) : stack.split("\n"),
    code: "E_BAD"
  })
  expect(thrown!.errorType).toBeUndefined()
  expect(text!.message).toBe("plain %s text")
  // Several arguments stay util.format'ed text, the first Error's fields beside the message.
  expect(typeof several!.message).toBe("string")
  expect(several!.message).toMatch(/^several \{ a: 1 \} BadInput \[Error\]: bad input\n/)
  expect(several).toMatchObject({ errorMessage: "bad input" })
  // What JSON refuses is util.format'ed, as there.
  expect(big!.message).toBe("10n")
  expect(circular!.message).toBe("<ref *1> { self: [Circular *1] }")
}

/** What a console fixture wrote for its invocations: its stdout lines, the request id of each tag, its stderr. */
export interface ConsoleRun {
  readonly lines: ReadonlyArray<string>
  readonly ids: Readonly<Record<string, string>>
  readonly stderr: string
}

const tags = ["alpha", "bravo"]

/** The JSON lines of a run (the first line is the fixture's module-level one, written before the console is installed). */
const jsonRecords = (lines: ReadonlyArray<string>) =>
  lines.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>)

/**
 * The checks of a console fixture's run (invocations tagged alpha and bravo), one per test: each
 * line's request id and level, what `AWS_LAMBDA_LOG_LEVEL` lets through, and `console: false`.
 */
export const consoleChecks = {
  /** Text format at TRACE: every line carries its invocation's request id and its level. */
  text: ({ ids, lines }: ConsoleRun): void => {
    const records = parseText(lines)
    // Module code runs before `LambdaRuntime.run` installs the console.
    expect(lines[0]).toBe("module loaded")
    for (const tag of tags) {
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
  },
  /** JSON format at WARN: the fields of each line, the Error serialised, nothing below WARN. */
  jsonFiltered: ({ ids, lines }: ConsoleRun): void => {
    const records = jsonRecords(lines)
    for (const tag of tags) {
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
  },
  /** JSON format, no level set: every line, DEBUG and TRACE too. */
  jsonUnset: ({ ids, lines }: ConsoleRun): void => {
    const records = jsonRecords(lines)
    for (const tag of tags) {
      for (const message of messagesOf(tag)) {
        expect(records.find((record) => record.message === message), message).toMatchObject({ requestId: ids[tag] })
      }
      // The official client's default lets every console line through (no level set, no filter).
      for (const level of ["DEBUG", "TRACE"]) {
        expect(records.find((record) => record.message === `${level.toLowerCase()} ${tag}`)).toMatchObject({
          level,
          requestId: ids[tag]
        })
      }
    }
  },
  /** Text format, no level set: the DEBUG and TRACE lines are written. */
  textUnset: ({ ids, lines }: ConsoleRun): void => {
    const records = parseText(lines)
    for (const tag of tags) {
      for (const level of ["DEBUG", "TRACE"]) {
        const message = `${level.toLowerCase()} ${tag}`
        expect(records.find((record) => record.message === message)).toEqual({ requestId: ids[tag], level, message })
      }
    }
  },
  /** `console: false`: Node's own console (no Lambda format, warnings on stderr). */
  off: ({ lines, stderr }: ConsoleRun): void => {
    expect(lines).toContain("module loaded")
    expect(lines).toContain("handler alpha 1")
    expect(lines).toContain("detached promise bravo")
    expect(parseText(lines).filter((record) => record.message.includes("handler"))).toEqual([])
    expect(stderr).toContain("warn alpha")
  }
}

/** The JSON lines of a run whose invocation logged `logJsonValues`. */
export const jsonValueRecords = (lines: ReadonlyArray<string>) => jsonRecords(lines)

/**
 * The console fixture's runs both lines' suites make: the test's title, the function's
 * environment, the check of what it wrote.
 */
export const consoleRuns: ReadonlyArray<readonly [string, Record<string, string>, (run: ConsoleRun) => void]> = [
  [
    "text: every console line carries its invocation's request id, from handler, promise and detached code",
    { AWS_LAMBDA_LOG_LEVEL: "TRACE" },
    consoleChecks.text
  ],
  [
    "JSON: timestamp, level, requestId, message, the error's fields, and AWS_LAMBDA_LOG_LEVEL filtering",
    { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "WARN" },
    consoleChecks.jsonFiltered
  ],
  [
    "JSON with AWS_LAMBDA_LOG_LEVEL unset keeps every console line, DEBUG and TRACE too, with its request id",
    { AWS_LAMBDA_LOG_FORMAT: "JSON" },
    consoleChecks.jsonUnset
  ],
  ["text with AWS_LAMBDA_LOG_LEVEL unset keeps console.debug and console.trace lines", {}, consoleChecks.textUnset],
  ["console: false leaves console as Node's", { FIXTURE_CONSOLE: "off" }, consoleChecks.off]
]
