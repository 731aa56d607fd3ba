/**
 * The invocation loop of the Effect 4 line, one invocation at a time: `/next` -> the handler's
 * fiber under its deadline -> exactly one `/response` or `/error` -> the detached window (its
 * detached fibers finished, or interrupted at `deadline - margin`) -> `/next`.
 *
 * The first piece of the line (issue 19): the Effect 3 line's `InFlight` rules (shutdown, stray
 * errors, streaming, Managed Instances, finalizer cut-offs) come over with the rest of the port.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { LambdaContext } from "../LambdaContext.js"
import type { LambdaContextShape } from "../LambdaContext.js"
import type { LambdaHandler } from "../LambdaHandler.js"
import { HandlerTimeout } from "../LambdaError.js"
import type { FatalRuntimeError } from "../LambdaError.js"
import * as Answer from "./answer.js"
import * as References from "effect/References"
import { Console, InvokeStore, LogLine } from "./core.js"
import * as Detached from "./detached.js"
import type { RuntimeApiClient, RuntimeApiError } from "./runtimeApiClient.js"

/**
 * The handler the loop serves: the raw invocation in, a response out (`LambdaHandler`; a plain
 * function is served as `LambdaHandler.json(fn)`).
 *
 * @internal
 */
export type Handler<R> = LambdaHandler<unknown, R>

/** @internal */
export interface LoopOptions {
  /** How long before the deadline the handler and its detached work are interrupted. */
  readonly timeoutMarginMs: number
  /** `globalThis.awslambda.InvokeStore` (core/invokeStore.ts), told about each invocation. */
  readonly invokeStore?: InvokeStore.Store | undefined
  /** The store is the async-context form (Managed Instances): entered around the handler's fiber. */
  readonly asyncInvokeStore?: boolean | undefined
  /** How posts that cannot reach the platform are retried (default: answer.ts's). */
  readonly retrySchedule?: Answer.Poster["retrySchedule"] | undefined
}

const untilMs = (atMs: number) => Duration.millis(Math.max(0, atMs - Date.now()))

/**
 * Serves one invocation, from `/next` to the end of its detached window.
 *
 * @internal
 */
export const serveOne = <R>(
  api: RuntimeApiClient,
  handler: Handler<R | LambdaContext>,
  options: LoopOptions
): Effect.Effect<void, RuntimeApiError | FatalRuntimeError, Exclude<R, LambdaContext>> =>
  Effect.gen(function*() {
    const invocation = yield* api.next
    const receivedAt = Date.now()
    const softDeadline = invocation.deadlineMs - options.timeoutMarginMs
    const answer = Answer.make(
      { api, retrySchedule: options.retrySchedule ?? Answer.defaultRetrySchedule },
      invocation.requestId
    )
    const detached = Detached.make()
    const context: LambdaContextShape = {
      requestId: invocation.requestId,
      deadlineMs: invocation.deadlineMs,
      invokedFunctionArn: invocation.functionArn,
      traceId: invocation.traceId,
      tenantId: invocation.tenantId,
      detachedScope: detached.scope,
      getRemainingTimeInMillis: () => Math.max(0, invocation.deadlineMs - Date.now())
    }
    const services = yield* Effect.context<Exclude<R, LambdaContext>>()
    // Its own root fiber, started at once with the loop's services and the invocation's context:
    // the loop owns its lifetime and interrupts it at the deadline itself.
    // Every line it logs, and its detached fibers log, carries the invocation's ids.
    const annotations = Context.get(services, References.CurrentLogAnnotations)
    const invocationServices = Context.add(
      Context.add(services, LambdaContext, context),
      References.CurrentLogAnnotations,
      invocation.tenantId === undefined
        ? { ...annotations, [LogLine.REQUEST_ID]: invocation.requestId }
        : { ...annotations, [LogLine.REQUEST_ID]: invocation.requestId, [LogLine.TENANT_ID]: invocation.tenantId }
    )
    // Started inside the invocation's async context, which Effect 4 keeps for the fiber and the
    // fibers it forks: the Lambda-formatted console finds the calling invocation there.
    const start = () =>
      Console.identityStorage.run(
        { requestId: invocation.requestId, tenantId: invocation.tenantId },
        () =>
          Effect.runForkWith(invocationServices as Context.Context<R | LambdaContext>)(
            answer.consume(Effect.suspend(() => handler.handle(invocation, context)))
          )
      )
    // The store's single-context form holds the current invocation; its async-context form
    // (Managed Instances) is entered like the identity.
    const store = options.invokeStore
    if (store !== undefined && options.asyncInvokeStore !== true) InvokeStore.enter(store, invocation)
    const fiber = store !== undefined && options.asyncInvokeStore === true
      ? store.run(InvokeStore.contextOf(invocation), start)
      : start()
    const completed = yield* Effect.timeoutOption(Fiber.await(fiber), untilMs(softDeadline))
    if (Option.isSome(completed)) {
      yield* answer.post(completed.value)
    } else {
      const timeout = new HandlerTimeout({ elapsedMs: Date.now() - receivedAt, marginMs: options.timeoutMarginMs })
      // A stream already on the wire ends with this error in its trailers.
      answer.interruptedBy(timeout)
      yield* Fiber.interrupt(fiber)
      yield* answer.post(Exit.fail(timeout))
    }
    // The detached window: its fibers end, or are interrupted at `deadline - margin`.
    if (!detached.isIdle()) yield* detached.awaitIdleUntil(softDeadline)
    yield* detached.close
    for (const failure of detached.summary().failures) {
      yield* Effect.logError(`Detached fiber #${failure.fiber.id} failed`, failure.cause).pipe(
        Effect.annotateLogs(LogLine.REQUEST_ID, invocation.requestId)
      )
    }
  })

/**
 * Asks for invocations until a Runtime API call fails.
 *
 * @internal
 */
export const loop = <R>(
  api: RuntimeApiClient,
  handler: Handler<R | LambdaContext>,
  options: LoopOptions
): Effect.Effect<never, RuntimeApiError | FatalRuntimeError, Exclude<R, LambdaContext>> =>
  Effect.forever(serveOne(api, handler, options))
