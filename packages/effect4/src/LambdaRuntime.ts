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
import * as Scope from "effect/Scope"
import type { LambdaContext } from "./LambdaContext.js"
import { FatalRuntimeError } from "./LambdaError.js"
import * as LambdaHandler from "./LambdaHandler.js"
import { fromCause } from "./internal/causeDocument.js"
import * as Detached from "./internal/detached.js"
import * as Compatibility from "./internal/compatibility.js"
import * as References from "effect/References"
import * as LogLevel from "effect/LogLevel"
import {
  CodeCache,
  Console,
  EffectMajor,
  InvokeStore,
  Lifecycle as Rules,
  LogLine,
  ProcessHandlers,
  Protocol,
  WarmUp
} from "./internal/core.js"
import { Lifecycle } from "./internal/lifecycle.js"
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
 * failed (after posting `/init/error`), or the runtime cannot go on (a Runtime API call that
 * cannot be retried, work that would not stop by its deadline).
 *
 * @since 0.0.0
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
 * @since 0.0.0
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
            () => Console.identityStorage.getStore()
          )
        ),
        (restore) => Effect.sync(restore)
      )
    }
    const lanes = Rules.concurrencyOf(maxConcurrency, options.concurrency)
    // An Effect 3 handler, init or layer (a mixed install) is the init error, before anything runs.
    const wrongMajor = Compatibility.initProblem(given, options.layer)
    return yield* program(endpoint, handler, options, { life, lanes, managed, wrongMajor }).pipe(
      Effect.provideService(References.CurrentLoggers, new Set([Logger.make(logFormat)])),
      Effect.provideService(References.MinimumLogLevel, logLevel)
    )
  })) as Effect.Effect<never, ServeError<LE>, Exclude<R, LambdaHandler.Provided | ROut>>

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

/** What `serve` worked out besides the user's options. */
interface ProgramSettings {
  readonly life: Lifecycle
  /** How many lanes serve at once. */
  readonly lanes: number
  /** Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY` above 1). */
  readonly managed: boolean
  /** What is wrong with a handler, init or layer of the other major (compatibility.ts). */
  readonly wrongMajor: string | undefined
}

/**
 * Posts `document` as `/init/error` (or `/invocation/{id}/error`) on a client of its own, so
 * that it never shares a connection with a call of a lane; never fails, gives up after
 * `REPORT_TIMEOUT_MS` (the process exits once it is done).
 */
const reportWith =
  (endpoint: string) =>
  (target: { readonly requestId: string } | "init", document: Protocol.ErrorDocument): Effect.Effect<void> =>
    Effect.scoped(
      Effect.flatMap(
        RuntimeApiClient.make(endpoint),
        (api) => target === "init" ? api.initError(document) : api.fail(target.requestId, document)
      )
    ).pipe(
      Effect.timeout(Duration.millis(Rules.REPORT_TIMEOUT_MS)),
      Effect.catch((error) =>
        Effect.logError(`Could not report ${document.errorType} to the Runtime API: ${error.message}`)
      )
    )

/** The runtime once its configuration is read: the clients, the layer, the lanes. */
const program = <R, ROut, LE>(
  endpoint: string,
  handler: LambdaHandler.LambdaHandler<unknown, R>,
  options: RuntimeOptions<ROut, LE>,
  settings: ProgramSettings
) =>
  Effect.gen(function*() {
    const { life, managed } = settings
    const loggers = yield* Effect.context<never>()
    const report = reportWith(endpoint)
    // An error outside Effect during init or an invocation is posted through here (processHandlers.ts).
    life.report = (target, document) => Effect.runPromise(Effect.provideContext(report(target, document), loggers))
    const api = yield* RuntimeApiClient.make(endpoint)
    if (settings.wrongMajor !== undefined) {
      const errorMessage = settings.wrongMajor
      yield* Effect.logFatal(errorMessage)
      yield* Effect.ignore(
        api.initError({ errorType: EffectMajor.WRONG_MAJOR_ERROR_TYPE, errorMessage, stackTrace: [] })
      )
      return yield* new FatalRuntimeError({ detail: errorMessage })
    }
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
    // The layer has a scope of its own, released on shutdown within what the budget has left.
    const layerScope = yield* Scope.make()
    const initFailed = (cause: Cause.Cause<unknown>) =>
      Effect.andThen(Effect.logFatal("Init Error", cause), Effect.ignore(api.initError(fromCause(cause))))
    const serving = Effect.gen(function*() {
      const services = options.layer === undefined
        ? Context.empty() as Context.Context<ROut>
        : yield* Layer.buildWithScope(options.layer, layerScope).pipe(Effect.tapCause(initFailed))
      // A handler with an init step (LambdaHandler.fromInit) is built once, here, with the layer's
      // services and scope (what it acquires is released with the layer); its failure is the
      // init error, as the layer's is.
      const ready = handler.init === undefined
        ? handler
        : yield* handler.init.pipe(
          Effect.provideContext(services),
          Effect.provideService(Scope.Scope, layerScope),
          Effect.tapCause(initFailed)
        )
      // Detached work relies on how Effect records forked fibers in a scope: checked once, its
      // failure the init error (as on the Effect 3 line).
      yield* Detached.verifyTracking().pipe(
        Effect.tapError((error) =>
          Effect.ignore(
            api.initError({ errorType: Protocol.errorTypes.initError, errorMessage: error.detail, stackTrace: [] })
          )
        )
      )
      const timeoutMarginMs = Duration.toMillis(Duration.fromInputUnsafe(options.timeoutMargin ?? Duration.millis(200)))
      const invokeStore = yield* Effect.promise(InvokeStore.make)
      const asyncInvokeStore = InvokeStore.isAsyncContext(invokeStore)
      // Managed Instances: one client (one connection for its long poll and results) per lane.
      const lanes = yield* Effect.forEach(
        Array.from({ length: settings.lanes - 1 }),
        () => RuntimeApiClient.make(endpoint)
      )
      life.initDone = true
      return yield* Loop.loop(api, ready as Loop.Handler<R>, {
        timeoutMarginMs,
        invokeStore,
        asyncInvokeStore,
        life,
        lanes,
        managed
      }).pipe(Effect.provideContext(services))
    })
    return yield* serving.pipe(
      Effect.onExit((exit) =>
        Effect.andThen(
          life.within("the layer's release", Scope.close(layerScope, exit)),
          Effect.suspend(() => life.abandoned.length === 0 ? Effect.void : Effect.logError(life.budgetExhausted()))
        )
      )
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
