/**
 * Starting the runtime on the Effect 4 line: read the Lambda environment through `Config`, build
 * the user's `Layer` once (its failure is the init error, posted to `/init/error`), then serve
 * invocations until shutdown, releasing the layer on SIGTERM.
 *
 * JSON handlers, one invocation at a time per lane: one lane in the classic mode, N on Lambda
 * Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`). SIGTERM, errors outside Effect and work that
 * would not stop by its deadline follow the Effect 3 line's rules (docs/reliability.md).
 *
 * @example
 * ```ts no-check
 * import { Effect } from "effect"
 * import { LambdaRuntime } from "effect-lambda-runtime"
 *
 * LambdaRuntime.run((event: { readonly name?: string }) => Effect.succeed({ greeting: `hello, ${event.name}` }))
 * ```
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { LambdaContext } from "./LambdaContext.js"
import { FatalRuntimeError } from "./LambdaError.js"
import * as LambdaHandler from "./LambdaHandler.js"
import * as Compatibility from "./internal/compatibility.js"
import * as References from "effect/References"
import * as LogLevel from "effect/LogLevel"
import { CodeCache, Console, Lifecycle as Rules, LogLine, ProcessHandlers, Protocol, WarmUp } from "./internal/core.js"
import { Lifecycle } from "./internal/lifecycle.js"
import * as Logger from "./internal/logger.js"
import * as Program from "./internal/program.js"
import * as RuntimeApiClient from "./internal/runtimeApiClient.js"
import * as AfterResponse from "./internal/telemetry/afterResponse.js"

/**
 * Options of {@link run} and {@link serve}.
 *
 * @since 1.0.0
 * @category models
 */
export interface RuntimeOptions<ROut = never, LE = never> {
  /** The application's services, built once before the first invocation and released on shutdown. */
  readonly layer?: Layer.Layer<ROut, LE> | undefined
  /** How long before the deadline the handler and its detached work are interrupted. Default 200 ms. */
  readonly timeoutMargin?: Duration.Input | undefined
  /**
   * Register an internal extension during init so that Lambda sends SIGTERM before it shuts the
   * environment down (and the layer is released). Default `true`; a registration not answered
   * within 1 s is given up with a warning.
   */
  readonly registerExtension?: boolean | undefined
  /**
   * Make `console.log/info/warn/error/debug/trace` write Lambda's log format with the request id
   * of the invocation that calls them (from the handler, detached work and promise code alike).
   * Default `true` with {@link run}, `false` with {@link serve} (which runs inside a program that
   * owns its process).
   */
  readonly console?: boolean | undefined
  /** Overrides `AWS_LAMBDA_LOG_FORMAT` (default `Text`, Lambda's text format). */
  readonly logFormat?: Logger.LogFormat | undefined
  /** Overrides `AWS_LAMBDA_LOG_LEVEL` (default `Info`). */
  readonly logLevel?: LogLevel.LogLevel | undefined
  /**
   * How long a shutdown (SIGTERM, SIGINT) may take: the invocations in flight and their detached
   * work get it to finish before they are interrupted, then the layer is released with what is
   * left; past it the process exits 1, naming what was still running. Default 400 ms (Lambda
   * gives 300 to 500 ms before SIGKILL).
   */
  readonly shutdownBudget?: Duration.Input | undefined
  /**
   * On Lambda Managed Instances, how many invocations are served at once: at most
   * `AWS_LAMBDA_MAX_CONCURRENCY` (a higher number is ignored; the option can only lower it).
   */
  readonly concurrency?: number | undefined
  /**
   * Writes the function's Effect `Metric`s as CloudWatch Embedded Metric Format lines, per
   * invocation, in this namespace (as `POWERTOOLS_METRICS_NAMESPACE` does, which it overrides).
   * See the README's "Observability".
   */
  readonly metricsNamespace?: string | undefined
}

/** Effect's level of each console level. */
const consoleLevels: Record<Console.ConsoleLevel, LogLevel.LogLevel> = {
  TRACE: "Trace",
  DEBUG: "Debug",
  INFO: "Info",
  WARN: "Warn",
  ERROR: "Error"
}

/**
 * A handler of JSON events: its success is posted as the JSON response, its failure as `/error`.
 *
 * @since 1.0.0
 * @category models
 */
export type Handler<Event, A, E, R> = LambdaHandler.Handler<Event, A, E, R>

