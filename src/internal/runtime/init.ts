import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import { getCurrentVersion } from "effect/ModuleVersion"
import type * as LambdaHandler from "../../LambdaHandler.js"
import type { Handler, Provided } from "../../LambdaHandler.js"
import type { JsonOptions } from "../../LambdaHandler.js"
import type { RuntimeConfig, RuntimeOptions } from "../../LambdaRuntime.js"
import type { RuntimeApiService } from "../../RuntimeApi.js"
import { FatalRuntimeError } from "./errors.js"
import { isLambdaHandler, json } from "./handler.js"
import { RuntimeApi } from "./runtimeApi.js"
import * as Compatibility from "./compatibility.js"
import * as EffectMajor from "../core/effectMajor.js"
import * as Console from "./console.js"
import * as InvokeStore from "../core/invokeStore.js"
import * as Detached from "./detached.js"
import { fromCause } from "./causeDocument.js"
import * as Logger from "./logger.js"
import { trainingHook } from "../core/codeCache.js"
import * as WarmUp from "./warmUp.js"
import { budgetMs, concurrencyOf, REPORT_TIMEOUT_MS } from "../core/lifecycle.js"
import { Lifecycle } from "./lifecycle.js"
import { defaultRetrySchedule, loop } from "./loop.js"
import type { RuntimeSettings } from "./settings.js"
import * as Settings from "./settings.js"
import { defaultEnvironment } from "./environment.js"
import { runMain } from "./main.js"
import { env, errorTypes } from "../core/protocol.js"
import type { ErrorDocument } from "../core/protocol.js"
import { nodeTimer } from "./timers.js"
import * as RuntimeApiClient from "./runtimeApiClient.js"
import * as AfterResponse from "./afterResponse.js"
import * as Telemetry from "./telemetry.js"

/**
 * The name under which the runtime registers its internal (SIGTERM) extension.
 *
 * @internal
 */
export const EXTENSION_NAME = "effect-lambda-runtime"

/**
 * How long init waits for the extension registration: the client gives up then
 * (runtimeApiClient.ts `REGISTRATION_TIMEOUT_MS`, which says why 1 s).
 *
 * @internal
 */
export const REGISTRATION_TIMEOUT = Duration.millis(RuntimeApiClient.REGISTRATION_TIMEOUT_MS)

/**
 * The `/init/error` type of an invalid configuration (e.g. `AWS_LAMBDA_LOG_LEVEL=bogus`).
 *
 * @internal
 */
export const INVALID_CONFIGURATION = errorTypes.invalidConfiguration

const logLevelConfig = (name: string): Config.Config<LogLevel.LogLevel> =>
  Config.string(name).pipe(
    Config.mapOrFail((value) => {
      const level = Logger.parseLogLevel(value)
      return level === undefined
        ? Either.left(
          ConfigError.InvalidData([name], `must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got "${value}")`)
        )
        : Either.right(level)
    })
  )

/** @internal */
export const runtimeConfig: Config.Config<RuntimeConfig> = Config.all({
  runtimeApi: Config.string(env.runtimeApi).pipe(
    Config.validate({
      message: "must be the host:port of the Runtime API (set by Lambda; use `effect-lambda run` to run locally)",
      validation: (value) => value.length > 0
    })
  ),
  functionName: Config.withDefault(Config.string(env.functionName), "function"),
  functionVersion: Config.withDefault(Config.string(env.functionVersion), "$LATEST"),
  memoryLimitInMB: Config.withDefault(Config.integer(env.functionMemorySize), 128),
  logGroupName: Config.withDefault(Config.string(env.logGroupName), ""),
  logStreamName: Config.withDefault(Config.string(env.logStreamName), ""),
  region: Config.string(env.region).pipe(Config.orElse(() => Config.string(env.defaultRegion)), Config.withDefault("")),
  logFormat: Config.withDefault(
    Config.map(
      Config.string(env.logFormat),
      (value): Logger.LogFormat => value.toUpperCase() === "JSON" ? "JSON" : "Text"
    ),
    "Text"
  ),
  logLevel: Config.withDefault(logLevelConfig(env.logLevel), Logger.parseLogLevel("INFO")!),
  // Unparsable means the classic single loop, never an init error: the variable is the platform's.
  maxConcurrency: Config.integer(env.maxConcurrency).pipe(
    Config.map((value) => Math.max(1, value)),
    Config.orElse(() => Config.succeed(1))
  )
})

