/**
 * The emulator's service, written once for both lines: each line's `Emulator.make` passes its own
 * Effect major as a type constructor (`Effect<A>`) and two constructors of it (run this; wait for
 * that callback), and gets back the whole `EmulatorService` over the engine. The members are
 * documented on the public `EmulatorService` of each line.
 *
 * The type constructor is the usual encoding of higher kinds in TypeScript (Effect's own
 * `HKT.TypeLambda`): a line writes `interface EffectOf extends TypeLambda { readonly type:
 * Effect.Effect<this["A"]> }`. It is declared here, as the core may not import Effect.
 *
 * @internal
 */
import type { Cancel, EmulatorEngine } from "./engine.js"
import type * as Api from "./types.js"

/**
 * A type constructor: `Kind<F, A>` is `F`'s `type` with `A` for `this["A"]`.
 *
 * @internal
 */
export interface TypeLambda {
  readonly A: unknown
  readonly type: unknown
}

/**
 * `F` applied to `A`.
 *
 * @internal
 */
export type Kind<F extends TypeLambda, A> = (F & { readonly A: A })["type"]

/**
 * How a line makes its effects: `sync` runs `evaluate` each time the effect runs; `wait` calls
 * `register` each time it runs, resumes with the value passed to `done` (or dies with the error
 * passed to `die`) and calls the returned `Cancel` when interrupted.
 *
 * @internal
 */
export interface Lift<F extends TypeLambda> {
  readonly sync: <A>(evaluate: () => A) => Kind<F, A>
  readonly wait: <A>(register: (done: (value: A) => void, die: (error: Error) => void) => Cancel) => Kind<F, A>
}

/**
 * An invocation that has been queued, and an effect that waits for its outcome.
 *
 * @internal
 */
export interface PendingInvocationOf<F extends TypeLambda> {
  readonly requestId: string
  readonly result: Kind<F, Api.InvocationRecord>
}

/**
 * The running emulator in `F`'s effects, but for `initError` (an `Option`, which each line adds
 * from its own Effect major).
 *
 * @internal
 */
export interface EmulatorServiceOf<F extends TypeLambda> {
  readonly host: string
  readonly port: number
  readonly environment: Readonly<Record<string, string>>
  readonly enqueue: (event: unknown, options?: Api.InvokeOptions) => Kind<F, PendingInvocationOf<F>>
  readonly invoke: (event: unknown, options?: Api.InvokeOptions) => Kind<F, Api.InvocationRecord>
  readonly invocations: Kind<F, ReadonlyArray<Api.InvocationRecord>>
  readonly nextRequests: Kind<F, ReadonlyArray<number>>
  readonly awaitNextRequest: (n: number) => Kind<F, number>
  readonly awaitInitError: Kind<F, Api.RecordedError>
  readonly extensions: Kind<F, ReadonlyArray<Api.RegisteredExtension>>
  readonly awaitFirstByte: (requestId: string) => Kind<F, number>
  readonly streamProgress: (requestId: string) => Kind<F, Api.StreamProgress>
  readonly resets: Kind<F, ReadonlyArray<Api.EnvironmentReset>>
  readonly awaitReset: (n: number) => Kind<F, Api.EnvironmentReset>
  readonly runtimeExited: (exit: Api.RuntimeExit) => Kind<F, void>
  readonly shutdown: Kind<F, void>
}

/**
 * The service over `engine`, its effects made by `lift`.
 *
 * @internal
 */
export const serviceOf = <F extends TypeLambda>(engine: EmulatorEngine, lift: Lift<F>): EmulatorServiceOf<F> => {
  const pendingOf = (queued: ReturnType<EmulatorEngine["enqueue"]>): PendingInvocationOf<F> => ({
    requestId: queued.requestId,
    result: lift.wait(queued.onOutcome)
  })
  return {
    host: engine.host,
    port: engine.port,
    // A getter: after a reset the fresh environment's Runtime API has another address.
    get environment() {
      return engine.environment()
    },
    enqueue: (event, options) => lift.sync(() => pendingOf(engine.enqueue(event, options))),
    // Queued when the effect runs (not when it is made), as `enqueue` then `result`.
    invoke: (event, options) =>
      lift.wait((done) => {
        const queued = engine.enqueue(event, options)
        return queued.onOutcome(done)
      }),
    invocations: lift.sync(engine.invocations),
    nextRequests: lift.sync(engine.nextRequests),
    awaitNextRequest: (n) => lift.wait((done) => engine.onNextRequest(n, done)),
    awaitInitError: lift.wait(engine.onInitError),
    extensions: lift.sync(engine.extensions),
    awaitFirstByte: (requestId) => lift.wait((done, die) => engine.onFirstByte(requestId, done, die)),
    streamProgress: (requestId) => lift.sync(() => engine.streamProgress(requestId)),
    resets: lift.sync(engine.resets),
    awaitReset: (n) => lift.wait((done) => engine.onReset(n, done)),
    runtimeExited: (exit) => lift.sync(() => engine.runtimeExited(exit)),
    shutdown: lift.sync(engine.shutdown)
  }
}
