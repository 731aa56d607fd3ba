/**
 * The Effect 4 line's test kit: this line's own loop serves one invocation from a Runtime API
 * held in memory (the shared core's answers, core/testKit.ts), on the test's fiber, services and
 * `Clock`. Everything the loop does applies (deadlines, answers, streams, detached work,
 * finalizers); only the HTTP in between is left out.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type { FatalRuntimeError } from "../../LambdaError.js"
import * as LambdaHandler from "../../LambdaHandler.js"
import { fromCause } from "../causeDocument.js"
import { InvokeStore, TestKit } from "../core.js"
import type { Protocol, Requests, Timers } from "../core.js"
import * as Loop from "../loop.js"
import type { RuntimeApiClient } from "../runtimeApiClient.js"

/**
 * What the test says about the invocation (the shared fields, and its timing as durations).
 *
 * @internal
 */
export interface Options extends TestKit.InvocationOptions {
  /** The function's timeout: the deadline is this long after the invocation starts. Default 3 seconds (Lambda's). */
  readonly timeout?: Duration.Input | undefined
  /** As `LambdaRuntime`'s `timeoutMargin`. Default 200 ms. */
  readonly timeoutMargin?: Duration.Input | undefined
}

/**
 * What became of an invocation's detached fibers.
 *
 * @internal
 */
export interface DetachedSummary {
  readonly completed: number
  readonly failed: number
  readonly interrupted: number
}

/** @internal */
export interface Started {
  readonly requestId: string
  readonly deadlineMs: number
  readonly result: Effect.Effect<TestKit.Result, FatalRuntimeError>
  readonly done: Effect.Effect<DetachedSummary, FatalRuntimeError>
}

const millis = (input: Duration.Input | undefined, orElse: number): number =>
  input === undefined ? orElse : Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * The function's timeout in milliseconds (Lambda's 3 seconds by default).
 *
 * @internal
 */
export const timeoutMs = (options: Options): number => millis(options.timeout, TestKit.DEFAULT_TIMEOUT_MS)

/**
 * Effect's `Clock` as the loop's clock and timers, so that `TestClock.adjust` fires the
 * deadlines. Each time is a fiber sleeping on the clock, started after a yield: the loop arms a
 * time before it listens for what the time races (core/timers.ts never calls back at once).
 */
const clockTimer = (clock: Clock.Clock, services: Context.Context<never>): Timers.Timer => ({
  now: () => clock.currentTimeMillisUnsafe(),
  at: (atMs, onTime) => {
    const fiber = Effect.runForkWith(services)(
      Effect.yieldNow.pipe(
        Effect.andThen(
          Effect.suspend(() => Effect.sleep(Duration.millis(Math.max(0, atMs - clock.currentTimeMillisUnsafe()))))
        ),
        Effect.andThen(Effect.sync(onTime))
      )
    )
    return () => fiber.interruptUnsafe()
  }
})

/**
 * The Runtime API of one invocation, in memory: the first `/next` delivers it; the second is the
 * loop saying the invocation is over, and waits there for good.
 */
const memoryClient = (invocation: Requests.Invocation, answers: TestKit.MemoryAnswers): RuntimeApiClient => {
  let served = false
  return {
    next: Effect.suspend(() => {
      if (served) return Effect.never
      served = true
      return Effect.succeed(invocation)
    }),
    respond: (_, body, contentType) => Effect.sync(() => answers.respond(body, contentType)),
    fail: (_, error: Protocol.ErrorDocument) => Effect.sync(() => answers.fail(error)),
    initError: () => Effect.void,
    registerExtension: () => Effect.succeed("in-memory"),
    openStream: (_, contentType) => answers.openStream(contentType)
  }
}

/**
 * Runs a handler's init step (`fromInit`, `LambdaHttp.fromHttpApi`) in the test's scope and with
 * its services, as the runtime does once at init; Lambda's variables that describe the function
 * (`AWS_LAMBDA_FUNCTION_NAME`...) are the test's, ahead of the test's own `ConfigProvider`.
 */
