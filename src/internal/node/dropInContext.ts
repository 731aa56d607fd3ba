/**
 * The `context` a plain Node handler receives: the fields of Node's Lambda `Context` (as
 * `@types/aws-lambda` declares them) built from this runtime's `LambdaContext`, plus
 * `detach`, which runs a promise as detached work of the invocation.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import type { LambdaContext, NodeContext } from "../../LambdaContext.js"
import type { LegacyCallbacks } from "../runtime/nodeContext.js"
import { makeNodeContext } from "../runtime/nodeContext.js"

/**
 * A detached promise: started now, awaited after the response, aborted at `deadline - margin`.
 *
 * @internal
 */
export type DetachedPromise = (signal: AbortSignal) => PromiseLike<unknown>

/**
 * Node's Lambda `Context`, with `detach` for promises that outlive the response.
 *
 * @internal
 */
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

/**
 * How a callback-style invocation completes: called at most once (later calls are ignored by the caller).
 *
 * @internal
 */
export type Complete = (error: unknown, result?: unknown) => void

/**
 * The legacy `done`/`fail`/`succeed` that complete a callback-style invocation through `complete`.
 *
 * @internal
 */
export const legacyOf = (complete: Complete): LegacyCallbacks => ({
  done: (error, result) => complete(error ?? null, result),
  fail: (error) => complete(error),
  succeed: (result) => complete(null, result)
})

/**
 * The legacy callbacks of a promise (or streaming) handler: they have nothing to complete.
 *
 * @internal
 */
export const ignored: LegacyCallbacks = legacyOf(() => {})

/**
 * The promise of `fn` as an Effect: interruption aborts its signal and abandons the promise.
 *
 * @internal
 */
export const detachedEffect = (fn: DetachedPromise): Effect.Effect<unknown, unknown> =>
  Effect.tryPromise({ try: (signal) => fn(signal) as Promise<unknown>, catch: (error) => error })

/**
 * The runtime of the handler's fiber as it is now: detached promises forked with it inherit the
 * invocation's log annotations (its request id) and scheduler. Made when `detach` is called,
 * not for every invocation (a snapshot of the fiber's refs copies them).
 */
const runtimeOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>, runtimeFlags: RuntimeFlags.RuntimeFlags) =>
  Runtime.make({ context: fiber.currentContext, fiberRefs: fiber.getFiberRefs(), runtimeFlags })

/**
 * `context` without `callbackWaitsForEmptyEventLoop`, `done`, `fail` and `succeed`, the members
 * Lambda's `nodejs24.x` runtime removed (nodeLine.ts): a copy of its other fields (a rest copy, not
 * `delete`, which would leave V8 a slow dictionary object). Its type keeps them: it is still
 * `@types/aws-lambda`'s `Context`, which declares them.
 *
 * @internal
 */
export const withoutLegacy = <C extends NodeContext>(context: C): C => {
  const { callbackWaitsForEmptyEventLoop, done, fail, succeed, ...rest } = context
  return rest as unknown as C
}

/**
 * Node's context for one invocation, whose handler runs in `fiber` (with `runtimeFlags`).
 * `legacy` are the deprecated `done`/`fail`/`succeed` ({@link ignored} for promise handlers);
 * `undefined` leaves them and `callbackWaitsForEmptyEventLoop` out, as on Node 24 and later.
 *
 * @internal
 */
export const make = (
  context: LambdaContext,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  runtimeFlags: RuntimeFlags.RuntimeFlags,
  legacy: LegacyCallbacks | undefined
): NodeHandlerContext => {
  const made = makeNodeContext(context, legacy ?? ignored)
  const node = (legacy === undefined ? withoutLegacy(made) : made) as {
    -readonly [K in keyof NodeHandlerContext]: NodeHandlerContext[K]
  }
  node.detach = (fn: DetachedPromise) => {
    Runtime.runSync(runtimeOf(fiber, runtimeFlags))(Effect.forkIn(detachedEffect(fn), context.detachedScope))
  }
  return node
}
