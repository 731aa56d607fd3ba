/**
 * Values no error reporter expects: each one once crashed the runtime while it reported a
 * failure (issue 10). Shared by the fault tests and their child-process fixture.
 */

const throwingGetter = <A extends object>(target: A, key: string): A =>
  Object.defineProperty(target, key, {
    get() {
      throw new Error(`${key} getter`)
    }
  })

/** A Proxy whose handler answers every trap with one that throws. */
const proxyThrowingOnEveryTrap = (): object =>
  new Proxy(
    {},
    new Proxy({}, {
      get: (_target, trap) => () => {
        throw new Error(`trap ${String(trap)}`)
      }
    })
  )

const cyclic = () => {
  const value: Record<string, unknown> = { _tag: "Cyclic" }
  value.self = value
  return value
}

/** Name -> a fresh value (fresh, so a getter's side effects never leak between invocations). */
export const hostile: Record<string, () => unknown> = {
  nullPrototype: () => Object.create(null),
  throwingMessage: () => throwingGetter(new Error("hidden"), "message"),
  throwingTag: () => throwingGetter({ message: "tagged" }, "_tag"),
  throwingStack: () => throwingGetter(new Error("no stack"), "stack"),
  throwingName: () => throwingGetter(new Error("no name"), "name"),
  throwingToJsonAndToString: () => ({
    toJSON() {
      throw null
    },
    toString() {
      throw undefined
    }
  }),
  proxy: proxyThrowingOnEveryTrap,
  bigint: () => ({ _tag: "X", amount: 10n }),
  cyclic,
  // Not hostile to JavaScript, but to the protocol: an empty error-type trailer reads as "no error".
  emptyTag: () => ({ _tag: "", message: "empty tag" })
}

export type HostileName = keyof typeof hostile

/** A Lambda error document, as the tests compare it. */
export interface HostileDocument {
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace: ReadonlyArray<string>
}

/**
 * What each hostile value is reported as (the same on both lines of the runtime: the document is
 * the shared core's), failed with (`Effect.fail`) and died with (`Effect.die`).
 */
export const hostileDocuments: Record<string, { readonly fail: HostileDocument; readonly die: HostileDocument }> = {
  nullPrototype: {
    fail: { errorType: "Runtime.HandlerError", errorMessage: "[object Object]", stackTrace: [] },
    die: { errorType: "Runtime.Unhandled", errorMessage: "[object Object]", stackTrace: [] }
  },
  throwingMessage: {
    fail: { errorType: "Error", errorMessage: "[object Error]", stackTrace: [] },
    die: { errorType: "Error", errorMessage: "[object Error]", stackTrace: [] }
  },
  throwingTag: {
    fail: { errorType: "Runtime.HandlerError", errorMessage: "tagged", stackTrace: [] },
    die: { errorType: "Runtime.Unhandled", errorMessage: "tagged", stackTrace: [] }
  },
  throwingStack: {
    fail: { errorType: "Error", errorMessage: "no stack", stackTrace: [] },
    die: { errorType: "Error", errorMessage: "no stack", stackTrace: [] }
  },
  throwingName: {
    fail: { errorType: "Error", errorMessage: "no name", stackTrace: [] },
    die: { errorType: "Error", errorMessage: "no name", stackTrace: [] }
  },
  throwingToJsonAndToString: {
    fail: { errorType: "Runtime.HandlerError", errorMessage: "[object Object]", stackTrace: [] },
    die: { errorType: "Runtime.Unhandled", errorMessage: "[object Object]", stackTrace: [] }
  },
  proxy: {
    fail: { errorType: "Runtime.HandlerError", errorMessage: "[object]", stackTrace: [] },
    die: { errorType: "Runtime.Unhandled", errorMessage: "[object]", stackTrace: [] }
  },
  bigint: {
    fail: { errorType: "X", errorMessage: `{"amount":"10"}`, stackTrace: [] },
    die: { errorType: "Runtime.Unhandled", errorMessage: `{"amount":"10"}`, stackTrace: [] }
  },
  emptyTag: {
    fail: { errorType: "Runtime.HandlerError", errorMessage: "empty tag", stackTrace: [] },
    die: { errorType: "Runtime.Unhandled", errorMessage: "empty tag", stackTrace: [] }
  },
  cyclic: {
    fail: { errorType: "Cyclic", errorMessage: `{"self":{"_tag":"Cyclic","self":"[Circular]"}}`, stackTrace: [] },
    die: {
      errorType: "Runtime.Unhandled",
      errorMessage: `{"self":{"_tag":"Cyclic","self":"[Circular]"}}`,
      stackTrace: []
    }
  }
}

/**
 * What the process-level fault tests of both lines read in a function's log, in Lambda's JSON or
 * text format: the ERROR line of the invocation that failed with a BigInt field (`failed`) and of
 * the one whose detached fiber died with a Proxy (`detached`). Reading the JSON form parses every
 * line, so a line that is not JSON fails the test.
 */
export const faultLogFindings = (
  format: "Text" | "JSON",
  stdout: string,
  ids: { readonly failed: string; readonly detached: string }
): Record<"failed" | "detached", unknown> => {
  if (format === "Text") {
    return {
      failed: new RegExp(`\\t${ids.failed}\\tERROR\\tInvoke Error\\n`).test(stdout),
      detached: new RegExp(`\\t${ids.detached}\\tERROR\\tDetached fiber #\\d+ failed\\n`).test(stdout)
    }
  }
  const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
  const errorOf = (requestId: string) => lines.find((line) => line.requestId === requestId && line.level === "ERROR")
  return { failed: errorOf(ids.failed), detached: errorOf(ids.detached) }
}

/** What {@link faultLogFindings} must find, by format. */
export const expectedFaultLog = {
  Text: { failed: true, detached: true },
  JSON: {
    failed: { message: "Invoke Error", errorType: "X", errorMessage: `{"amount":"10"}` },
    detached: { errorType: "Runtime.Unhandled", errorMessage: "[object]" }
  }
} as const

/**
 * The values the error-document cases fail and die with: every hostile value, a 1 MB string, a
 * BigInt, a Symbol and a function (both lines' `Faults` tests).
 */
export const documentValues: ReadonlyArray<() => unknown> = [
  ...Object.values(hostile),
  () => "x".repeat(1_000_000),
  () => 10n,
  () => Symbol("s"),
  () => () => 1
]

/** What a result's `toJSON` throws, and the `Runtime.MarshalError` message each one gets, in order. */
export const toJsonThrown: ReadonlyArray<{ readonly thrown: () => unknown; readonly message: string }> = [
  { thrown: () => null, message: "Could not encode the handler's result: JSON.stringify failed (null)" },
  { thrown: () => undefined, message: "Could not encode the handler's result: JSON.stringify failed (undefined)" },
  { thrown: () => "nope", message: "Could not encode the handler's result: JSON.stringify failed (nope)" },
  {
    thrown: () => new RangeError("too deep"),
    message: "Could not encode the handler's result: JSON.stringify failed (too deep)"
  }
]
