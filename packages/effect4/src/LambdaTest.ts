/**
 * Testing handlers in-process on the Effect 4 line: invoke a handler with an event and a context
 * made for the test, and get its answer as Lambda's caller would see it. This line's own loop
 * serves the invocation from a Runtime API held in memory, so the same rules apply as on Lambda:
 * the handler is interrupted at `deadline - timeoutMargin` and answered `Runtime.HandlerTimeout`,
 * failures become Lambda's error document, a streamed body ends with its error trailers, detached
 * work runs after the answer and is finished (or interrupted at the deadline, finalizers run)
 * before the invocation is over. The same API as the Effect 3 line's `LambdaTest`.
 *
 * Time is Effect's `Clock`: under `@effect/vitest`'s `it.effect` the deadline waits for
 * `TestClock.adjust` (`effect/testing`); under `it.live` it is real time. The handler's services
 * come from the test's environment (`Effect.provide(layer)`), as they come from the layer on Lambda.
 *
 * @example
 * ```ts no-check
 * import { expect, it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { TestClock } from "effect/testing"
 * import { LambdaTest } from "@effect-lambda-runtime/effect4"
 *
 * const handler = (event: { readonly name: string }) => Effect.succeed({ greeting: `hello ${event.name}` })
 *
 * it.effect("greets", () =>
 *   Effect.gen(function*() {
 *     const result = yield* LambdaTest.invoke(handler, { name: "Ada" })
 *     expect(LambdaTest.json(result)).toEqual({ greeting: "hello Ada" })
 *   }))
 *
 * it.effect("times out at the deadline", () =>
 *   Effect.gen(function*() {
 *     const invocation = yield* LambdaTest.start(() => Effect.never, {}, { timeout: "3 seconds" })
 *     yield* TestClock.adjust("3 seconds")
 *     const result = yield* invocation.result
 *     expect(LambdaTest.error(result)?.errorType).toBe("Runtime.HandlerTimeout")
 *   }))
 * ```
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { DropInContext } from "./DropIn.js"
import type { FatalRuntimeError } from "./LambdaError.js"
import * as LambdaHandler from "./LambdaHandler.js"
import { NodeLine, TestKit as Kit } from "./internal/core.js"
import type { HandlerResolution, Protocol } from "./internal/core.js"
import { functionSettings } from "./internal/invocationContext.js"
import { fromFunction } from "./internal/node/handler.js"
import * as internal from "./internal/testing/invoke.js"

/**
 * What the test says about the invocation; every field is optional. `timeout` is the function's
 * (default 3 seconds, Lambda's): the deadline is this long after the invocation starts;
 * `timeoutMargin` is `LambdaRuntime`'s (default 200 ms).
 *
 * @example
 * ```ts no-check
 * const options: LambdaTest.InvokeOptions = { requestId: "r-1", tenantId: "t-1", timeout: "10 seconds" }
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface InvokeOptions extends internal.Options {}

/**
 * The answer as Lambda's caller sees it: the response's bytes (and their text), or Lambda's
 * error document (`errorType`, `errorMessage`, `stackTrace`). A streamed response that ended
 * with an error carries it in `streamError`, as Lambda's trailers do.
 *
 * @example
 * ```ts no-check
 * const result = yield* LambdaTest.invoke(handler, event)
 * if (result._tag === "Success") console.log(result.contentType, result.text)
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export type Result = Kit.Result

/**
 * What became of an invocation's detached work: fibers completed, failed, interrupted.
 *
 * @example
 * ```ts no-check
 * const { detached } = yield* LambdaTest.invoke(handler, event)
 * expect(detached).toEqual({ completed: 1, failed: 0, interrupted: 0 })
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface DetachedSummary extends internal.DetachedSummary {}

/**
 * An invocation that is running: its answer, and the end of its detached work. `deadlineMs` is
 * in the `Clock`'s milliseconds; `result` completes when the invocation is answered (detached
 * work may still be running); `done` completes when the runtime would ask for the next
 * invocation (every detached fiber finished or was interrupted at the deadline, the finalizers
 * ran), and fails when the runtime would exit (a fiber that refused interruption).
 *
 * @example
 * ```ts no-check
 * const invocation = yield* LambdaTest.start(handler, event)
 * const result = yield* invocation.result
 * const detached = yield* invocation.done
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export interface Started extends internal.Started {}

/**
 * Starts an invocation and returns at once: await its `result` and `done` when the test is
 * ready (after `TestClock.adjust`, or while detached work is held back). The invocation lives
 * in the test's `Scope`: closing it stops the invocation as a shutdown does (detached work is
 * interrupted, finalizers run). A plain function is served as `LambdaHandler.json(fn, options)`.
 *
 * @example
 * ```ts no-check
 * it.effect("answers Runtime.HandlerTimeout at deadline - margin", () =>
 *   Effect.gen(function*() {
 *     const invocation = yield* LambdaTest.start(() => Effect.never, {}, { timeout: "3 seconds" })
 *     yield* TestClock.adjust("2800 millis")
 *     expect(LambdaTest.error(yield* invocation.result)?.errorType).toBe("Runtime.HandlerTimeout")
 *   }))
 * ```
 *
 * @since 1.0.0
 * @category testing
 */
