/**
 * The runtime once `LambdaRuntime.serve` has read its configuration: the Runtime API clients, the
 * internal (SIGTERM) extension, the layer in a scope of its own (released on shutdown within the
 * budget), the handler's init step, init errors, and the lanes of the loop.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Version from "effect/Version"
import { FatalRuntimeError } from "../LambdaError.js"
import type * as LambdaHandler from "../LambdaHandler.js"
import type { RuntimeOptions } from "../LambdaRuntime.js"
import { fromCause } from "./causeDocument.js"
import {
  EffectMajor,
  EffectVersion,
  InvokeStore,
  Lifecycle as Rules,
  PackageVersion,
  Protocol,
  TelemetrySettings
} from "./core.js"
import * as Detached from "./detached.js"
import type { Lifecycle } from "./lifecycle.js"
import { functionSettings } from "./invocationContext.js"
import * as Loop from "./loop.js"
import * as RuntimeApiClient from "./runtimeApiClient.js"
import * as AfterResponse from "./telemetry/afterResponse.js"
import * as Telemetry from "./telemetry/telemetry.js"

/** The name under which the runtime registers its internal (SIGTERM) extension, as the Effect 3 line does. */
const EXTENSION_NAME = "effect-lambda-runtime"

/** How long init waits for the extension registration (init has 10 s on Lambda). */
const REGISTRATION_TIMEOUT = Duration.seconds(1)

/** What `serve` worked out besides the user's options. */
export interface ProgramSettings {
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

/**
 * The telemetry the environment turns on (one warning per variable it cannot use), or undefined:
 * then nothing of it is loaded.
 */
const makeTelemetry = (
  facts: { readonly functionName: string; readonly region: string },
  metricsNamespace: string | undefined
): Effect.Effect<Telemetry.Telemetry | undefined, Config.ConfigError> =>
  Effect.gen(function*() {
    const env = yield* Telemetry.environment
    const settings = TelemetrySettings.telemetrySettings(env, { metricsNamespace })
    for (const problem of settings.problems) yield* Effect.logWarning(problem)
    return settings.off ? undefined : yield* Telemetry.make(settings, facts)
  })

/** The runtime once its configuration is read: the clients, the layer, the lanes. */
export const program = <R, ROut, LE>(
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
    // An Effect 3 handler, init or layer (a mixed install), or an effect outside the package's
    // peer range: the init error, before anything runs.
    const incompatible = (errorType: string, errorMessage: string) =>
      Effect.logFatal(errorMessage).pipe(
        Effect.andThen(Effect.ignore(api.initError({ errorType, errorMessage, stackTrace: [] }))),
        Effect.andThen(Effect.fail(new FatalRuntimeError({ detail: errorMessage })))
      )
    if (settings.wrongMajor !== undefined) {
      return yield* incompatible(EffectMajor.WRONG_MAJOR_ERROR_TYPE, settings.wrongMajor)
    }
    const versionProblem = EffectVersion.effectVersionProblem(
      Version.getCurrentVersion(),
      PackageVersion.EFFECT4_SUPPORTED_EFFECT,
      PackageVersion.EFFECT4_VERSION
    )
    if (versionProblem !== undefined) return yield* incompatible(EffectVersion.UNSUPPORTED_EFFECT, versionProblem)
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
    // Traces and metrics, when the environment turns them on; set once the function's settings are read.
    let telemetry: Telemetry.Telemetry | undefined = undefined
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
      // What each invocation's context says about the function: read once.
      const facts = yield* functionSettings
      telemetry = yield* makeTelemetry(facts, options.metricsNamespace)
      // A layer with effect/observability's exporters (their Flusher) is flushed after each response too.
      const flusher = Telemetry.userFlushOf(services as Context.Context<never>)
      if (flusher !== undefined) yield* Layer.buildWithScope(AfterResponse.layer(flusher), layerScope)
      life.initDone = true
      return yield* Loop.loop(api, ready as Loop.Handler<R>, {
        timeoutMarginMs,
        invokeStore,
        asyncInvokeStore,
        life,
        lanes,
        managed,
        settings: facts,
        telemetry
      }).pipe(Effect.provideContext(services))
    })
    return yield* serving.pipe(
      Effect.onExit((exit) =>
        Effect.andThen(
          // What ended during the shutdown (the stopped invocations' spans) is exported first,
          // while the layer's services still exist.
          Effect.andThen(
            life.within(
              "the telemetry export",
              Effect.suspend(() =>
                Effect.andThen(
                  telemetry === undefined ? Effect.void : telemetry.flush(Date.now(), life.deadline()),
                  AfterResponse.flushAll(Date.now(), life.deadline())
                )
              )
            ),
            life.within("the layer's release", Scope.close(layerScope, exit))
          ),
          Effect.suspend(() => life.abandoned.length === 0 ? Effect.void : Effect.logError(life.budgetExhausted()))
        )
      )
    )
  })
