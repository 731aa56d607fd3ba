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
