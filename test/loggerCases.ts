/**
 * What both lines' logger tests give their Lambda logger and check of the lines it writes: every
 * hostile value (hostile.ts) and a 5 MB string as message, annotation, request id, failure and
 * defect. No Effect, no vitest: each suite logs {@link loggerEntries} with its own logger and
 * asserts `linesSeen(format, lines)` equals `linesExpected(format)`.
 */
import { hostile } from "./hostile.js"

/** Name -> a fresh value to log. */
export const loggerValues: Record<string, () => unknown> = {
  ...hostile,
  hugeString: () => "h".repeat(5 * 1024 * 1024)
}

/** One entry to log: its message, what its cause is made of (none, a failure, a defect) and its annotations. */
export interface LoggerEntry {
  readonly message: unknown
  readonly cause: { readonly _tag: "Empty" } | { readonly _tag: "Fail" | "Die"; readonly value: unknown }
  readonly annotations: Record<string, unknown>
}

/** Five entries per value: as message (with an annotation), alone, as request id, as failure, as defect. */
export const loggerEntries = (): Array<LoggerEntry> =>
  Object.values(loggerValues).flatMap((value): Array<LoggerEntry> => [
    { message: ["as message", value()], cause: { _tag: "Empty" }, annotations: { requestId: "req-h", odd: value() } },
    { message: value(), cause: { _tag: "Empty" }, annotations: { requestId: "req-h" } },
    { message: "as request id", cause: { _tag: "Empty" }, annotations: { requestId: value() } },
    { message: "as failure", cause: { _tag: "Fail", value: value() }, annotations: { requestId: "req-h" } },
    { message: "as defect", cause: { _tag: "Die", value: value() }, annotations: { requestId: "req-h" } }
  ])

/** What the written lines say (parsed, in the JSON format). */
export const linesSeen = (format: "Text" | "JSON", lines: ReadonlyArray<string>) => {
  if (format === "Text") {
    return {
      lines: lines.length,
      withRequestId: lines.filter((line) => line.includes("\treq-h\tERROR\t")).length,
      defects: lines.filter((line) => line.includes("\tERROR\tas defect\n")).length
    }
  }
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  const failures = records.filter((record) => record.message === "as failure")
  const tagged = failures.find((record) => record.errorType === "X")
  return {
    lines: lines.length,
    withRequestId: records.filter((record) => record.requestId === "req-h").length,
    errorTypesAreStrings: failures.length > 0 && failures.every((record) => typeof record.errorType === "string"),
    stackTracesAreArrays: failures.length > 0 && failures.every((record) => Array.isArray(record.stackTrace)),
    // The BigInt failure, written as Lambda's JSON can hold it.
    taggedMessage: tagged?.errorMessage
  }
}

/** What {@link linesSeen} must be: one line per entry, the request id on the four that carry it. */
export const linesExpected = (format: "Text" | "JSON") => {
  const values = Object.keys(loggerValues).length
  return format === "Text"
    ? { lines: values * 5, withRequestId: values * 4, defects: values }
    : {
      lines: values * 5,
      withRequestId: values * 4,
      errorTypesAreStrings: true,
      stackTracesAreArrays: true,
      taggedMessage: `{"amount":"10"}`
    }
}
