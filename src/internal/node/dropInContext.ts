/**
 * The `context` a plain Node handler receives on the Effect 3 line: Node's Lambda `Context`
 * (core/nodeContext.ts builds its fields) whose `detach` forks the promise into the invocation's
 * detached scope.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import type { LambdaContext } from "../../LambdaContext.js"
import type { DetachedPromise, LegacyCallbacks, NodeHandlerContext } from "../core/nodeContext.js"
import { makeHandlerContext } from "../core/nodeContext.js"

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
 * Node's context for one invocation, whose handler runs in `fiber` (with `runtimeFlags`).
 * `legacy` are the deprecated `done`/`fail`/`succeed` (`ignored` for promise handlers);
 * `undefined` leaves them and `callbackWaitsForEmptyEventLoop` out, as on Node 24 and later.
 *
 * @internal
 */
export const make = (
  context: LambdaContext,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  runtimeFlags: RuntimeFlags.RuntimeFlags,
  legacy: LegacyCallbacks | undefined
): NodeHandlerContext =>
  makeHandlerContext(context, legacy, (fn) => {
    Runtime.runSync(runtimeOf(fiber, runtimeFlags))(Effect.forkIn(detachedEffect(fn), context.detachedScope))
  })
