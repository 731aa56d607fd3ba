import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import type { ErrorDocument } from "./protocol.js"
import { errorTypes } from "./protocol.js"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const stackLines = (u: unknown): Array<string> =>
  isRecord(u) && typeof u.stack === "string" ? u.stack.split("\n") : []

const messageOf = (u: unknown): string => {
  if (isRecord(u) && typeof u.message === "string" && u.message.length > 0) return u.message
  if (typeof u === "string") return u
  if (isRecord(u)) {
    // A tagged error without a message: its fields are the most useful description.
    const { _tag, ...fields } = u
    try {
      const json = JSON.stringify(fields)
      if (json !== undefined && json !== "{}") return json
    } catch {
      // fall through to the tag
    }
    if (typeof _tag === "string") return _tag
  }
  return String(u)
}

/**
 * The error document for a typed failure: an explicit `errorType` field wins, then `_tag`,
 * then an `Error`'s `name`; anything else is a generic handler error.
 */
export const fromFailure = (error: unknown): ErrorDocument => {
  let errorType: string = errorTypes.handlerError
  if (isRecord(error)) {
    if (typeof error.errorType === "string") errorType = error.errorType
    else if (typeof error._tag === "string") errorType = error._tag
    else if (error instanceof Error) errorType = error.name
  }
  return { errorType, errorMessage: messageOf(error), stackTrace: stackLines(error) }
}

/**
 * The error document for a defect: an `Error` keeps its `name` (`TypeError`), as Node's own
 * runtime reports it; any other thrown value is `Runtime.Unhandled`.
 */
export const fromDefect = (defect: unknown): ErrorDocument =>
  defect instanceof Error
    ? { errorType: defect.name, errorMessage: defect.message, stackTrace: stackLines(defect) }
    : { errorType: errorTypes.unhandled, errorMessage: messageOf(defect), stackTrace: [] }

/**
 * Turns the cause of a failed handler (or layer) into Lambda's error document. The first
 * typed failure wins over defects; a cause made only of interruptions is reported as an
 * interrupted handler.
 */
export const fromCause = (cause: Cause.Cause<unknown>): ErrorDocument => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return fromFailure(failure.value)
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) return fromDefect(defect.value)
  return { errorType: errorTypes.interrupted, errorMessage: "The handler was interrupted", stackTrace: [] }
}
