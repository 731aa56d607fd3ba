/**
 * The cases both lines' drop-in suites pin (test/NodeHandler.test.ts on Effect 3,
 * packages/effect4/test/DropIn.test.ts on Effect 4), written once: plain Node functions and what
 * the Runtime API must receive for them.
 */

/** A plain Node handler of any form. */
export type PlainHandler = (event: unknown, context: unknown, callback?: unknown) => unknown

const plain = { reason: "nope" }

/**
 * Thrown or rejected non-`Error`s, posted under `typeof value` with `String(value)` as the
 * official client does (and an `Error`, which keeps its name): handler, errorType, errorMessage.
 */
export const failureCases: ReadonlyArray<readonly [PlainHandler, string, string]> = [
  [() => Promise.reject("a plain string"), "string", "a plain string"],
  [
    async () => {
      throw 42
    },
    "number",
    "42"
  ],
  [
    () => {
      throw plain
    },
    "object",
    "[object Object]"
  ],
  [() => Promise.reject(null), "object", "null"],
  [() => Promise.reject(false), "boolean", "false"],
  [
    (_event: unknown, _context: unknown, callback: unknown) => (callback as (error: unknown) => void)("by callback"),
    "string",
    "by callback"
  ],
  [
    () => Promise.reject(Object.create(null)),
    "handled",
    "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack"
  ]
]

/** The legacy members of Node's context, which Lambda's `nodejs24.x` removed. */
export const legacyMembers = ["callbackWaitsForEmptyEventLoop", "succeed", "fail", "done"]

/** Which legacy members `context` has. */
export const legacyOf = (context: object): ReadonlyArray<string> => legacyMembers.filter((name) => name in context)