export const start: {
  <E, R>(
    handler: LambdaHandler.LambdaHandler<E, R>,
    event: unknown,
    options?: InvokeOptions
  ): Effect.Effect<Started, never, Scope.Scope | Exclude<R, LambdaHandler.Provided>>
  <EA, OA, E, R, EI = EA, OI = OA>(
    handler: LambdaHandler.Handler<EA, OA, E, R>,
    event: unknown,
    options?: InvokeOptions & LambdaHandler.JsonOptions<EA, EI, OA, OI>
  ): Effect.Effect<Started, never, Scope.Scope | Exclude<R, LambdaHandler.Provided>>
} = internal.start as typeof start

/**
 * Invokes a handler and waits for the whole invocation: its answer, then its detached work.
 * The event is sent as JSON (a `Uint8Array` is sent as it is). A handler whose detached work
 * waits on the `TestClock` needs {@link start} instead, so that the test can adjust the clock.
 *
 * @example
 * ```ts no-check
 * const Order = Schema.Struct({ id: Schema.String, quantity: Schema.Number })
 * const result = yield* LambdaTest.invoke(
 *   (order: typeof Order.Type) => Effect.succeed(order.quantity * 2),
 *   { id: "o-1", quantity: 2 },
 *   { event: Order, requestId: "r-1" }
 * )
 * expect(LambdaTest.json(result)).toBe(4)
 * ```
 *
 * @since 1.0.0
 * @category testing
 */
export const invoke: {
  <E, R>(
    handler: LambdaHandler.LambdaHandler<E, R>,
    event: unknown,
    options?: InvokeOptions
  ): Effect.Effect<
    Result & { readonly detached: DetachedSummary },
    FatalRuntimeError,
    Exclude<R, LambdaHandler.Provided>
  >
  <EA, OA, E, R, EI = EA, OI = OA>(
    handler: LambdaHandler.Handler<EA, OA, E, R>,
    event: unknown,
    options?: InvokeOptions & LambdaHandler.JsonOptions<EA, EI, OA, OI>
  ): Effect.Effect<
    Result & { readonly detached: DetachedSummary },
    FatalRuntimeError,
    Exclude<R, LambdaHandler.Provided>
  >
} = internal.invoke as typeof invoke

/**
 * A plain Node.js handler (`async (event, context) => result`, a callback handler, or one
 * wrapped in `awslambda.streamifyResponse`) as this line's drop-in runs it, to pass to
 * {@link invoke} or {@link start}: its `context` is the drop-in's (`DropInContext`, with
 * `detach`), its function name, version and memory the test's options. The rules are those of
 * the Node line the test runs on, as the drop-in's: on Node 24 and later a callback handler's
 * result is the init error `Runtime.CallbackHandlerDeprecated`, and the context has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`.
 *
 * @example
 * ```ts no-check
 * const handler = async (event: { readonly id: string }, context: DropInContext) => {
 *   context.detach(async () => console.log(`audit ${event.id}`))
 *   return { id: event.id }
 * }
 * const result = yield* LambdaTest.invoke(LambdaTest.fromNodeHandler(handler), { id: "n-1" })
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromNodeHandler = (
  handler: (event: never, context: DropInContext, ...rest: Array<never>) => unknown
): LambdaHandler.LambdaHandler<unknown> =>
  LambdaHandler.fromInit(
    // Read as the drop-in reads them; `start` gives the init the test's values.
    Effect.flatMap(
      functionSettings,
      (facts) => fromFunction(handler as HandlerResolution.UserFunction, facts, NodeLine.currentMajor())
    )
  )

/**
 * A drop-in context (`DropInContext`) for calling a plain Node handler directly, without the
 * runtime: Node's context fields from `options`, and a `detach` that starts the work at once.
 * `settled()` waits for all detached work (work detached meanwhile included) and gives each
 * outcome; `abort()` aborts their signal, as the deadline would. The runtime's rules (the
 * deadline, logs with the request id) apply only through {@link invoke} with
 * {@link fromNodeHandler}. On Node 24 and later the context has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`, as the drop-in's.
 *
 * @example
 * ```ts no-check
 * import { LambdaTest } from "@effect-lambda-runtime/effect4"
 * import type { DropInContext } from "@effect-lambda-runtime/effect4/DropIn"
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
 * @since 1.0.0
 * @category constructors
 */
export const dropInContext = (
  options: InvokeOptions = {}
): DropInContext & {
  readonly settled: () => Promise<ReadonlyArray<PromiseSettledResult<unknown>>>
  readonly abort: () => void
} => Kit.makeDropInContext(options, internal.timeoutMs(options))

/**
 * The response's body parsed as JSON; throws if the invocation failed or the body is not JSON.
 *
 * @example
 * ```ts no-check
 * expect(LambdaTest.json(yield* LambdaTest.invoke(handler, { name: "Ada" }))).toEqual({ greeting: "hello Ada" })
 * ```
 *
 * @since 1.0.0
 * @category getters
 */
export const json: (result: Result) => unknown = Kit.json

/**
 * The error document of a failed invocation, `undefined` if it succeeded.
 *
 * @example
 * ```ts no-check
 * const result = yield* LambdaTest.invoke(() => Effect.die(new TypeError("boom")), {})
 * expect(LambdaTest.error(result)).toMatchObject({ errorType: "TypeError", errorMessage: "boom" })
 * ```
 *
 * @since 1.0.0
 * @category getters
 */
export const error: (result: Result) => Protocol.ErrorDocument | undefined = Kit.error
