/**
 * What both lines' example tests check of `examples/errors.ts` (each line's own copy of the
 * example, run as a child process against the emulator): the events it is invoked with and what
 * the caller sees of each answer. No Effect, no vitest: each suite asserts on {@link errorsSeen}
 * with its own `expect`.
 */
import type { InvocationRecord } from "../src/internal/core/emulator/types.js"

/** What the caller got: the JSON response, or the error document's type and message and the error header. */
export const errorsSeen = (record: InvocationRecord) => {
  const outcome = record.outcome
  if (outcome?._tag === "Response") return { response: JSON.parse(outcome.text) as unknown }
  if (outcome?._tag !== "Error") return { outcome }
  const { errorMessage, errorType } = outcome.document as { errorType: string; errorMessage: string }
  return {
    errorType,
    errorMessage,
    errorTypeHeader: outcome.errorTypeHeader,
    /** Whether the message names the path the event Schema refused (`["action"]`). */
    namesActionPath: errorMessage.includes(`["action"]`)
  }
}

/** Each event, and what {@link errorsSeen} must match for it. */
export const errorsCases: ReadonlyArray<{ readonly event: unknown; readonly expected: object }> = [
  { event: { action: "pay" }, expected: { response: { paid: true } } },
  {
    event: { action: "decline" },
    expected: {
      errorType: "PaymentDeclined",
      errorMessage: "card declined: insufficient funds",
      errorTypeHeader: "PaymentDeclined"
    }
  },
  {
    event: { action: "crash" },
    expected: { errorType: "TypeError", errorMessage: "Cannot read properties of undefined (reading 'card')" }
  },
  { event: { action: "refund" }, expected: { errorType: "Runtime.UnmarshalError", namesActionPath: true } }
]
