/**
 * What a plain Node handler is on each Node.js line, as Lambda's managed runtime of that line
 * has it. `nodejs22.x` (and `nodejs20.x`) run callback handlers, `(event, context, callback)`,
 * and give the context `callbackWaitsForEmptyEventLoop` and the legacy `done`/`fail`/`succeed`.
 * `nodejs24.x` removed both: a handler that declares three or more parameters and is not a
 * streaming handler (`(event, responseStream, context)`) fails init with
 * `Runtime.CallbackHandlerDeprecated`, and the context has none of those four members.
 *
 * The drop-in follows the line of the Node that runs it ({@link currentMajor}); each decision
 * takes the major version as a parameter, so that every line's rule is tested on any Node.
 * How each form is called and its answer taken ({@link classify}) is plain code, which each
 * Effect line wraps in its own callback Effect.
 *
 * @internal
 */
import type { UserFunction } from "./handlerResolution.js"
import type { Complete, LegacyCallbacks, NodeHandlerContext } from "./nodeContext.js"
import { ignored, legacyOf } from "./nodeContext.js"
import { isStreaming } from "./streamifyResponse.js"

/**
 * The major version of `version`, by default of the Node.js running this process.
 *
 * @internal
 */
export const currentMajor = (version: string = process.versions.node): number => Number.parseInt(version, 10)

/**
 * Whether the managed runtime of Node `major` has removed callback handlers and the context's
 * `callbackWaitsForEmptyEventLoop`, `done`, `fail` and `succeed` (`nodejs24.x` and later).
 *
 * @internal
 */
export const callbacksRemoved = (major: number): boolean => major >= 24

/**
 * Whether `fn` is a callback handler: it declares a third parameter (the callback), as Node's own
 * client tells the forms apart, and is not a streaming handler (whose third is the context).
 *
 * @internal
 */
export const isCallbackHandler = (fn: UserFunction): boolean => fn.length >= 3 && !isStreaming(fn)

/**
 * A callback handler on Node 24 or later: the function's init error, under the official client's
 * `errorType`. The name is on the prototype, so the stack's first line carries it too.
 *
 * @internal
 */
export class CallbackHandlerDeprecated extends Error {
  static {
    this.prototype.name = "Runtime.CallbackHandlerDeprecated"
  }
}

/**
 * The init error of callback handler `fn` on Node `major`.
 *
 * @internal
 */
export const callbackHandlerDeprecated = (fn: UserFunction, major: number): CallbackHandlerDeprecated =>
  new CallbackHandlerDeprecated(
    `The handler declares ${fn.length} parameters, so it is a callback-based handler ` +
      `(event, context, callback): Lambda's Node.js runtimes do not run those from Node.js 24 on ` +
      `(this is Node.js ${major}). Make it an async function of (event, context) that returns its ` +
      `result (or throws), or run the function on Node.js 22. ` +
      `See https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html`
  )

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  (typeof u === "object" || typeof u === "function") && u !== null &&
  typeof (u as { then?: unknown }).then === "function"

/**
 * How a call of the user's function ends: `succeed` with the result or `fail` with the failure
 * (as `errorDocument.failureOf` reports it is each line's concern); the first call wins.
 *
 * @internal
 */
export interface Settle {
  readonly succeed: (value: unknown) => void
  readonly fail: (error: unknown) => void
}

/**
 * Calls the user's function for one event: `context` makes its Node context from the legacy
 * callbacks the form gives it.
 *
 * @internal
 */
export type Form = (
  fn: UserFunction,
  event: unknown,
  context: (legacy: LegacyCallbacks | undefined) => NodeHandlerContext,
  settle: Settle
) => void

/**
 * The promise form: the returned promise (or plain value) is the result; a thrown or rejected
 * value is the failure. `legacy` is what the context's `succeed`/`fail`/`done` are: `ignored`
 * (they have nothing to complete), or `undefined` on Node 24 and later, whose context has none.
 */
const promiseForm = (legacy: LegacyCallbacks | undefined): Form => (fn, event, context, settle) => {
  let result: unknown
  try {
    result = fn(event, context(legacy))
  } catch (error) {
    return settle.fail(error)
  }
  if (!isThenable(result)) return settle.succeed(result)
  result.then(settle.succeed, settle.fail)
}

/**
 * The callback form: the first of `callback(error, result)`, the legacy `context.done`/
 * `succeed`/`fail`, or a returned promise completes the invocation; later ones are ignored.
 */
const callbackForm: Form = (fn, event, context, settle) => {
  let completed = false
  const complete: Complete = (error, result) => {
    if (completed) return
    completed = true
    if (error === null || error === undefined) settle.succeed(result)
    else settle.fail(error)
  }
  let result: unknown
  try {
    result = fn(event, context(legacyOf(complete)), complete)
  } catch (error) {
    return complete(error)
  }
  if (isThenable(result)) {
    result.then((value) => complete(null, value), (error: unknown) => complete(error ?? new Error("rejected")))
  }
}

/**
 * What the user's function is on Node `major`: a streaming handler (whose context's legacy
 * members are `legacy`), a function called in `form`, or, for a callback handler on Node 24 and
 * later, the function's init error.
 *
 * @internal
 */
export type Classified =
  | { readonly _tag: "Streaming"; readonly legacy: LegacyCallbacks | undefined }
  | { readonly _tag: "Call"; readonly form: Form }
  | { readonly _tag: "Deprecated"; readonly error: CallbackHandlerDeprecated }

/**
 * Classifies `fn` by the rules of Node `major` (see the module documentation). Node's own client
 * tells the forms apart by arity, too: a third parameter is the callback.
 *
 * @internal
 */
export const classify = (fn: UserFunction, major: number): Classified => {
  const legacy = callbacksRemoved(major) ? undefined : ignored
  if (isStreaming(fn)) return { _tag: "Streaming", legacy }
  if (!isCallbackHandler(fn)) return { _tag: "Call", form: promiseForm(legacy) }
  if (legacy === undefined) return { _tag: "Deprecated", error: callbackHandlerDeprecated(fn, major) }
  return { _tag: "Call", form: callbackForm }
}
