/**
 * The invocation loop of the Effect 4 line: `/next` -> the handler's fiber under its deadline
 * -> exactly one `/response` or `/error` (buffered or streamed) -> the detached window -> `/next`
 * (inFlight.ts), in one lane, or in N lanes at once on Lambda Managed Instances (lanes.ts). The
 * handler is a `LambdaHandler` (it decodes the event and makes the response); the answer is
 * answer.ts's; the lifecycle rules (deadlines, cut-offs, shutdown, errors outside Effect) are
 * the Effect 3 line's, in inFlight.ts and lifecycle.ts.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"
import type { FatalRuntimeError } from "../LambdaError.js"
import type { LambdaHandler, Provided } from "../LambdaHandler.js"
import * as Answer from "./answer.js"
import { InvocationContext as InvocationContextCore, Timers } from "./core.js"
import type { InvokeStore } from "./core.js"
import type { Lane } from "./inFlight.js"
import * as Lanes from "./lanes.js"
import { Lifecycle } from "./lifecycle.js"
import type { RuntimeApiClient } from "./runtimeApiClient.js"
import type { Telemetry } from "./telemetry/telemetry.js"

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
  /** How Runtime API calls that cannot reach the platform are retried (default: answer.ts's). */
  readonly retrySchedule?: Answer.Poster["retrySchedule"] | undefined
  /** The process-level state (shutdown, errors outside Effect); one of the loop's own when absent. */
  readonly life?: Lifecycle | undefined
  /** Lambda Managed Instances: the clients of the lanes besides the first, one lane each. */
  readonly lanes?: ReadonlyArray<RuntimeApiClient> | undefined
  /** Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY` above 1), whatever the number of lanes. */
  readonly managed?: boolean | undefined
  /** The clock and timers of the deadlines (default: the process's; `LambdaTest`: the test's `Clock`). */
  readonly timer?: Timers.Timer | undefined
  /** Told when each invocation is over, with its detached work's fate (`LambdaTest`). */
  readonly onFinished?: Lane<unknown>["onFinished"]
  /** The function's settings in each invocation's context (default: those of a function outside Lambda). */
  readonly settings?: InvocationContextCore.FunctionSettings | undefined
  /** Traces and metrics, when the environment turns them on (telemetry/telemetry.ts). */
  readonly telemetry?: Telemetry | undefined
}

/**
 * Asks for invocations until the runtime must exit (a Runtime API call that cannot be retried,
 * work that would not stop by its deadline); on interruption the invocations in flight are
 * stopped within the shutdown budget.
 *
 * @internal
 */
export const loop = <R>(
  api: RuntimeApiClient,
  handler: Handler<R | Provided>,
  options: LoopOptions
): Effect.Effect<never, FatalRuntimeError, Exclude<R, Provided>> =>
  Effect.flatMap(Effect.context<Exclude<R, Provided>>(), (context) => {
    // The runtime's tracer, when traces are on, is in every invocation's services.
    const tracer = options.telemetry?.tracer
    const services = tracer === undefined ? context : Context.add(context, Tracer.Tracer, tracer)
    const life = options.life ?? new Lifecycle()
    const clients = [api, ...(options.lanes ?? [])]
    const retrySchedule = options.retrySchedule ?? Answer.defaultRetrySchedule
    const lanes = clients.map((api): Lane<Exclude<R, Provided>> => ({
      api,
      life,
      services,
      handler: handler as Lane<Exclude<R, Provided>>["handler"],
      poster: { api, retrySchedule },
      retry: (call) => Answer.retryTransport(call, retrySchedule),
      timeoutMarginMs: options.timeoutMarginMs,
      invokeStore: options.invokeStore,
      asyncInvokeStore: options.asyncInvokeStore === true,
      managed: options.managed ?? clients.length > 1,
      concurrency: clients.length,
      timer: options.timer ?? Timers.nodeTimer,
      settings: options.settings ?? InvocationContextCore.defaultSettings,
      onFinished: options.onFinished,
      telemetry: options.telemetry
    }))
    return Lanes.serve(lanes, life)
  })
