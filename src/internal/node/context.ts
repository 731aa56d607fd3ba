/**
 * The `context` a plain Node handler receives: the fields of Node's Lambda `Context` (as
 * `@types/aws-lambda` declares them) built from this runtime's `LambdaContext`, plus
 * `detach`, which runs a promise as detached work of the invocation.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type { LambdaContext, NodeContext } from "../../LambdaContext.js"
import { makeNodeContext } from "../nodeContext.js"

/** A detached promise: started now, awaited after the response, aborted at `deadline - margin`. */
export type DetachedPromise = (signal: AbortSignal) => PromiseLike<unknown>

/** Node's Lambda `Context`, with `detach` for promises that outlive the response. */
export interface NodeHandlerContext extends NodeContext {
  /**
   * Runs `fn` as detached work of this invocation: it starts now, may go on after the
   * response is posted, and is awaited before the next invocation is asked for. At
   * `deadline - timeoutMargin` its `signal` aborts and the runtime stops waiting for it
   * (the promise itself cannot be stopped: it is abandoned, and whatever it does later
   * happens in a frozen or reused environment). A rejection is logged with the request id
   * and never changes the response.
   */
  readonly detach: (fn: DetachedPromise) => void
}

/** How a callback-style invocation completes: called at most once (later calls are ignored by the caller). */
export type Complete = (error: unknown, result?: unknown) => void

/** The promise of `fn` as an Effect: interruption aborts its signal and abandons the promise. */
export const detachedEffect = (fn: DetachedPromise): Effect.Effect<unknown, unknown> =>
  Effect.tryPromise({ try: (signal) => fn(signal) as Promise<unknown>, catch: (error) => error })

/**
 * Node's context for one invocation. `runtime` is the handler fiber's runtime: detached
 * promises forked with it inherit the invocation's log annotations (its request id).
 */
export const make = (
  context: LambdaContext,
  runtime: Runtime.Runtime<never>,
  complete: Complete
): NodeHandlerContext =>
  Object.assign(
    makeNodeContext(context, {
      done: (error, result) => complete(error ?? null, result),
      fail: (error) => complete(error),
      succeed: (result) => complete(null, result)
    }),
    {
      detach: (fn: DetachedPromise) => {
        Runtime.runSync(runtime)(Effect.forkIn(detachedEffect(fn), context.detachedScope))
      }
    }
  )
