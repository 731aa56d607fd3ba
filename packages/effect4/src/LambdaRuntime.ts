/**
 * Starting the runtime on the Effect 4 line: read the Lambda environment through `Config`, build
 * the user's `Layer` once (its failure is the init error, posted to `/init/error`), then serve
 * invocations until shutdown, releasing the layer on SIGTERM.
 *
 * The first piece of the line (issue 19): JSON handlers, one invocation at a time.
 *
 * @example
 * ```ts no-check
 * import { Effect } from "effect"
 * import { LambdaRuntime } from "@effect-lambda-runtime/effect4"
 *
 * LambdaRuntime.run((event: { readonly name?: string }) => Effect.succeed({ greeting: `hello, ${event.name}` }))
 * ```
 *
 * @since 0.0.0
 */
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { LambdaContext } from "./LambdaContext.js"
import type { FatalRuntimeError } from "./LambdaError.js"
import * as LambdaHandler from "./LambdaHandler.js"
import { fromCause } from "./internal/causeDocument.js"
import * as References from "effect/References"
import * as LogLevel from "effect/LogLevel"
import { CodeCache, Console, InvokeStore, LogLine, Protocol, WarmUp } from "./internal/core.js"
import * as Logger from "./internal/logger.js"
import * as Loop from "./internal/loop.js"
import * as RuntimeApiClient from "./internal/runtimeApiClient.js"

/**
 * Options of {@link run} and {@link serve}.
 *
 * @since 0.0.0
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
}

/** Effect's level of each console level. */
const consoleLevels: Record<Console.ConsoleLevel, LogLevel.LogLevel> = {
  TRACE: "Trace",
  DEBUG: "Debug",
  INFO: "Info",
  WARN: "Warn",
  ERROR: "Error"
}

/** The name under which the runtime registers its internal (SIGTERM) extension, as the Effect 3 line does. */
const EXTENSION_NAME = "effect-lambda-runtime"

/** How long init waits for the extension registration (init has 10 s on Lambda). */
const REGISTRATION_TIMEOUT = Duration.seconds(1)

/**
 * A handler of JSON events: its success is posted as the JSON response, its failure as `/error`.
 *
 * @since 0.0.0
 * @category models
 */
export type Handler<Event, A, E, R> = LambdaHandler.Handler<Event, A, E, R>

/**
 * What {@link serve} fails with: the configuration is invalid, the layer (or the handler's init)
 * failed (after posting `/init/error`), the Runtime API failed, or a post failed for good.
 *
 * @since 0.0.0
 * @category models
 */
export type ServeError<LE> =
  | RuntimeApiClient.RuntimeApiError
  | FatalRuntimeError
  | Config.ConfigError
  | InvalidConfiguration
  | LE

/**
 * The runtime as an Effect: serves a `LambdaHandler` (any form), or a plain function as
 * `LambdaHandler.json(fn, options)` (with the `event` / `output` Schemas of the options).
 *
 * @since 0.0.0
 * @category running
 */
export const serve: {
  <E, R, ROut = never, LE = never>(
    handler: LambdaHandler.LambdaHandler<E, R>,
    options?: RuntimeOptions<ROut, LE>
  ): Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaContext | ROut>>
  <Event, A, E, R, ROut = never, LE = never, EI = Event, OI = A>(
    handler: Handler<Event, A, E, R>,
    options?: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<Event, EI, A, OI>
  ): Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaContext | ROut>>
} = <R, ROut, LE>(
  handler: LambdaHandler.LambdaHandler<unknown, R> | Handler<unknown, unknown, unknown, R>,
  options: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<unknown, unknown, unknown, unknown> = {}
): Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaContext | ROut>> =>
  Effect.scoped(Effect.gen(function*() {
    const endpoint = yield* Config.String(Protocol.env.runtimeApi)
    const logFormat = options.logFormat ??
      ((yield* Config.String(Protocol.env.logFormat).pipe(Config.withDefault("Text"))).toUpperCase() === "JSON"
        ? "JSON"
        : "Text")
    const levelSet = options.logLevel ?? (yield* configuredLevel(endpoint))
    const logLevel = levelSet ?? "Info"
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
            () => Console.identityStorage.getStore()
          )
        ),
        (restore) => Effect.sync(restore)
      )
    }
    const lambdaHandler = LambdaHandler.isLambdaHandler(handler) ? handler : LambdaHandler.json(handler, options)
    return yield* program(endpoint, lambdaHandler, options).pipe(
      Effect.provideService(References.CurrentLoggers, new Set([Logger.make(logFormat)])),
      Effect.provideService(References.MinimumLogLevel, logLevel)
    )
  })) as Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaContext | ROut>>

