/**
 * The cases both lines' drop-in suites pin (test/NodeHandler.test.ts on Effect 3,
 * packages/effect4/test/DropIn.test.ts on Effect 4), written once: plain Node functions and what
 * the Runtime API must receive for them.
 */
import { expect } from "@effect/vitest"

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

/**
 * Functions of each arity the Node line tells apart: `three` (a callback handler) and `four` are
 * refused on Node 24 and served on Node 22; `defaulted` declares two parameters (`length` stops
 * at a default), so it is served everywhere.
 */
export const arities = {
  three: (_event: unknown, _context: unknown, callback: (e: null, r: unknown) => void) => callback(null, 3),
  four: async (_event: unknown, _context: unknown, _callback: unknown, _extra: unknown) => 4,
  defaulted: async (event: unknown, _context: unknown, _callback: unknown = undefined) => event
}

/** The init error document of a callback handler declaring `parameters` parameters on Node 24. */
export const deprecatedDocument = (parameters: number) => ({
  errorType: "Runtime.CallbackHandlerDeprecated",
  errorMessage: expect.stringMatching(new RegExp(`declares ${parameters} parameters.*Node\\.js 24`))
})

/** `_HANDLER`s of test/fixtures/node-handlers in each form the loader takes: handler, event, result. */
export const resolutionCases: ReadonlyArray<readonly [string, unknown, unknown]> = [
  ["esm.handler", 2, { esm: 2 }],
  ["other.handler", 3, { cjs: 3 }],
  ["esm-pkg/index.handler", 4, { esmJs: 4 }],
  ["dir/sub/file.run", 5, { nestedDir: 5 }],
  ["cjs.nested.deeper.handler", 6, { nested: 6 }]
]

/** `_HANDLER`s that fail init, and the `/init/error` document each posts (the official client's types). */
export const initErrorCases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["missing.handler", { errorType: "Runtime.ImportModuleError", errorMessage: expect.stringContaining("missing") }],
  ["cjs.nope", { errorType: "Runtime.HandlerNotFound", errorMessage: "cjs.nope is undefined or not exported" }],
  ["cjs.notAFunction", { errorType: "Runtime.HandlerNotFound", errorMessage: "cjs.notAFunction is not a function" }],
  ["index", { errorType: "Runtime.MalformedHandlerName" }],
  ["../outside.handler", { errorType: "Runtime.MalformedHandlerName" }],
  ["broken.handler", { errorType: "Runtime.UserCodeSyntaxError" }],
  ["throwsAtLoad.handler", { errorType: "RangeError", errorMessage: "TABLE_NAME is not set" }]
]

/** Streaming fixtures (awslambda.streamifyResponse): title, handler, event, the recorded outcome. */
export const streamingCases: ReadonlyArray<readonly [string, string, unknown, Record<string, unknown>]> = [
  ["streams what the handler writes, with its content type", "streaming.handler", { a: 1, b: 2 }, {
    _tag: "Response",
    streaming: true,
    contentType: "text/csv",
    text: "a,b\n1,2\n"
  }],
  ["HttpResponseStream.from sends the status and headers as an HTTP integration response", "streaming.http", {}, {
    _tag: "Response",
    contentType: "application/vnd.awslambda.http-integration-response",
    http: { statusCode: 201, headers: { "x-id": "7" } }
  }],
  ["a rejection before the first byte is posted as /error", "streaming.failsEarly", {}, {
    _tag: "Error",
    document: { errorType: "TypeError", errorMessage: "no body" }
  }]
]
