/**
 * A plain Node handler (`async (event, context)` or `(event, context, callback)`) as this
 * runtime's handler: the user's function runs inside the invocation's fiber, so the loop's
 * deadline, error documents, logs and detached work apply to it unchanged. What a handler may be
 * follows the Node line (nodeLine.ts): no callback handlers from Node 24 on.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import { failureOf } from "../core/errorDocument.js"
import { json } from "../runtime/handler.js"
import type { LegacyCallbacks } from "../runtime/nodeContext.js"
import * as NodeContext from "./dropInContext.js"
import * as NodeLine from "./nodeLine.js"
import type { UserFunction } from "./resolve.js"
import { fromStreamingFunction, isStreaming } from "./streamifyResponse.js"

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  (typeof u === "object" || typeof u === "function") && u !== null &&
  typeof (u as { then?: unknown }).then === "function"

type Fiber = Parameters<Parameters<typeof Effect.withFiberRuntime>[0]>[0]
type Status = Parameters<Parameters<typeof Effect.withFiberRuntime>[0]>[1]

/** How the user's function is called and its answer awaited, in the invocation's fiber. */
type Form = (
  fn: UserFunction,
  event: unknown,
  context: LambdaContext,
  fiber: Fiber,
  status: Status
) => Effect.Effect<unknown, unknown>

/**
 * The promise form: the returned promise (or plain value) is the result; a thrown or
 * rejected value is the failure, reported as the official client does (an `Error` keeps its
 * `name` as `errorType`; any other value is reported under `typeof value`). `legacy` is what
 * the context's `succeed`/`fail`/`done` are: {@link NodeContext.ignored} (they have nothing to
 * complete), or `undefined` on Node 24 and later, whose context has none.
 */
const promiseForm = (legacy: LegacyCallbacks | undefined): Form => (fn, event, context, fiber, status) =>
  Effect.async<unknown, unknown>((resume) => {
    let result: unknown
    try {
      result = fn(event, NodeContext.make(context, fiber, status.runtimeFlags, legacy))
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
const callbackForm: Form = (fn, event, context, fiber, status) =>
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
 * The runtime's handler for plain Node function `fn`, by the rules of the managed runtime of Node
 * `major` (by default the running Node's): on Node 24 and later a callback handler fails with
 * `Runtime.CallbackHandlerDeprecated` (the drop-in's init error), and the context has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`.
 *
 * @internal
 */
export const fromFunction = (
  fn: UserFunction,
  major: number = NodeLine.currentMajor()
): Effect.Effect<LambdaHandler.LambdaHandler<unknown>, NodeLine.CallbackHandlerDeprecated> => {
  const legacy = NodeLine.callbacksRemoved(major) ? undefined : NodeContext.ignored
  if (isStreaming(fn)) return Effect.succeed(fromStreamingFunction(fn, legacy))
  // Node's own client tells the forms apart by arity, too: a third parameter is the callback.
  if (NodeLine.isCallbackHandler(fn) && legacy === undefined) {
    return Effect.fail(NodeLine.callbackHandlerDeprecated(fn, major))
  }
  const form = NodeLine.isCallbackHandler(fn) ? callbackForm : promiseForm(legacy)
  // The handler's fiber itself, not `Effect.runtime()` (which copies its refs every time):
  // detach makes a runtime from it when it is called.
  return Effect.succeed(
    json((event: unknown, context: LambdaContext) =>
      Effect.withFiberRuntime<unknown, unknown>((fiber, status) => form(fn, event, context, fiber, status))
    )
  )
}
