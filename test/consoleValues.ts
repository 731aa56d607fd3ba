/**
 * The single-argument values both lines' console suites log in Lambda's JSON format
 * (test/consoleCases.ts checks the lines); apart from the cases so that a function's process can
 * log them without loading vitest.
 */

/** An `Error` subclass with an own field, which the JSON format serialises inside `message`. */
export class BadInput extends Error {
  code = "E_BAD"
}

/**
 * Calls `console.*` with one argument of each kind (and two multi-argument calls), in the order
 * `expectJsonValues` (test/consoleCases.ts) reads the lines back.
 */
export const logJsonValues = (error: Error): void => {
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  console.log({ a: 1, nested: { b: [true, null] } })
  console.info([1, "two"])
  console.warn(42)
  console.error(error)
  console.log("plain %s text")
  console.log("several", { a: 1 }, error)
  console.log(10n)
  console.log(cycle)
}
