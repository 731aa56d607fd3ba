/**
 * A local Lambda Runtime API for tests, examples and local development, on the Effect 4 line: the
 * same emulator as the Effect 3 line's `effect-lambda-runtime/Emulator` (one engine in the shared
 * core, plain `node:http`), with its service made of Effect 4 effects.
 *
 * It serves the Runtime API (`2018-06-01`), extension registration and the official Runtime
 * Interface Emulator's invoke endpoint on `127.0.0.1`, one invocation at a time (or, with
 * `concurrency: N`, as Lambda Managed Instances), records every invocation's timeline, and
 * resets the environment after a platform timeout as Lambda does. The Effect 3 module's
 * documentation describes each rule; this module keeps its API.
 *
 * @example
 * ```ts no-check
 * import { Effect } from "effect"
 * import * as Emulator from "effect-lambda-runtime/Emulator"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
 *   // start a runtime with `AWS_LAMBDA_RUNTIME_API=${emulator.host}` (see `environment`)
 *   const record = yield* emulator.invoke({ name: "world" })
 *   if (record.outcome?._tag === "Response") console.log(record.outcome.text)
 * })
 * ```
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { EmulatorEngine, EmulatorService as Shared } from "./internal/core.js"
import type { EmulatorTypes } from "./internal/core.js"

/**
 * Options of {@link make} and {@link layer}: port, function timeout, the environment's names,
 * handler, concurrency (see the Effect 3 line's `EmulatorOptions`).
 *
 * @since 1.0.0
 * @category models
 */
export type EmulatorOptions = EmulatorTypes.EmulatorOptions

/**
 * Per-invocation options: request id, timeout, trace header, client context, Cognito identity, tenant id.
 *
 * @since 1.0.0
 * @category models
 */
export type InvokeOptions = EmulatorTypes.InvokeOptions

/**
 * A result POST received for an invocation, with the status the emulator answered.
 *
 * @since 1.0.0
 * @category models
 */
export type RecordedPost = EmulatorTypes.RecordedPost

/**
 * A document posted to `/init/error` (or built by the platform for an invocation).
 *
 * @since 1.0.0
 * @category models
 */
export type RecordedError = EmulatorTypes.RecordedError

/**
 * A body in the HTTP integration format, decoded as a Function URL does.
 *
 * @since 1.0.0
 * @category models
 */
export type HttpIntegrationResponse = EmulatorTypes.HttpIntegrationResponse

/**
 * How far a streamed `/response` has got.
 *
 * @since 1.0.0
 * @category models
 */
export type StreamProgress = EmulatorTypes.StreamProgress

/**
 * How an invocation ended: `Response`, `Error`, `Timeout`, `TooLarge`, `InitError` or `ExitError`.
 *
 * @since 1.0.0
 * @category models
 */
export type InvocationOutcome = EmulatorTypes.InvocationOutcome

/**
 * The recorded timeline of one invocation (epoch milliseconds, sub-millisecond precision).
 *
 * @since 1.0.0
 * @category models
 */
export type InvocationRecord = EmulatorTypes.InvocationRecord

/**
 * An extension registered through `POST /2020-01-01/extension/register`.
 *
 * @since 1.0.0
 * @category models
 */
export type RegisteredExtension = EmulatorTypes.RegisteredExtension

/**
 * What a runtime process reported about its exit, for {@link EmulatorService.runtimeExited}.
 *
 * @since 1.0.0
 * @category models
 */
export type RuntimeExit = EmulatorTypes.RuntimeExit

/**
 * A reset of the execution environment decided by the platform (`Timeout` or `BusyAfterDeadline`).
 *
 * @since 1.0.0
 * @category models
 */
export type EnvironmentReset = EmulatorTypes.EnvironmentReset

/**
 * Effect 4's `Effect<A>` as a type constructor: the service is written once in the shared core,
 * over whichever Effect major the line passes.
 *
 * @since 1.0.0
 * @category models
 */
export interface EffectOf extends Shared.TypeLambda {
  readonly type: Effect.Effect<this["A"]>
}

/**
 * An invocation that has been queued: its request id and an effect that waits for its outcome.
 *
 * @since 1.0.0
 * @category models
 */
export interface PendingInvocation extends Shared.PendingInvocationOf<EffectOf> {}

/**
 * The running emulator: `host`, `port`, `environment` (read it when starting a runtime: after a
 * reset it names a fresh Runtime API address), `enqueue`/`invoke`, the recorded timeline
 * (`invocations`, `nextRequests`, `awaitNextRequest`), `initError`/`awaitInitError`,
 * `extensions`, `awaitFirstByte`/`streamProgress`, `resets`/`awaitReset`, `runtimeExited` and
 * `shutdown`, each as the Effect 3 line's `EmulatorService` describes it.
 *
 * @since 1.0.0
 * @category models
 */
export interface EmulatorService extends Shared.EmulatorServiceOf<EffectOf> {
  readonly initError: Effect.Effect<Option.Option<RecordedError>>
}

/** The engine's callbacks as Effect 4 effects; interrupting a wait drops its callback. */
const lift: Shared.Lift<EffectOf> = {
  sync: Effect.sync,
  wait: (register) =>
    Effect.callback((resume) => Effect.sync(register((a) => resume(Effect.succeed(a)), (e) => resume(Effect.die(e)))))
}

/**
 * Starts an emulator on `127.0.0.1` for the lifetime of the scope. Closing the scope closes the
 * server and destroys open connections (pending long polls included), so it never hangs. Dies
 * when the options are invalid or the port cannot be bound. Its warnings go to the logger of the
 * fiber that made it.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: EmulatorOptions = {}): Effect.Effect<EmulatorService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<never>()
    const warn = (message: string) => Effect.runSyncWith(context)(Effect.logWarning(message))
    const engine = yield* Effect.acquireRelease(
      Effect.promise(() => EmulatorEngine.start(options, warn)),
      (engine) => Effect.promise(engine.close)
    )
    const service: EmulatorService = Object.assign(Shared.serviceOf(engine, lift), {
      initError: Effect.sync(() => Option.fromNullishOr(engine.initError()))
    })
    return service
  })

/**
 * The emulator as a service, for programs that receive it from a layer.
 *
 * @since 1.0.0
 * @category services
 */
export class Emulator extends Context.Service<Emulator, EmulatorService>()("effect-lambda-runtime/Emulator") {}

/**
 * A layer providing {@link Emulator}; the server is closed when the layer is released.
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (options?: EmulatorOptions): Layer.Layer<Emulator> => Layer.effect(Emulator, make(options))