/** @internal */
export const toLambdaHandler = <EA, OA, E, R, EI, OI>(
  handler: LambdaHandler.LambdaHandler<E, R> | Handler<EA, OA, E, R>,
  options: JsonOptions<EA, EI, OA, OI>
): LambdaHandler.LambdaHandler<unknown, R> =>
  isLambdaHandler(handler)
    ? handler as LambdaHandler.LambdaHandler<E, R>
    : json(Compatibility.checkedHandler(handler), options)

/**
 * How the runtime reaches the Runtime API: the HTTP client (tests may pass another).
 *
 * @internal
 */
export type MakeRuntimeApi = (endpoint: string) => Effect.Effect<RuntimeApiService, never, Scope.Scope>

/**
 * Posts `document` as `/init/error` (or `/invocation/{id}/error`) on a client of its own, so
 * that it never shares a connection with a call of the loop; never fails, gives up after
 * `REPORT_TIMEOUT_MS`.
 */
const reportWith =
  (makeApi: MakeRuntimeApi, endpoint: string) =>
  (target: { readonly requestId: string } | "init", document: ErrorDocument): Effect.Effect<void> =>
    Effect.scoped(
      Effect.flatMap(
        makeApi(endpoint),
        (api) => target === "init" ? api.initError(document) : api.fail(target.requestId, document)
      )
    ).pipe(
      Effect.timeout(Duration.millis(REPORT_TIMEOUT_MS)),
      Effect.catchAll((error) =>
        Effect.logError(`Could not report ${document.errorType} to the Runtime API: ${error.message}`)
      )
    )

/** An invalid configuration is an init error, posted first when the Runtime API's address is known. */
const reportInvalidConfiguration = (error: ConfigError.ConfigError, makeApi: MakeRuntimeApi) =>
  Effect.gen(function*() {
    const endpoint = yield* Effect.orElseSucceed(Config.string(env.runtimeApi), () => "")
    if (endpoint.trim().length > 0) {
      yield* reportWith(makeApi, endpoint)("init", {
        errorType: INVALID_CONFIGURATION,
        errorMessage: `Invalid configuration: ${String(error)}`,
        stackTrace: []
      })
    }
    return yield* Effect.fail(error)
  })

const budgetOf = (budget: Duration.DurationInput | undefined): number =>
  budgetMs(budget === undefined ? undefined : Duration.toMillis(Duration.decode(budget)))

/**
 * How `run` (and tests) set up `serve` beyond the user's options.
 *
 * @internal
 */
export interface ServeInternals {
  /** How the runtime reaches the Runtime API (tests pass a broken client). Default: the HTTP client. */
  readonly makeApi?: MakeRuntimeApi | undefined
  /** The state the process-level handlers read (`run` shares it with `runMain`). */
  readonly life?: Lifecycle | undefined
  /** Whether the Lambda-formatted console is installed when `options.console` is not set. */
  readonly consoleByDefault?: boolean | undefined
}

