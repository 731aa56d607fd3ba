/**
 * Testing handlers in-process: invoke a handler with an event and a context made for the test,
 * and get its answer as Lambda's caller would see it. The runtime's own loop serves the
 * invocation from a Runtime API held in memory, so the same rules apply as on Lambda: the
 * handler is interrupted at `deadline - timeoutMargin` and answered `Runtime.HandlerTimeout`,
 * failures become Lambda's error document, detached work runs after the answer and is finished
 * (or interrupted at the deadline, finalizers run) before the invocation is over.
 *
 * Time is Effect's `Clock`: under `@effect/vitest`'s `it.effect` the deadline waits for
 * `TestClock.adjust`; under `it.live` it is real time. The handler's services come from the
 * test's environment (`Effect.provide(layer)`), as they come from the layer on Lambda.
 *
 * @example
 * ```ts
 * import { expect, it } from "@effect/vitest"
 * import { Effect, TestClock } from "effect"
 * import { LambdaTest } from "effect-lambda-runtime"
 *
 * const handler = (event: { readonly name: string }) => Effect.succeed({ greeting: `hello ${event.name}` })
 *
 * it.effect("greets", () =>
 *   Effect.gen(function*() {
 *     const result = yield* LambdaTest.invoke(handler, { name: "Ada" })
 *     expect(LambdaTest.json(result)).toEqual({ greeting: "hello Ada" })
 *   }))
 *
 * it.scoped("times out at the deadline", () =>
 *   Effect.gen(function*() {
 *     const invocation = yield* LambdaTest.start(() => Effect.never, {}, { timeout: "3 seconds" })
 *     yield* TestClock.adjust("3 seconds")
 *     const result = yield* invocation.result
 *     expect(LambdaTest.error(result)?.errorType).toBe("Runtime.HandlerTimeout")
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { DropInContext } from "./DropIn.js"
import type { DetachedSummary } from "./internal/runtime/detached.js"
import * as DropInTesting from "./internal/testing/dropInContext.js"
import * as internal from "./internal/testing/invoke.js"
import type * as TestKit from "./internal/core/testKit.js"
import type { FatalRuntimeError } from "./LambdaError.js"
import type { ErrorDocument } from "./RuntimeApi.js"
import type { Handler, LambdaHandler, Provided } from "./LambdaHandler.js"
import type { JsonOptions } from "./LambdaHandler.js"
import { fromFunction } from "./internal/node/handler.js"
import { fromInit } from "./internal/runtime/handler.js"

/**
 * What the test says about the invocation; every field is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvokeOptions extends TestKit.InvocationOptions {
  /** The function's timeout: the deadline is this long after the invocation starts. Default 3 seconds (Lambda's). */
  readonly timeout?: Duration.DurationInput | undefined
  /** As `LambdaRuntime`'s `timeoutMargin`. Default 200 ms. */
  readonly timeoutMargin?: Duration.DurationInput | undefined
}

/**
 * The answer as Lambda's caller sees it: the response's bytes (and their text), or Lambda's
 * error document (`errorType`, `errorMessage`, `stackTrace`). A streamed response that ended
 * with an error carries it in `streamError`, as Lambda's trailers do.
 *
 * @since 0.1.0
 * @category models
 */
export type Result = internal.Result

/**
 * What became of an invocation's detached work: fibers completed, failed, interrupted.
 *
 * @since 0.1.0
 * @category models
 */
export type { DetachedSummary }

/**
 * An invocation that is running: its answer, and the end of its detached work.
 *
 * @since 0.1.0
 * @category models
 */
export interface Started {
  readonly requestId: string
  /** The invocation's deadline, in the `Clock`'s milliseconds. */
  readonly deadlineMs: number
  /** Completes when the invocation is answered (detached work may still be running). */
  readonly result: Effect.Effect<Result, FatalRuntimeError>
  /**
   * Completes when the runtime would ask for the next invocation: every detached fiber finished
   * or was interrupted at the deadline, and the finalizers ran. Fails when the runtime would
   * exit (a fiber that refused interruption).
   */
  readonly done: Effect.Effect<DetachedSummary, FatalRuntimeError>
}

