/**
 * Running an invocation's fibers inside its async context, so that code which finds "the calling
 * invocation" from the async context (the Lambda-formatted console, the `InvokeStore` in its
 * async-context form, read by Powertools and the AWS SDK) finds it from the handler, its child and
 * detached fibers, and the promises and timers they create.
 *
 * Effect's scheduler runs fibers from a shared queue whose microtask carries the async context of
 * whoever started the batch, so entering the context once when the fiber starts is not enough:
 * the handler's fiber (and every fiber forked from it, which inherit its scheduler) runs on an
 * {@link InvocationScheduler} that re-enters the context around each of its tasks.
 */
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import type * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type * as Scheduler from "effect/Scheduler"
import type { Invocation } from "../../RuntimeApi.js"
import * as InvokeStore from "../core/invokeStore.js"
import * as Logger from "./logger.js"
import type { LogIdentity } from "../core/console.js"
import { callingIdentity, enterClassic, identityStorage } from "../core/console.js"
import type { RuntimeSettings } from "./settings.js"

/**
 * The invocation that is calling: the async context's (Managed Instances), the current one on
 * classic Lambda, else (code run by a fiber that lost it) the log annotations of the fiber
 * running now.
 *
 * @internal
 */
export const currentIdentity = (): LogIdentity | undefined => {
  const stored = callingIdentity()
  if (stored !== undefined) return stored
  const fiber = Fiber.getCurrentFiber()
  if (fiber._tag === "None") return undefined
  const annotations = fiber.value.getFiberRef(FiberRef.currentLogAnnotations)
  const requestId = HashMap.get(annotations, Logger.REQUEST_ID)
  if (requestId._tag === "None" || typeof requestId.value !== "string") return undefined
  const tenantId = HashMap.get(annotations, Logger.TENANT_ID)
  return {
    requestId: requestId.value,
    tenantId: tenantId._tag === "Some" && typeof tenantId.value === "string" ? tenantId.value : undefined
  }
}

/**
 * Runs `f` inside an invocation's async context.
 *
 * @internal
 */
export type Enter = <A>(f: () => A) => A

/**
 * How to enter `invocation`'s async context with these settings, or `undefined` when nothing
 * reads it (no console installed, a single-context store) or, on classic Lambda, when the console
 * names the current invocation without it: then fibers run on the plain scheduler, which costs
 * nothing per task.
 *
 * @internal
 */
export const enterFor = (settings: RuntimeSettings, invocation: Invocation): Enter | undefined => {
  const store = settings.asyncInvokeStore ? settings.invokeStore : undefined
  if (!settings.requestContext) {
    if (store === undefined) return undefined
    const context = InvokeStore.contextOf(invocation)
    return (f) => store.run(context, f)
  }
  const identity: LogIdentity = { requestId: invocation.requestId, tenantId: invocation.tenantId }
  if (!settings.managed && store === undefined) {
    // One invocation at a time: the console names it without an async context (core/console.ts).
    enterClassic(identity)
    return undefined
  }
  if (store === undefined) return (f) => identityStorage.run(identity, f)
  const context = InvokeStore.contextOf(invocation)
  return (f) => store.run(context, () => identityStorage.run(identity, f))
}

/**
 * A scheduler for one invocation's fibers: the base scheduler's queue and yielding, with each
 * task run inside the invocation's async context (so promises and timers it creates keep it).
 *
 * @internal
 */
export class InvocationScheduler implements Scheduler.Scheduler {
  constructor(readonly enter: Enter, readonly base: Scheduler.Scheduler) {}
  scheduleTask(task: Scheduler.Task, priority: number, fiber?: Fiber.RuntimeFiber<unknown, unknown>): void {
    const enter = this.enter
    this.base.scheduleTask(() => enter(task), priority, fiber)
  }
  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return this.base.shouldYield(fiber)
  }
}

/**
 * Starts `effect` on `runtime` as `Runtime.runFork` does, inside the invocation's async context
 * and on an {@link InvocationScheduler} over the runtime's scheduler (fibers it forks inherit it).
 *
 * @internal
 */
export const runForkIn = <A, E>(
  enter: Enter,
  runtime: Runtime.Runtime<never>,
  effect: Effect.Effect<A, E>
): Fiber.RuntimeFiber<A, E> =>
  enter(() =>
    Runtime.runFork(runtime, effect, {
      scheduler: new InvocationScheduler(enter, FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentScheduler))
    })
  )