const initialise = (
  handler: LambdaHandler.LambdaHandler<unknown, unknown>,
  facts: TestKit.FunctionFacts
): Effect.Effect<LambdaHandler.LambdaHandler<unknown, unknown>, unknown, unknown> => {
  const init = handler.init
  if (init === undefined) return Effect.succeed(handler)
  return Effect.gen(function*() {
    const current = yield* ConfigProvider.ConfigProvider
    const lambda = ConfigProvider.fromEnvRecord(TestKit.environmentOf(facts))
    return yield* Effect.provideService(init, ConfigProvider.ConfigProvider, ConfigProvider.orElse(lambda, current))
  })
}

/**
 * Starts one invocation of `handler` (any form; a plain function as `LambdaHandler.json`) and
 * returns at once; the loop runs in the test's scope.
 *
 * @internal
 */
export const start = (
  handler: LambdaHandler.LambdaHandler<unknown, unknown> | LambdaHandler.Handler<unknown, unknown, unknown, unknown>,
  event: unknown,
  options: Options & LambdaHandler.JsonOptions<unknown, unknown, unknown, unknown> = {}
): Effect.Effect<Started, never, Scope.Scope> =>
  Effect.gen(function*() {
    const services = yield* Effect.context<never>()
    const timer = clockTimer(yield* Clock.Clock, services)
    const facts = TestKit.factsOf(options)
    const invocation = TestKit.invocationOf(
      options,
      timer.now() + timeoutMs(options),
      event
    )
    const result = yield* Deferred.make<TestKit.Result, FatalRuntimeError>()
    const done = yield* Deferred.make<DetachedSummary, FatalRuntimeError>()
    const started: Started = {
      requestId: invocation.requestId,
      deadlineMs: invocation.deadlineMs,
      result: Deferred.await(result),
      done: Deferred.await(done)
    }
    const lambdaHandler = LambdaHandler.isLambdaHandler(handler) ? handler : LambdaHandler.json(handler, options)
    const initialised = yield* Effect.exit(initialise(lambdaHandler, facts))
    if (Exit.isFailure(initialised)) {
      // An init error: on Lambda every invocation of this environment fails with it.
      Deferred.doneUnsafe(result, Exit.succeed({ _tag: "Failure", error: fromCause(initialised.cause) }))
      Deferred.doneUnsafe(done, Exit.succeed({ completed: 0, failed: 0, interrupted: 0 }))
      return started
    }
    const answers = TestKit.memoryAnswers((outcome) => Deferred.doneUnsafe(result, Exit.succeed(outcome)))
    const invokeStore = yield* Effect.promise(InvokeStore.make)
    yield* Loop.loop(memoryClient(invocation, answers), initialised.value, {
      timeoutMarginMs: millis(options.timeoutMargin, 200),
      invokeStore,
      asyncInvokeStore: InvokeStore.isAsyncContext(invokeStore),
      timer,
      settings: facts,
      onFinished: (_, { completed, failed, interrupted }) =>
        Deferred.doneUnsafe(done, Exit.succeed({ completed, failed, interrupted }))
    }).pipe(
      // The runtime would exit: both waits fail with why.
      Effect.catchCause((cause) => Effect.andThen(Deferred.failCause(result, cause), Deferred.failCause(done, cause))),
      Effect.forkScoped
    )
    return started
  }) as Effect.Effect<Started, never, Scope.Scope>

/**
 * Invokes a handler and waits for the whole invocation: its answer, then its detached work.
 *
 * @internal
 */
export const invoke = (
  handler: LambdaHandler.LambdaHandler<unknown, unknown> | LambdaHandler.Handler<unknown, unknown, unknown, unknown>,
  event: unknown,
  options?: Options & LambdaHandler.JsonOptions<unknown, unknown, unknown, unknown>
): Effect.Effect<TestKit.Result & { readonly detached: DetachedSummary }, FatalRuntimeError> =>
  Effect.scoped(
    Effect.flatMap(start(handler, event, options), (started) =>
      Effect.zipWith(started.result, started.done, (result, detached) => ({ ...result, detached })))
  )
