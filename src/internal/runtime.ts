import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import { FatalRuntimeError } from "../LambdaError.js"
import * as LambdaHandler from "../LambdaHandler.js"
import type { Handler, Provided } from "../LambdaHandler.js"
import type { RuntimeOptions, SchemaOptions } from "../LambdaRuntime.js"
import { RuntimeApi } from "../RuntimeApi.js"
import type { RuntimeApiService } from "../RuntimeApi.js"
import { fromCause } from "./errorDocument.js"
import * as Logger from "./logger.js"
import { trainingHook } from "./codeCache.js"
import * as WarmUp from "./warmUp.js"
import { defaultRetrySchedule, loop } from "./loop.js"
import { env } from "./protocol.js"
import * as RuntimeApiClient from "./runtimeApiClient.js"

/** The name under which the runtime registers its internal (SIGTERM) extension. */
export const EXTENSION_NAME = "effect-lambda-runtime"

/** Teardown (layer release) must fit in Lambda's 500 ms shutdown budget. */
const RELEASE_BUDGET = Duration.millis(400)

export interface RuntimeConfig {
  readonly runtimeApi: string
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  readonly region: string
  readonly logFormat: Logger.LogFormat
  readonly logLevel: LogLevel.LogLevel
}

const logLevelConfig = (name: string): Config.Config<LogLevel.LogLevel> =>
  Config.string(name).pipe(
    Config.mapOrFail((value) => {
      const level = Logger.parseLogLevel(value)
      return level === undefined
        ? Either.left(ConfigError.InvalidData([name], `must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got "${value}")`))
        : Either.right(level)
    })
  )

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
    Config.map(Config.string(env.logFormat), (value): Logger.LogFormat => value.toUpperCase() === "JSON" ? "JSON" : "Text"),
    "Text"
  ),
  logLevel: Config.withDefault(logLevelConfig(env.logLevel), Logger.parseLogLevel("INFO")!)
})

const toLambdaHandler = <EA, OA, E, R, EI, OI>(
  handler: LambdaHandler.LambdaHandler<E, R> | Handler<EA, OA, E, R>,
  options: SchemaOptions<EA, EI, OA, OI>
): LambdaHandler.LambdaHandler<unknown, R> =>
  LambdaHandler.isLambdaHandler(handler)
    ? handler as LambdaHandler.LambdaHandler<E, R>
    : LambdaHandler.json(handler, options)

/** How the runtime reaches the Runtime API: the HTTP client, or a stand-in (snapshot warm-up). */
export type MakeRuntimeApi = (endpoint: string) => Effect.Effect<RuntimeApiService, never, Scope.Scope>

export const serve = <EA, OA, E, R, ROut, LE, EI, OI>(
  handler: LambdaHandler.LambdaHandler<E, R> | Handler<EA, OA, E, R>,
  options: RuntimeOptions<ROut, LE> & SchemaOptions<EA, EI, OA, OI> = {},
  makeApi: MakeRuntimeApi = RuntimeApiClient.make
): Effect.Effect<never, FatalRuntimeError | ConfigError.ConfigError, Exclude<R, Provided | ROut>> =>
  Effect.gen(function*() {
    const config = yield* runtimeConfig
    const logFormat = options.logFormat ?? config.logFormat
    const logLevel = options.logLevel ?? config.logLevel
    const lambdaHandler = toLambdaHandler(handler, options)
    const userLayer = (options.layer ?? Layer.empty) as Layer.Layer<ROut, LE>

    const program = Effect.gen(function*() {
      const scope = yield* Effect.scope
      const api = yield* makeApi(config.runtimeApi)
      if (options.registerExtension !== false) {
        yield* api.registerExtension(EXTENSION_NAME).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning(`${error.message}; SIGTERM will not be delivered before shutdown`)
          )
        )
      }
      // Without a layer there is nothing to build (and building Layer.empty is not free at start-up).
      const services = options.layer === undefined ? Context.empty() as Context.Context<ROut> : yield* Layer.buildWithScope(userLayer, scope).pipe(
        Effect.catchAllCause((cause) =>
          Effect.gen(function*() {
            yield* Effect.logFatal("Init Error", cause)
            yield* api.initError(fromCause(cause)).pipe(
              Effect.catchAll((error) => Effect.logError(`could not report the init error: ${error.message}`))
            )
            return yield* new FatalRuntimeError({ detail: "The layer failed to build", cause: Cause.squash(cause) })
          })
        )
      )
      return yield* loop(lambdaHandler, {
        timeoutMarginMs: Duration.toMillis(Duration.decode(options.timeoutMargin ?? Duration.millis(200))),
        functionName: config.functionName,
        functionVersion: config.functionVersion,
        memoryLimitInMB: config.memoryLimitInMB,
        logGroupName: config.logGroupName,
        logStreamName: config.logStreamName,
        region: config.region,
        retrySchedule: defaultRetrySchedule
      }).pipe(Effect.provide(services), Effect.provideService(RuntimeApi, api))
    })

    // The layer is released on shutdown and on a fatal error, within Lambda's shutdown budget.
    const scope = yield* Scope.make()
    return yield* Scope.extend(program, scope).pipe(
      Effect.onExit((exit) =>
        Scope.close(scope, exit).pipe(
          Effect.timeoutOption(RELEASE_BUDGET),
          Effect.flatMap((done) =>
            Option.isNone(done)
              ? Effect.logError(`Releasing the layer took longer than ${Duration.format(RELEASE_BUDGET)}; exiting anyway`)
              : Effect.void
          )
        )
      ),
      Logger.provide(logFormat, logLevel)
    )
  }) as Effect.Effect<never, FatalRuntimeError | ConfigError.ConfigError, Exclude<R, Provided | ROut>>

/**
 * Runs the runtime as the process's main program: signals interrupt it (its finalizers
 * release the layer), its exit decides the exit code.
 */
export const runMain = <E>(program: Effect.Effect<never, E>): void => {
  const fiber = Effect.runFork(Effect.withUnhandledErrorLogLevel(program, Option.none()))
  const onSignal = () => {
    fiber.unsafeInterruptAsFork(FiberId.none)
  }
  process.once("SIGTERM", onSignal)
  process.once("SIGINT", onSignal)
  fiber.addObserver((exit) => {
    process.removeListener("SIGTERM", onSignal)
    process.removeListener("SIGINT", onSignal)
    if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
      const failure = Cause.squash(exit.cause)
      if (!(failure instanceof FatalRuntimeError)) {
        // Configuration errors and defects are not logged by the loop itself.
        process.stderr.write(`effect-lambda-runtime: ${Cause.pretty(exit.cause)}\n`)
      }
      process.exit(1)
    }
    process.exit(0)
  })
}

export const run = <EA, OA, E, R, ROut, LE, EI, OI>(
  handler: LambdaHandler.LambdaHandler<E, R> | Handler<EA, OA, E, R>,
  options?: RuntimeOptions<ROut, LE> & SchemaOptions<EA, EI, OA, OI>
): void => {
  // In the build's code-cache training run the runtime only warms its loop up (codeCache.ts).
  const hook = trainingHook()
  if (hook !== undefined) WarmUp.train(hook, serve)
  else runMain(serve(handler, options) as Effect.Effect<never, FatalRuntimeError | ConfigError.ConfigError>)
}