/**
 * Starts an invocation and returns at once: await its `result` and `done` when the test is
 * ready (after `TestClock.adjust`, or while detached work is held back). The invocation lives
 * in the test's `Scope`: closing it stops the invocation as a shutdown does (detached work is
 * interrupted, finalizers run).
 *
 * @since 0.1.0
 * @category testing
 */
export const start: {
  <E, R>(
    handler: LambdaHandler<E, R>,
    event: unknown,
    options?: InvokeOptions
  ): Effect.Effect<Started, never, Scope.Scope | Exclude<R, Provided>>
  <EA, OA, E, R, EI = EA, OI = OA>(
    handler: Handler<EA, OA, E, R>,
    event: unknown,
    options?: InvokeOptions & JsonOptions<EA, EI, OA, OI>
  ): Effect.Effect<Started, never, Scope.Scope | Exclude<R, Provided>>
} = internal.start

/**
 * Invokes a handler and waits for the whole invocation: its answer, then its detached work.
 * The event is sent as JSON (a `Uint8Array` is sent as it is). A handler whose detached work
 * waits on the `TestClock` needs {@link start} instead, so that the test can adjust the clock.
 *
 * @since 0.1.0
 * @category testing
 */
export const invoke: {
  <E, R>(
    handler: LambdaHandler<E, R>,
    event: unknown,
    options?: InvokeOptions
  ): Effect.Effect<Result & { readonly detached: DetachedSummary }, FatalRuntimeError, Exclude<R, Provided>>
  <EA, OA, E, R, EI = EA, OI = OA>(
    handler: Handler<EA, OA, E, R>,
    event: unknown,
    options?: InvokeOptions & JsonOptions<EA, EI, OA, OI>
  ): Effect.Effect<Result & { readonly detached: DetachedSummary }, FatalRuntimeError, Exclude<R, Provided>>
} = internal.invoke

/**
 * A plain Node.js handler (`async (event, context) => result`, a callback handler, or one
 * wrapped in `awslambda.streamifyResponse`) as the drop-in runs it, to pass to {@link invoke} or
 * {@link start}: its `context` is the drop-in's (`DropInContext`, with `detach`). The rules are
 * those of the Node line the test runs on, as the drop-in's: on Node 24 and later a callback
 * handler's result is the init error `Runtime.CallbackHandlerDeprecated`, and the context has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromNodeHandler: (
  handler: (event: never, context: DropInContext, ...rest: Array<never>) => unknown
) => LambdaHandler<unknown> = (handler) => fromInit(fromFunction(handler as never))

/**
 * A drop-in context (`DropInContext`) for calling a plain Node handler directly, without the
 * runtime: Node's context fields from `options`, and a `detach` that starts the work at once.
 * `settled()` waits for all detached work (work detached meanwhile included) and gives each
 * outcome; `abort()` aborts their signal, as the deadline would. The runtime's rules (the deadline, logs with the request id) apply only
 * through {@link invoke} with {@link fromNodeHandler}. On Node 24 and later the context has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`, as the drop-in's.
 *
 * @example
 * ```ts
 * import { LambdaTest } from "effect-lambda-runtime"
 * import type { DropInContext } from "effect-lambda-runtime/DropIn"
 *
 * const handler = async (event: { readonly id: string }, context: DropInContext) => {
 *   context.detach(async () => console.log(`audit ${event.id}`))
 *   return { ok: true }
 * }
 *
 * const context = LambdaTest.dropInContext({ requestId: "r-1" })
 * await handler({ id: "1" }, context)
 * await context.settled()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const dropInContext: (
  options?: InvokeOptions
) => DropInContext & {
  readonly settled: () => Promise<ReadonlyArray<PromiseSettledResult<unknown>>>
  readonly abort: () => void
} = (options) => DropInTesting.make(options)

/**
 * The response's body parsed as JSON; throws if the invocation failed or the body is not JSON.
 *
 * @since 0.1.0
 * @category getters
 */
export const json: (result: Result) => unknown = internal.json

/**
 * The error document of a failed invocation, `undefined` if it succeeded.
 *
 * @since 0.1.0
 * @category getters
 */
export const error: (result: Result) => ErrorDocument | undefined = internal.error
