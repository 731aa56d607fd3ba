/**
 * Lambda's error document from an Effect Cause: the Effect side of core/errorDocument.ts, which
 * turns the failure or defect picked here into the document.
 */
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import { fromDefect, fromFailure, unhandled } from "../core/errorDocument.js"
import type { ErrorDocument } from "../core/protocol.js"
import { errorTypes } from "../core/protocol.js"

/**
 * Turns the cause of a failed handler (or layer) into Lambda's error document. The first
 * typed failure wins over defects; a cause made only of interruptions is reported as an
 * interrupted handler.
 *
 * @internal
 */
export const fromCause = (cause: Cause.Cause<unknown>): ErrorDocument => {
  try {
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) return fromFailure(failure.value)
    const defect = Cause.dieOption(cause)
    if (Option.isSome(defect)) return fromDefect(defect.value)
    return { errorType: errorTypes.interrupted, errorMessage: "The handler was interrupted", stackTrace: [] }
  } catch {
    return unhandled("The handler failed with a value that could not be described")
  }
}
