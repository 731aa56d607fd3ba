/**
 * Lambda's error document from an Effect 4 `Cause`: the first typed failure wins over defects, a
 * cause made only of interruptions is an interrupted handler. The document itself (bounded, total)
 * is the shared core's, as on the Effect 3 line.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { ErrorDocument, Protocol } from "./core.js"

/** @internal */
export const fromCause = (cause: Cause.Cause<unknown>): Protocol.ErrorDocument => {
  try {
    const failure = Cause.findErrorOption(cause)
    if (Option.isSome(failure)) return ErrorDocument.fromFailure(failure.value)
    const defect = Cause.findDefect(cause)
    if (Result.isSuccess(defect)) return ErrorDocument.fromDefect(defect.success)
    return { errorType: Protocol.errorTypes.interrupted, errorMessage: "The handler was interrupted", stackTrace: [] }
  } catch {
    return ErrorDocument.unhandled("The handler failed with a value that could not be described")
  }
}
