/**
 * The test kit's invocation: the runtime's own loop serves one invocation from a Runtime API
 * held in memory, on the test's fiber, services and `Clock`. Everything the loop does applies
 * (deadlines, answers, detached work, finalizers); only the HTTP in between is left out.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as LogLevel from "effect/LogLevel"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import type { FatalRuntimeError } from "../../LambdaError.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import type { InvokeOptions } from "../../LambdaTest.js"
import type { JsonOptions } from "../../LambdaHandler.js"
import { RuntimeApi } from "../runtime/runtimeApi.js"
import type { Invocation, ResponseWriter, RuntimeApiService } from "../../RuntimeApi.js"
import * as TestKit from "../core/testKit.js"
import type { DetachedSummary } from "../runtime/detached.js"
import { fromCause } from "../runtime/causeDocument.js"
import * as InvokeStore from "../core/invokeStore.js"
import { toLambdaHandler } from "../runtime/init.js"
import { Lifecycle } from "../runtime/lifecycle.js"
import { defaultRetrySchedule, loop } from "../runtime/loop.js"
import type { RuntimeSettings } from "../runtime/settings.js"
import type { Timer } from "../runtime/timers.js"

/** @internal */
export type Result = TestKit.Result

/** @internal */
export interface Started {
  readonly requestId: string
  readonly deadlineMs: number
  readonly result: Effect.Effect<Result, FatalRuntimeError>
  readonly done: Effect.Effect<DetachedSummary, FatalRuntimeError>
}

/** `TestClock` (or any `Clock`) as the loop's clock and timers: `TestClock.adjust` fires the deadlines. */
const clockTimer = (clock: Clock.Clock, runtime: Runtime.Runtime<never>): Timer => ({
  now: () => clock.unsafeCurrentTimeMillis(),
  at: (atMs, onTime) => {
    const fiber = Runtime.runFork(runtime)(
      Effect.zipRight(
        Effect.sleep(Duration.millis(Math.max(0, atMs - clock.unsafeCurrentTimeMillis()))),
        Effect.sync(onTime)
      )
    )
    return () => fiber.unsafeInterruptAsFork(FiberId.none)
  }
})

/** @internal */
export const start = <E, R, EA = unknown, OA = unknown, EI = EA, OI = OA>(
  handler: LambdaHandler.LambdaHandler<E, R> | LambdaHandler.Handler<EA, OA, E, R>,
  event: unknown,
  options: InvokeOptions & JsonOptions<EA, EI, OA, OI> = {}
): Effect.Effect<Started, never, Scope.Scope | Exclude<R, LambdaHandler.Provided>> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const runtime = yield* Effect.runtime<never>()
    const timer = clockTimer(clock, runtime)
    const facts = TestKit.factsOf(options)
    const timeoutMs = options.timeout === undefined
      ? TestKit.DEFAULT_TIMEOUT_MS
      : Duration.toMillis(Duration.decode(options.timeout))
    const invocation: Invocation = TestKit.invocationOf(options, timer.now() + timeoutMs, event)
    const { requestId, deadlineMs } = invocation
    const invokeStore = yield* Effect.promise(InvokeStore.make)
    const settings: RuntimeSettings = {
      config: {
        runtimeApi: "in-memory",
        functionName: facts.functionName,
        functionVersion: facts.functionVersion,
        memoryLimitInMB: facts.memoryLimitInMB,
        logGroupName: facts.logGroupName,
        logStreamName: facts.logStreamName,
        region: facts.region,
        logFormat: "Text",
        logLevel: LogLevel.Info,
        maxConcurrency: 1
      },
      logFormat: "Text",
      logLevel: LogLevel.Info,
      timeoutMarginMs: Duration.toMillis(Duration.decode(options.timeoutMargin ?? Duration.millis(200))),
      retrySchedule: defaultRetrySchedule,
      requestContext: false,
      timer,
      invokeStore,
      asyncInvokeStore: InvokeStore.isAsyncContext(invokeStore),
      concurrency: 1,
      managed: false
    }

    const result = yield* Deferred.make<Result, FatalRuntimeError>()
    const done = yield* Deferred.make<DetachedSummary, FatalRuntimeError>()
    let served = false
    const answers = TestKit.memoryAnswers((outcome) => Deferred.unsafeDone(result, Exit.succeed(outcome)))
    const api: RuntimeApiService = {
      // The second `/next` is the loop saying the invocation is over: it waits there for good.
      next: Effect.suspend(() => {
        if (served) return Effect.never
        served = true
        return Effect.succeed(invocation)
      }),
      respond: (_, response) => Effect.sync(() => answers.respond(response.body, response.contentType)),
      fail: (_, error) => Effect.sync(() => answers.fail(error)),
      streamResponse: (_, contentType) =>
        Effect.sync((): ResponseWriter => {
          const stream = answers.openStream(contentType)
          return {
            write: stream.write,
            drained: Effect.void,
            end: (error) => Effect.sync(() => stream.end(error, () => {}))
          }
        }),
      initError: () => Effect.void,
      registerExtension: () => Effect.succeed("in-memory")
    }

    // A handler with an init step (`fromInit`, `LambdaHttp.fromHttpApi`) is initialised here, in the
    // test's scope and with its services, as the runtime does once at init; a failure is the answer.
    let lambdaHandler = toLambdaHandler(handler, options) as LambdaHandler.LambdaHandler<unknown, unknown>
    if (lambdaHandler.init !== undefined) {
      const initialised = yield* Effect.exit(lambdaHandler.init)
      if (Exit.isFailure(initialised)) {
        Deferred.unsafeDone(result, Exit.succeed({ _tag: "Failure", error: fromCause(initialised.cause) }))
        Deferred.unsafeDone(done, Exit.succeed({ completed: 0, failed: 0, interrupted: 0 }))
        return { requestId, deadlineMs, result: Deferred.await(result), done: Deferred.await(done) }
      }
      lambdaHandler = initialised.value
    }
    yield* loop(lambdaHandler, settings, new Lifecycle(), {
      onFinished: (_, { completed, failed, interrupted }) =>
        Deferred.unsafeDone(done, Exit.succeed({ completed, failed, interrupted }))
    }).pipe(
      Effect.provideService(RuntimeApi, api),
      Effect.catchAllCause((cause) =>
        Effect.zipRight(
          Deferred.failCause(result, cause as Cause.Cause<FatalRuntimeError>),
          Deferred.failCause(done, cause as Cause.Cause<FatalRuntimeError>)
        )
      ),
      Effect.forkScoped
    )
    return { requestId, deadlineMs, result: Deferred.await(result), done: Deferred.await(done) }
  }) as Effect.Effect<Started, never, Scope.Scope | Exclude<R, LambdaHandler.Provided>>

/** @internal */
export const invoke = (
  handler: LambdaHandler.LambdaHandler<unknown, unknown> | LambdaHandler.Handler<unknown, unknown, unknown, unknown>,
  event: unknown,
  options?: InvokeOptions & JsonOptions<unknown, unknown, unknown, unknown>
): Effect.Effect<Result & { readonly detached: DetachedSummary }, FatalRuntimeError, never> =>
  Effect.scoped(
    Effect.flatMap(start(handler, event, options), (started) =>
      Effect.zipWith(started.result, started.done, (result, detached) => ({ ...result, detached })))
  ) as Effect.Effect<Result & { readonly detached: DetachedSummary }, FatalRuntimeError, never>

/** @internal */
export const json = TestKit.json

/** @internal */
export const error = TestKit.error
