/**
 * Lambda's error document from a failure or a defect. Total: whatever the handler failed or
 * died with (throwing getters, Proxies, null prototypes, BigInts, cycles, huge strings), a
 * document of plain, bounded strings comes out, so posting it cannot throw. A whole Effect
 * Cause goes through runtime/causeDocument.ts, which picks the failure or defect to report.
 */
import { describe, isError, isObject, read, readString, tryJson, truncate } from "./inspect.js"
import type { ErrorDocument } from "./protocol.js"
import { errorTypes } from "./protocol.js"

/**
 * `errorType` also travels in a header (`Lambda-Runtime-Function-Error-Type`): a name, not a text.
 *
 * @internal
 */
export const MAX_ERROR_TYPE_LENGTH = 256
/**
 * Enough for any real message (and for a tagged error's fields); bounded so a 100 MB string is not posted.
 *
 * @internal
 */
export const MAX_ERROR_MESSAGE_LENGTH = 16 * 1024
/**
 * Node keeps 10 frames by default, Effect adds its spans: 64 lines keep every real trace whole.
 *
 * @internal
 */
export const MAX_STACK_LINES = 64
/**
 * Longer lines are minified bundles or messages repeated in the stack's first line.
 *
 * @internal
 */
export const MAX_STACK_LINE_LENGTH = 1024

/**
 * An empty `errorType` is no error type at all: in a stream's trailers it would even read as
 * "no error" (the trailer is only an error when it is non-empty).
 */
const nonEmpty = (text: string | undefined) => text === undefined || text.length === 0 ? undefined : text

const stackLines = (u: unknown): Array<string> => {
  const stack = isObject(u) ? readString(u, "stack") : undefined
  if (stack === undefined) return []
  // Only the part that can hold the kept lines is split: a huge stack costs no more than a short one.
  const lines = stack.slice(0, MAX_STACK_LINES * (MAX_STACK_LINE_LENGTH + 1)).split("\n")
  if (lines.length > MAX_STACK_LINES) lines.length = MAX_STACK_LINES
  return lines.map((line) => truncate(line, MAX_STACK_LINE_LENGTH))
}

const fieldsMessage = (u: object): string | undefined => {
  try {
    // A tagged error without a message: its fields are the most useful description.
    const { _tag, ...fields } = u as Record<string, unknown>
    const json = tryJson(fields)
    return json !== undefined && json !== "{}" ? json : undefined
  } catch {
    return undefined
  }
}

const messageOf = (u: unknown): string => {
  if (typeof u === "string") return u
  if (isObject(u)) {
    const message = readString(u, "message")
    if (message !== undefined && message.length > 0) return message
    const fields = fieldsMessage(u)
    if (fields !== undefined) return fields
    const tag = readString(u, "_tag")
    if (tag !== undefined) return tag
  }
  return describe(u)
}

const document = (errorType: string, errorMessage: string, stackTrace: Array<string>): ErrorDocument => ({
  errorType: truncate(errorType, MAX_ERROR_TYPE_LENGTH),
  errorMessage: truncate(errorMessage, MAX_ERROR_MESSAGE_LENGTH),
  stackTrace
})

/**
 * A plain Node handler's failure that is not an `Error` (a rejected string, number, plain
 * object...): the drop-in fails with it wrapped, so that it is reported as the official Node.js
 * client reports such a value (see {@link fromFailure}), while Effect handlers' failures keep
 * their own rules. `toString` is what the `Invoke Error` log line shows.
 *
 * @internal
 */
export class NonErrorFailure {
  constructor(readonly value: unknown) {}
  toString(): string {
    const value = this.value
    if (typeof value === "string") return value
    return (typeof value === "object" && value !== null ? tryJson(value) : undefined) ?? describe(value)
  }
}

/** `instanceof`, total: a Proxy's `getPrototypeOf` trap may throw (an Effect handler may fail with one). */
const isNonErrorFailure = (u: unknown): u is NonErrorFailure => {
  try {
    return u instanceof NonErrorFailure
  } catch {
    return false
  }
}

/**
 * What a plain Node handler threw or rejected with, as the invocation's failure: an `Error` as
 * it is, any other value wrapped in a {@link NonErrorFailure}.
 *
 * @internal
 */
export const failureOf = (error: unknown): unknown => isError(error) ? error : new NonErrorFailure(error)

/**
 * The official client's document for a thrown or rejected value that is not an `Error`:
 * `errorType` is `typeof value` (`"string"`, `"number"`, `"object"` for a plain object or
 * `null`), `errorMessage` is `String(value)` (`"[object Object]"` for a plain object), no
 * stack; when `String` throws (a null-prototype object), its fixed `handled` document.
 */
const nonErrorDocument = (value: unknown): ErrorDocument => {
  try {
    return document(typeof value, String(value), [])
  } catch {
    return document(
      "handled",
      "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
      []
    )
  }
}

/**
 * The error document for a typed failure: an explicit `errorType` field wins, then `_tag`,
 * then an `Error`'s `name`; anything else is a generic handler error. A drop-in's
 * {@link NonErrorFailure} is reported as the official Node.js client does.
 *
 * @internal
 */
export const fromFailure = (error: unknown): ErrorDocument => {
  if (isNonErrorFailure(error)) return nonErrorDocument(error.value)
  let errorType: string = errorTypes.handlerError
  if (isObject(error)) {
    const explicit = nonEmpty(readString(error, "errorType")) ?? nonEmpty(readString(error, "_tag"))
    if (explicit !== undefined) errorType = explicit
    else if (isError(error)) errorType = nonEmpty(readString(error, "name")) ?? "Error"
  }
  return document(errorType, messageOf(error), stackLines(error))
}

/**
 * The error document for a defect: an `Error` keeps its `name` (`TypeError`), as Node's own
 * runtime reports it; any other thrown value is `Runtime.Unhandled`.
 *
 * @internal
 */
export const fromDefect = (defect: unknown): ErrorDocument => {
  if (isError(defect)) {
    const message = read(defect, "message")
    return document(
      nonEmpty(readString(defect, "name")) ?? "Error",
      typeof message === "string" ? message : describe(defect),
      stackLines(defect)
    )
  }
  return document(errorTypes.unhandled, messageOf(defect), [])
}

/**
 * What is posted when even the total functions above failed (a bug of ours): never fails.
 *
 * @internal
 */
export const unhandled = (detail: string): ErrorDocument => ({
  errorType: errorTypes.unhandled,
  errorMessage: truncate(detail, MAX_ERROR_MESSAGE_LENGTH),
  stackTrace: []
})