/** @internal */
export const serve = <EA, OA, E, R, ROut, LE, EI, OI>(
  handler: LambdaHandler.LambdaHandler<E, R> | Handler<EA, OA, E, R>,
  options: RuntimeOptions<ROut, LE> & JsonOptions<EA, EI, OA, OI> = {},
  internals: ServeInternals = {}
): Effect.Effect<never, FatalRuntimeError | ConfigError.ConfigError, Exclude<R, Provided | ROut>> =>
  Effect.gen(function*() {
    const makeApi = internals.makeApi ?? RuntimeApiClient.make
    const life = internals.life ?? new Lifecycle()
    // The default provider (the environment) is read without `Config` (environment.ts says why);
    // any other provider, or a value `Config` would reject, goes through `runtimeConfig`.
    const variables = yield* defaultEnvironment
    const fromEnvironment = variables === undefined ? undefined : Settings.fromEnvironment(variables)
    const config = fromEnvironment ??
      (yield* Effect.catchAll(runtimeConfig, (error) => reportInvalidConfiguration(error, makeApi)))
    const invokeStore = yield* Effect.promise(InvokeStore.make)
    const managed = config.maxConcurrency > 1
    // Read once; without a telemetry variable nothing more is loaded (telemetry.ts).
    const { problems: telemetryProblems, telemetry } = yield* Telemetry.load(
      config,
      { metricsNamespace: options.metricsNamespace },
      variables
    )
    const settings: RuntimeSettings = {
      config,
      // Managed Instances take JSON logs only (every line must say which invocation wrote it).
      logFormat: options.logFormat ?? (managed ? "JSON" : config.logFormat),
      logLevel: options.logLevel ?? config.logLevel,
      timeoutMarginMs: Duration.toMillis(Duration.decode(options.timeoutMargin ?? Duration.millis(200))),
      retrySchedule: defaultRetrySchedule,
      requestContext: options.console ?? internals.consoleByDefault ?? false,
      timer: nodeTimer,
      invokeStore,
      asyncInvokeStore: InvokeStore.isAsyncContext(invokeStore),
      concurrency: concurrencyOf(config.maxConcurrency, options.concurrency),
      managed,
      telemetry
    }
    const { logFormat, logLevel, requestContext } = settings
    // `console.*` is filtered only at a level that was set (`logLevel` or `AWS_LAMBDA_LOG_LEVEL`):
    // unset, the official Node.js client lets every console line through (Lambda itself filters
    // only JSON logs, and only with a level configured); Effect's own lines keep the INFO default.
    const levelSet = fromEnvironment !== undefined
      ? variables![env.logLevel] !== undefined
      : Option.isSome(yield* Effect.orElseSucceed(Config.option(Config.string(env.logLevel)), () => Option.none()))
    const consoleLevel = options.logLevel ?? (levelSet ? config.logLevel : LogLevel.All)
    life.settings = settings
    life.shutdownBudgetMs = budgetOf(options.shutdownBudget)
    const report = reportWith(makeApi, config.runtimeApi)
    life.report = (target, document) =>
      Effect.runPromise(report(target, document).pipe(Logger.provide(logFormat, logLevel)))
    const lambdaHandler = toLambdaHandler(handler, options)
    // Installed before the layer is built, so that its `console` lines are Lambda's too;
    // restored last, after the layer's release (below).
    const restoreConsole = requestContext ? Console.installConsole(logFormat, consoleLevel) : undefined
    const userLayer = (options.layer ?? Layer.empty) as Layer.Layer<ROut, LE>

    const program = Effect.gen(function*() {
      const scope = yield* Effect.scope
      for (const problem of telemetryProblems) yield* Effect.logWarning(problem)
      const api = yield* makeApi(config.runtimeApi)
      if (options.registerExtension !== false) {
        // Not answered within REGISTRATION_TIMEOUT, the client gives up (the call is abandoned:
        // the first `/next` drops its connection) and init goes on without SIGTERM.
        yield* api.registerExtension(EXTENSION_NAME).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning(`${error.message}; SIGTERM will not be delivered before shutdown`)
          )
        )
      }
      const postInitError = (document: ErrorDocument) =>
        api.initError(document).pipe(
          Effect.catchAll((error) => Effect.logError(`could not report the init error: ${error.message}`))
        )
      // The installed effect must be one this version supports (and the handler's init Effect one of
      // its own copy): checked before the layer and the handler run, reported as the init error.
      const incompatible = (errorType: string, detail: string) =>
        Effect.logFatal(detail).pipe(
          Effect.zipRight(postInitError({ errorType, errorMessage: detail, stackTrace: [] })),
          Effect.zipRight(new FatalRuntimeError({ detail }))
        )
      // An Effect 4 handler, init or layer (a mixed install) would not run on this line at all.
      const wrongMajor = EffectMajor.initProblem(3, { handler, layer: options.layer })
      if (wrongMajor !== undefined) return yield* incompatible(EffectMajor.WRONG_MAJOR_ERROR_TYPE, wrongMajor)
      const versionProblem = Compatibility.effectVersionProblem(getCurrentVersion())
      if (versionProblem !== undefined) return yield* incompatible(Compatibility.UNSUPPORTED_EFFECT, versionProblem)
      const initProblem = lambdaHandler.init === undefined
        ? undefined
        : Compatibility.handlerResultProblem(lambdaHandler.init, "LambdaHandler.fromInit was given")
      if (initProblem !== undefined) return yield* incompatible(errorTypes.initError, initProblem)
      const initFailed = (detail: string) => (cause: Cause.Cause<unknown>) =>
        Effect.gen(function*() {
          yield* Effect.logFatal("Init Error", cause)
          yield* postInitError(fromCause(cause))
          return yield* new FatalRuntimeError({ detail, cause: Cause.squash(cause) })
        })
      // Without a layer there is nothing to build (and building Layer.empty is not free at start-up).
      const services = options.layer === undefined
        ? Context.empty() as Context.Context<ROut>
        : yield* Layer.buildWithScope(userLayer, scope).pipe(
          Effect.catchAllCause(initFailed("The layer failed to build"))
        )
      // A handler with an init step (LambdaHandler.fromInit) is built once here, with the layer's
      // services, in the runtime's scope, and fails init as the layer does.
      const ready = lambdaHandler.init === undefined ? lambdaHandler : yield* (lambdaHandler.init as Effect.Effect<
        LambdaHandler.LambdaHandler<unknown, R>,
        unknown,
        ROut | Scope.Scope
      >).pipe(
        Effect.provide(services),
        Effect.provideService(Scope.Scope, scope),
        Effect.catchAllCause(initFailed("The handler failed to initialise"))
      )
      // Detached work relies on effect's Scope internals: checked once, reported as an init error.
      yield* Detached.verifyTracking().pipe(
        Effect.tapError((error) =>
          postInitError({ errorType: errorTypes.initError, errorMessage: error.detail, stackTrace: [] })
        )
      )
      // Managed Instances: one client (one connection for its long poll and results) per loop.
      const lanes = yield* Effect.replicateEffect(makeApi(config.runtimeApi), settings.concurrency - 1)
      life.initDone = true
      return yield* loop(ready, settings, life, {}, lanes).pipe(
        Effect.provide(services),
        Effect.provideService(RuntimeApi, api)
      )
    })

    // The layer is released on shutdown and on a fatal error, within the shutdown budget
    // (what the loop's own shutdown left of it). `until` never waits for a release that does
    // not end; runMain's timer ends the process if the whole fiber is stuck.
    const scope = yield* Scope.make()
    return yield* Scope.extend(program, scope).pipe(
      Effect.onExit((exit) =>
        Effect.zipRight(
          // What ended since the last window (the spans of invocations stopped by the shutdown)
          // is exported once more, before the layer that the handlers used is released.
          Effect.zipRight(
            life.within(
              "the telemetry export",
              Effect.suspend(() =>
                Effect.zipRight(
                  telemetry === undefined ? Effect.void : telemetry.export(life.deadline()),
                  AfterResponse.flushAll(life.deadline())
                )
              )
            ),
            life.within("the layer's release", Scope.close(scope, exit))
          ),
          Effect.suspend(() => life.abandoned.length === 0 ? Effect.void : Effect.logError(life.budgetExhausted()))
        )
      ),
      Effect.ensuring(Effect.sync(() => restoreConsole?.())),
      Logger.provide(logFormat, logLevel)
    )
  }) as Effect.Effect<never, FatalRuntimeError | ConfigError.ConfigError, Exclude<R, Provided | ROut>>

/** @internal */
export const run = <EA, OA, E, R, ROut, LE, EI, OI>(
  handler: LambdaHandler.LambdaHandler<E, R> | Handler<EA, OA, E, R>,
  options?: RuntimeOptions<ROut, LE> & JsonOptions<EA, EI, OA, OI>
): void => {
  // In the build's code-cache training run the runtime only warms its loop up (codeCache.ts).
  const hook = trainingHook()
  if (hook !== undefined) return WarmUp.train(hook, serve)
  const life = new Lifecycle()
  runMain(
    serve(handler, options, { life, consoleByDefault: true }) as Effect.Effect<
      never,
      FatalRuntimeError | ConfigError.ConfigError
    >,
    life
  )
}