/**
 * An invalid configuration (an `AWS_LAMBDA_LOG_LEVEL` that names no level): reported as the
 * function's init error, `Runtime.InvalidConfiguration`.
 *
 * @since 0.0.0
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

/** The runtime once its configuration is read: the client, the layer, the loop. */
const program = <R, ROut, LE>(
  endpoint: string,
  handler: LambdaHandler.LambdaHandler<unknown, R>,
  options: RuntimeOptions<ROut, LE>
) =>
  Effect.gen(function*() {
    const api = yield* RuntimeApiClient.make(endpoint)
    if (options.registerExtension !== false) {
      // So that Lambda sends SIGTERM before it shuts the environment down, and the layer is released.
      yield* api.registerExtension(EXTENSION_NAME).pipe(
        Effect.map((): string | undefined => undefined),
        Effect.timeoutOrElse({
          duration: REGISTRATION_TIMEOUT,
          orElse: () => Effect.succeed("the extension registration was not answered within 1 second")
        }),
        Effect.catch((error) => Effect.succeed(error.message)),
        Effect.flatMap((problem) =>
          problem === undefined ? Effect.void : Effect.logWarning(`${problem}; SIGTERM will not be delivered`)
        )
      )
    }
    const initFailed = (cause: Cause.Cause<unknown>) =>
      Effect.andThen(Effect.logFatal("Init Error", cause), Effect.ignore(api.initError(fromCause(cause))))
    const services = options.layer === undefined
      ? Context.empty() as Context.Context<ROut>
      : yield* Layer.build(options.layer).pipe(Effect.tapCause(initFailed))
    // A handler with an init step (LambdaHandler.fromInit) is built once, here, with the layer's
    // services; its failure is the init error, as the layer's is.
    const ready = handler.init === undefined
      ? handler
      : yield* handler.init.pipe(Effect.provideContext(services), Effect.tapCause(initFailed))
    const timeoutMarginMs = Duration.toMillis(Duration.fromInputUnsafe(options.timeoutMargin ?? Duration.millis(200)))
    const invokeStore = yield* Effect.promise(InvokeStore.make)
    const asyncInvokeStore = InvokeStore.isAsyncContext(invokeStore)
    return yield* Loop.loop(api, ready, { timeoutMarginMs, invokeStore, asyncInvokeStore }).pipe(
      Effect.provideContext(services)
    )
  })

/** The training run's handler (never the user's): it forks detached work, as handlers may. */
const standIn: Handler<unknown, unknown, never, LambdaContext> = (event, context) =>
  Effect.as(Effect.forkIn(Effect.void, context.detachedScope), { echo: event })

/**
 * Runs the runtime as the process's main program: SIGTERM and SIGINT interrupt it (the layer is
 * released), a failure exits 1.
 *
 * @since 0.0.0
 * @category running
 */
export const run: {
  <E, R extends LambdaContext | ROut, ROut = never, LE = never>(
    handler: LambdaHandler.LambdaHandler<E, R>,
    options?: RuntimeOptions<ROut, LE>
  ): void
  <Event, A, E, R extends LambdaContext | ROut, ROut = never, LE = never, EI = Event, OI = A>(
    handler: Handler<Event, A, E, R>,
    options?: RuntimeOptions<ROut, LE> & LambdaHandler.JsonOptions<Event, EI, A, OI>
  ): void
} = <ROut, LE>(
  handler: LambdaHandler.LambdaHandler<unknown, LambdaContext | ROut> | Handler<unknown, unknown, unknown, ROut>,
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
  const fiber = Effect.runFork(
    serve(handler as LambdaHandler.LambdaHandler<unknown, LambdaContext | ROut>, {
      console: true,
      ...options
    }) as Effect.Effect<never, unknown>
  )
  const stop = () => fiber.interruptUnsafe()
  process.once("SIGTERM", stop)
  process.once("SIGINT", stop)
  fiber.addObserver((exit) => {
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
      process.stderr.write(`effect-lambda-runtime: ${Cause.pretty(exit.cause)}\n`)
      process.exit(1)
    }
    process.exit(0)
  })
}