/**
 * What {@link serve} fails with: the configuration is invalid, the layer (or the handler's init)
 * failed (after posting `/init/error`), or the runtime cannot go on (a Runtime API call that
 * cannot be retried, work that would not stop by its deadline).
 *
 * @since 1.0.0
 * @category models
 */
export type ServeError<LE> =
  | FatalRuntimeError
  | Config.ConfigError
  | InvalidConfiguration
  | LE

/**
 * The runtime as an Effect: serves a `LambdaHandler` (any form), or a plain function as
 * `LambdaHandler.json(fn, options)` (with the `event` / `output` Schemas of the options).
 *
 * @since 1.0.0
 * @category running
 */
export const serve: {
  <E, R, ROut = never, LE = never>(
    handler: LambdaHandler.LambdaHandler<E, R>,
    options?: RuntimeOptions<ROut, LE>
  ): Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaHandler.Provided | ROut>>
  <Event, A, E, R, ROut = never, LE = never, EI = Event, OI = A>(
    handler: Handler<Event, A, E, R>,
    options?: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<Event, EI, A, OI>
  ): Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaHandler.Provided | ROut>>
} = <R, ROut, LE>(
  handler: LambdaHandler.LambdaHandler<unknown, R> | Handler<unknown, unknown, unknown, R>,
  options: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<unknown, unknown, unknown, unknown> = {}
): Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaHandler.Provided | ROut>> =>
  serveWith(handler, options, new Lifecycle())

/** {@link serve} with the process-level state that `run` shares with its signal and error handlers. */
const serveWith = <R, ROut, LE>(
  given: LambdaHandler.LambdaHandler<unknown, R> | Handler<unknown, unknown, unknown, R>,
  options: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<unknown, unknown, unknown, unknown>,
  life: Lifecycle
): Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaHandler.Provided | ROut>> =>
  Effect.scoped(Effect.gen(function*() {
    const handler = Compatibility.toLambdaHandler(given, options)
    const endpoint = yield* Config.String(Protocol.env.runtimeApi)
    // Unparsable means the classic single loop, never an init error: the variable is the platform's.
    const maxConcurrency = Math.max(
      1,
      yield* Config.Int(Protocol.env.maxConcurrency).pipe(Config.orElse(() => Config.succeed(1)))
    )
    const managed = maxConcurrency > 1
    // Managed Instances take JSON logs only (every line must say which invocation wrote it).
    const logFormat = options.logFormat ?? (managed ? "JSON" : (yield* Config.String(Protocol.env.logFormat).pipe(
        Config.withDefault("Text")
      )).toUpperCase() === "JSON"
      ? "JSON"
      : "Text")
    const levelSet = options.logLevel ?? (yield* configuredLevel(endpoint))
    const logLevel = levelSet ?? "Info"
    life.logFormat = logFormat
    life.logLevel = logLevel
    life.shutdownBudgetMs = Rules.budgetMs(
      options.shutdownBudget === undefined
        ? undefined
        : Duration.toMillis(Duration.fromInputUnsafe(options.shutdownBudget))
    )
    if (options.console === true) {
      // Installed before the layer is built, so that its `console` lines are Lambda's too; the
      // original console is put back when the runtime stops.
      yield* Effect.acquireRelease(
        Effect.sync(() =>
          Console.installConsole(
            logFormat,
            // Filtered only at a level that was set: unset, the official Node.js client lets every
            // console line through (Effect's own lines keep the INFO default).
            (level) => levelSet === undefined || !LogLevel.isLessThan(consoleLevels[level], levelSet),
            Console.callingIdentity
          )
        ),
        (restore) => Effect.sync(restore)
      )
    }
    const lanes = Rules.concurrencyOf(maxConcurrency, options.concurrency)
    // An Effect 3 handler, init or layer (a mixed install) is the init error, before anything runs.
    const wrongMajor = Compatibility.initProblem(given, options.layer)
    return yield* Program.program(endpoint, handler, options, { life, lanes, managed, wrongMajor }).pipe(
      Effect.provideService(References.CurrentLoggers, new Set([Logger.make(logFormat)])),
      Effect.provideService(References.MinimumLogLevel, logLevel)
    )
  })) as Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaHandler.Provided | ROut>>

/**
 * An invalid configuration (an `AWS_LAMBDA_LOG_LEVEL` that names no level): reported as the
 * function's init error, `Runtime.InvalidConfiguration`.
 *
 * @since 1.0.0
 * @category errors
 */
