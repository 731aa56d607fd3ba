/**
 * A plain Node handler (`async (event, context)` or `(event, context, callback)`) as this
 * runtime's handler: the user's function runs inside the invocation's fiber, so the loop's
 * deadline, error documents, logs and detached work apply to it unchanged.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import { failureOf } from "../core/errorDocument.js"
import { json } from "../runtime/handler.js"
import * as NodeContext from "./dropInContext.js"
import type { UserFunction } from "./resolve.js"
import { fromStreamingFunction, isStreaming } from "./streamifyResponse.js"

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  (typeof u === "object" || typeof u === "function") && u !== null &&
  typeof (u as { then?: unknown }).then === "function"

type Fiber = Parameters<Parameters<typeof Effect.withFiberRuntime>[0]>[0]
type Status = Parameters<Parameters<typeof Effect.withFiberRuntime>[0]>[1]

/**
 * The promise form: the returned promise (or plain value) is the result; a thrown or
 * rejected value is the failure, reported as the official client does (an `Error` keeps its
 * `name` as `errorType`; any other value is reported under `typeof value`).
 */
const promiseForm = (fn: UserFunction, event: unknown, context: LambdaContext, fiber: Fiber, status: Status) =>
  Effect.async<unknown, unknown>((resume) => {
    let result: unknown
    try {
      // The legacy `context.succeed`/`fail` of a promise handler have nothing to complete.
      result = fn(event, NodeContext.make(context, fiber, status.runtimeFlags, NodeContext.ignored))
    } catch (error) {
      return resume(Effect.fail(failureOf(error)))
    }
    if (!isThenable(result)) return resume(Effect.succeed(result))
    result.then((value) => resume(Effect.succeed(value)), (error: unknown) => resume(Effect.fail(failureOf(error))))
  })

/**
 * The callback form: the first of `callback(error, result)`, the legacy `context.done`/
 * `succeed`/`fail`, or a returned promise completes the invocation; later ones are ignored.
 */
const callbackForm = (fn: UserFunction, event: unknown, context: LambdaContext, fiber: Fiber, status: Status) =>
  Effect.async<unknown, unknown>((resume) => {
    let completed = false
    const complete: NodeContext.Complete = (error, result) => {
      if (completed) return
      completed = true
      resume(error === null || error === undefined ? Effect.succeed(result) : Effect.fail(failureOf(error)))
    }
    let result: unknown
    try {
      result = fn(
        event,
        NodeContext.make(context, fiber, status.runtimeFlags, NodeContext.legacyOf(complete)),
        complete
      )
    } catch (error) {
      complete(error)
      return
    }
    if (isThenable(result)) {
      result.then((value) => complete(null, value), (error: unknown) => complete(error ?? new Error("rejected")))
    }
  })

/**
 * The runtime's handler for a plain Node function.
 *
 * @internal
 */
export const fromFunction = (fn: UserFunction): LambdaHandler.LambdaHandler<unknown> => {
  if (isStreaming(fn)) return fromStreamingFunction(fn)
  // Node's own client tells the forms apart by arity, too: a third parameter is the callback.
  const form = fn.length >= 3 ? callbackForm : promiseForm
  // The handler's fiber itself, not `Effect.runtime()` (which copies its refs every time):
  // detach makes a runtime from it when it is called.
  return json((event: unknown, context: LambdaContext) =>
    Effect.withFiberRuntime<unknown, unknown>((fiber, status) => form(fn, event, context, fiber, status))
  )
}
