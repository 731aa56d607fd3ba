/**
 * Starts the runtime: reads the Lambda environment, builds the user's `Layer` once, registers
 * for SIGTERM, then serves invocations until shutdown.
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as AfterResponse from "./internal/runtime/afterResponse.js"
import * as internal from "./internal/runtime/init.js"
import type { FatalRuntimeError } from "./LambdaError.js"
import type { Handler, JsonOptions, LambdaHandler, Provided } from "./LambdaHandler.js"

/**
 * `"Text"` (Lambda's tab-separated lines) or `"JSON"` (Lambda's JSON log records), as
 * `AWS_LAMBDA_LOG_FORMAT` selects them.
 *
 * @since 0.1.0
 * @category models
 */
export type LogFormat = "Text" | "JSON"

/**
 * Options of {@link run} and {@link serve}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimeOptions<ROut = never, LE = never> {
  /** The application's services, built once before the first invocation and released on shutdown. */
  readonly layer?: Layer.Layer<ROut, LE, never> | undefined
  /**
   * How long before the invocation deadline the handler and detached work are interrupted,
   * so that the runtime can still post its result and ask for the next invocation in time.
   * Default 200 ms.
   */
  readonly timeoutMargin?: Duration.DurationInput | undefined
  /** Overrides `AWS_LAMBDA_LOG_FORMAT` (default `Text`). */
  readonly logFormat?: LogFormat | undefined
  /** Overrides `AWS_LAMBDA_LOG_LEVEL` (default `INFO`). */
  readonly logLevel?: LogLevel.LogLevel | undefined
  /**
   * Register an internal extension during init so that Lambda sends SIGTERM before it shuts
   * the environment down (and the layer's finalizers run). Default `true`. A registration
   * the platform does not answer within 1 s is given up: the runtime logs a warning and goes
   * on without SIGTERM.
   */
  readonly registerExtension?: boolean | undefined
  /**
   * How long a shutdown may take, counted from the first SIGTERM or SIGINT. Within it the
   * invocation in flight is stopped (the handler and its detached fibers are interrupted and
   * their finalizers run; an invocation not yet answered gets `/error` with the type
   * `Runtime.Shutdown`) and the layer is released. Past it the runtime logs what was still
   * running and exits with code 1, even if a finalizer never ends. Repeated signals do not
   * shorten it. It also bounds the layer's release when the runtime exits on a fatal error.
   * Lambda sends SIGKILL 300 to 500 ms after SIGTERM (more with external extensions).
   * Default 400 ms.
   */
  readonly shutdownBudget?: Duration.DurationInput | undefined
  /**
   * Make `console.log/info/warn/error/debug/trace` write Lambda's log format (the `logFormat`,
   * filtered at `logLevel` or `AWS_LAMBDA_LOG_LEVEL` when one is set, else not filtered, as
   * the official Node.js client does) with the request id of the invocation
   * that calls them, from the handler, detached work and promise code alike, as the official
   * Node.js runtime does. Default `true` with {@link run}, `false` with {@link serve} (which
   * runs inside a program that owns its process); the original console is restored when the
   * runtime stops.
   */
  readonly console?: boolean | undefined
  /**
   * The most invocations served at once on Lambda Managed Instances, where
   * `AWS_LAMBDA_MAX_CONCURRENCY` is set: the runtime runs that many poll loops in one process
   * (each invocation in its own fibers, scope and deadline), or this many if it is lower. It
   * never raises the platform's number, and changes nothing on classic Lambda (one invocation at
   * a time). Default: `AWS_LAMBDA_MAX_CONCURRENCY`.
   */
  readonly concurrency?: number | undefined
  /**
   * Writes the function's Effect `Metric`s as CloudWatch Embedded Metric Format lines, per
   * invocation, in this namespace (as `POWERTOOLS_METRICS_NAMESPACE` does, which it overrides).
   * See the README's "Observability".
   */
  readonly metricsNamespace?: string | undefined
}