export class InvalidConfiguration extends Data.TaggedError("InvalidConfiguration")<{ readonly detail: string }> {
  override get message(): string {
    return `Invalid configuration: ${this.detail}`
  }
}

/**
 * `AWS_LAMBDA_LOG_LEVEL`, `undefined` when unset; a value that names no level is posted as the
 * init error.
 */
const configuredLevel = (endpoint: string) =>
  Effect.gen(function*() {
    const set = yield* Config.option(Config.String(Protocol.env.logLevel))
    if (Option.isNone(set)) return undefined
    const value = set.value
    const level = LogLine.parseLevel(value)
    if (level !== undefined) return level
    const error = new InvalidConfiguration({
      detail: `${Protocol.env.logLevel} must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got "${value}")`
    })
    const api = yield* RuntimeApiClient.make(endpoint)
    yield* Effect.ignore(api.initError({
      errorType: Protocol.errorTypes.invalidConfiguration,
      errorMessage: error.message,
      stackTrace: []
    }))
    return yield* error
  })

/** The training run's handler (never the user's): it forks detached work, as handlers may. */
const standIn: Handler<unknown, unknown, never, LambdaContext> = (event, context) =>
  Effect.as(Effect.forkIn(Effect.void, context.detachedScope), { echo: event })

/**
 * Runs the runtime as the process's main program: SIGTERM and SIGINT interrupt it (the layer is
 * released), a failure exits 1.
 *
 * @since 1.0.0
 * @category running
 */
export const run: {
  <E, R extends LambdaHandler.Provided | ROut, ROut = never, LE = never>(
    handler: LambdaHandler.LambdaHandler<E, R>,
    options?: RuntimeOptions<ROut, LE>
  ): void
  <Event, A, E, R extends LambdaHandler.Provided | ROut, ROut = never, LE = never, EI = Event, OI = A>(
    handler: Handler<Event, A, E, R>,
    options?: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<Event, EI, A, OI>
  ): void
} = <ROut, LE>(
  handler:
    | LambdaHandler.LambdaHandler<unknown, LambdaHandler.Provided | ROut>
    | Handler<unknown, unknown, unknown, ROut>,
  options?: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<unknown, unknown, unknown, unknown>
): void => {
  // In the build's code-cache training run the runtime only warms its loop up, with a stand-in.
  const hook = CodeCache.trainingHook()
  if (hook !== undefined) {
    return WarmUp.train(hook, (stopped) => {
      Effect.runFork(
        serve(standIn).pipe(Effect.provideService(References.MinimumLogLevel, "None"))
      ).addObserver(stopped)
    })
  }
  const life = new Lifecycle()
  const fiber = Effect.runFork(
    serveWith(handler, { console: true, ...options }, life) as Effect.Effect<never, unknown>
  )
  ProcessHandlers.install(life, {
    interrupt: () => fiber.interruptUnsafe(),
    logError: (message, defect, requestId) =>
      Effect.runSync(
        Effect.logError(message, defect === undefined ? Cause.empty : Cause.die(defect.value)).pipe(
          requestId === undefined ? (log) => log : Effect.annotateLogs(LogLine.REQUEST_ID, requestId),
          Effect.provideService(References.CurrentLoggers, new Set([Logger.make(life.logFormat)])),
          Effect.provideService(References.MinimumLogLevel, life.logLevel)
        )
      )
  })
  fiber.addObserver((exit) => {
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
      // A fatal error was logged where it happened; configuration errors and defects were not.
      if (!(Cause.squash(exit.cause) instanceof FatalRuntimeError)) {
        process.stderr.write(`effect-lambda-runtime: ${Cause.pretty(exit.cause)}\n`)
      }
      process.exit(1)
    }
    // Interrupted by a signal or the platform's shutdown: clean, unless the budget cut something off.
    process.exit(life.abandoned.length === 0 ? 0 : 1)
  })
}

/**
 * A layer that has the runtime run `flush` after every response, in the window where detached
 * work runs (before the next invocation is asked for, so before the process may be frozen), and
 * once more on shutdown: for an exporter the runtime does not flush itself, such as the
 * OpenTelemetry SDK's span processor behind `@effect/opentelemetry`'s `NodeSdk` (a layer with
 * `effect/observability`'s `OtlpTracer` is flushed without it). Each run is bounded by the
 * invocation's deadline and 10 seconds; a failure is one warning line.
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
 * @since 1.0.0
 * @category layers
 */
export const flushAfterResponse: (flush: Effect.Effect<void>) => Layer.Layer<never> = AfterResponse.layer
