/**
 * A plain Node handler (`async (event, context)` or `(event, context, callback)`) as this
 * runtime's handler: the user's function runs inside the invocation's fiber, so the loop's
 * deadline, error documents, logs and detached work apply to it unchanged.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Runtime from "effect/Runtime"
import type { LambdaContext } from "../../LambdaContext.js"
import * as LambdaHandler from "../../LambdaHandler.js"
import * as NodeContext from "./context.js"
import type { UserFunction } from "./resolve.js"
import { fromStreamingFunction, isStreaming } from "./streaming.js"

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  (typeof u === "object" || typeof u === "function") && u !== null && typeof (u as { then?: unknown }).then === "function"

/**
 * The promise form: the returned promise (or plain value) is the result; a thrown or
 * rejected value is the failure, reported as it is (an `Error` keeps its `name` as
 * `errorType`, as the official client does).
 */
const promiseForm = (fn: UserFunction, event: unknown, context: LambdaContext, runtime: Runtime.Runtime<never>) =>
  Effect.tryPromise({
    try: () => {
      // The legacy `context.succeed`/`fail` of a promise handler have nothing to complete.
      const result = fn(event, NodeContext.make(context, runtime, ignore))
      return isThenable(result) ? result as Promise<unknown> : Promise.resolve(result)
    },
    catch: (error) => error
  })

const ignore = () => {}

/**
 * The callback form: the first of `callback(error, result)`, the legacy `context.done`/
 * `succeed`/`fail`, or a returned promise completes the invocation; later ones are ignored.
 */
const callbackForm = (fn: UserFunction, event: unknown, context: LambdaContext, runtime: Runtime.Runtime<never>) =>
  Effect.async<unknown, unknown>((resume) => {
    let completed = false
    const complete: NodeContext.Complete = (error, result) => {
      if (completed) return
      completed = true
      resume(error === null || error === undefined ? Effect.succeed(result) : Effect.fail(error))
    }
    let result: unknown
    try {
      result = fn(event, NodeContext.make(context, runtime, complete), complete)
    } catch (error) {
      complete(error)
      return
    }
    if (isThenable(result)) result.then((value) => complete(null, value), (error: unknown) => complete(error ?? new Error("rejected")))
  })

/** The runtime's handler for a plain Node function. */
export const fromFunction = (fn: UserFunction): LambdaHandler.LambdaHandler<unknown> => {
  if (isStreaming(fn)) return fromStreamingFunction(fn)
  // Node's own client tells the forms apart by arity, too: a third parameter is the callback.
  const form = fn.length >= 3 ? callbackForm : promiseForm
  return LambdaHandler.json((event: unknown, context: LambdaContext) =>
    Effect.flatMap(Effect.runtime<never>(), (runtime) => form(fn, event, context, runtime))
  )
}