/**
 * What the runtime reads from the environment Lambda sets (see {@link config}).
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimeConfig {
  /** `AWS_LAMBDA_RUNTIME_API`: the `host:port` of the Runtime API. Required. */
  readonly runtimeApi: string
  /** `AWS_LAMBDA_FUNCTION_NAME`; default `"function"`. */
  readonly functionName: string
  /** `AWS_LAMBDA_FUNCTION_VERSION`; default `"$LATEST"`. */
  readonly functionVersion: string
  /** `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB; default 128. */
  readonly memoryLimitInMB: number
  /** `AWS_LAMBDA_LOG_GROUP_NAME`; default empty. */
  readonly logGroupName: string
  /** `AWS_LAMBDA_LOG_STREAM_NAME`; default empty. */
  readonly logStreamName: string
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`; default empty. */
  readonly region: string
  /** `AWS_LAMBDA_LOG_FORMAT`: `JSON` (any case) gives `"JSON"`, anything else `"Text"`; default `"Text"`. */
  readonly logFormat: LogFormat
  /** `AWS_LAMBDA_LOG_LEVEL`: one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; default INFO. */
  readonly logLevel: LogLevel.LogLevel
  /**
   * `AWS_LAMBDA_MAX_CONCURRENCY`: how many invocations the platform may hand this process at
   * once (set on Lambda Managed Instances only); 1 when absent or not a positive integer.
   */
  readonly maxConcurrency: number
}

/**
 * The configuration the runtime reads from the environment, through `Config`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<RuntimeConfig> = internal.runtimeConfig

/**
 * The runtime as an Effect: reads the configuration, registers the SIGTERM extension, builds
 * the layer (posting `/init/error` if it fails), then serves invocations forever. It only
 * fails when the runtime must exit. Requirements that neither the handler's layer nor the
 * runtime provide stay in `R`, so the whole thing composes with `Effect.provide`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LambdaRuntime } from "effect-lambda-runtime"
 *
 * const program = LambdaRuntime.serve((event: unknown) => Effect.succeed({ echo: event }))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const serve: {
  <E, R, ROut = never, LE = never>(
    handler: LambdaHandler<E, R>,
    options?: RuntimeOptions<ROut, LE>
  ): Effect.Effect<never, FatalRuntimeError | ConfigError.ConfigError, Exclude<R, Provided | ROut>>
  <EA, OA, E, R, ROut = never, LE = never, EI = EA, OI = OA>(
    handler: Handler<EA, OA, E, R>,
    options?: RuntimeOptions<ROut, LE> & JsonOptions<EA, EI, OA, OI>
  ): Effect.Effect<never, FatalRuntimeError | ConfigError.ConfigError, Exclude<R, Provided | ROut>>
} = internal.serve

/**
 * Starts the runtime in this process and never returns: the entry point of a function's
 * bundle. SIGTERM and SIGINT stop the invocation in flight, release the layer and exit with
 * code 0 (1 when the shutdown budget ran out, see {@link RuntimeOptions.shutdownBudget}); a
 * fatal runtime error exits with code 1. An uncaught exception or unhandled rejection outside
 * Effect is logged with the request id and posted as the in-flight invocation's `/error`
 * (`Runtime.UncaughtException`, `Runtime.UnhandledPromiseRejection`; an init error during
 * init), then the process exits with code 129 or 128, as the official Node.js runtime does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LambdaContext, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const flushMetrics = Effect.log("metrics flushed")
 *
 * LambdaRuntime.run((event: unknown, context: LambdaContext) =>
 *   Effect.gen(function*() {
 *     yield* Effect.forkIn(flushMetrics, context.detachedScope) // runs after the response
 *     return { statusCode: 200, body: "ok" }
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run: {
  <E, R extends Provided | ROut, ROut = never, LE = never>(
    handler: LambdaHandler<E, R>,
    options?: RuntimeOptions<ROut, LE>
  ): void
  <EA, OA, E, R extends Provided | ROut, ROut = never, LE = never, EI = EA, OI = OA>(
    handler: Handler<EA, OA, E, R>,
    options?: RuntimeOptions<ROut, LE> & JsonOptions<EA, EI, OA, OI>
  ): void
} = internal.run

/**
 * A layer that has the runtime run `flush` after every response, in the window where detached
 * work runs (before the next invocation is asked for, so before the process may be frozen), and
 * once more on shutdown: for an exporter the runtime does not flush itself, such as the
 * OpenTelemetry SDK's span processor behind `@effect/opentelemetry`'s `NodeSdk`. Each run is
 * bounded by the invocation's deadline and 10 seconds; a failure is one warning line.
 *
 * @example
 * ```ts
 * import { NodeSdk } from "@effect/opentelemetry"
 * import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
 * import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
 * import { Effect, Layer } from "effect"
 * import { LambdaRuntime } from "effect-lambda-runtime"
 *
 * const processor = new BatchSpanProcessor(new OTLPTraceExporter())
 * const TracingLive = Layer.merge(
 *   NodeSdk.layer(() => ({ resource: { serviceName: "orders" }, spanProcessor: processor })),
 *   LambdaRuntime.flushAfterResponse(Effect.promise(() => processor.forceFlush()))
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const flushAfterResponse: (flush: Effect.Effect<void>) => Layer.Layer<never> = AfterResponse.layer
