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
 *
 * @internal
 */
import type { UserFunction } from "./resolve.js"
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
