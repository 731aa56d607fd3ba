/**
 * The Effect 3 `Emulator`: the shared engine (`core/emulator/engine.ts`, no Effect) for the
 * lifetime of a scope, its service made of Effect 3 effects (`core/emulator/service.ts`), and its
 * warnings logged through the logger of the scope that made it.
 *
 * @internal
 */
import { Context, Effect, Layer, Option, Runtime } from "effect"
import type { Scope } from "effect"
import type * as Api from "../../../Emulator.js"
import * as Engine from "../../core/emulator/engine.js"
import { serviceOf } from "../../core/emulator/service.js"
import type { Lift, TypeLambda } from "../../core/emulator/service.js"

/**
 * Effect 3's `Effect<A>` as a type constructor, for the service the lines share.
 *
 * @internal
 */
export interface EffectOf extends TypeLambda {
  readonly type: Effect.Effect<this["A"]>
}

const lift: Lift<EffectOf> = {
  sync: Effect.sync,
  wait: (register) =>
    Effect.async((resume) => Effect.sync(register((a) => resume(Effect.succeed(a)), (e) => resume(Effect.die(e)))))
}

/** The engine under each service this module made (for the runtime supervision, which works on the engine). */
const engines = new WeakMap<Api.EmulatorService, Engine.EmulatorEngine>()

/**
 * The engine under a service made by {@link make}.
 *
 * @internal
 */
export const engineOf = (service: Api.EmulatorService): Engine.EmulatorEngine => {
  const engine = engines.get(service)
  if (engine === undefined) throw new Error("Emulator: this service was not made by Emulator.make")
  return engine
}

/** @internal */
export const make = (options: Api.EmulatorOptions = {}): Effect.Effect<Api.EmulatorService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const log = (message: string) => Runtime.runSync(runtime)(Effect.logWarning(message))
    const engine = yield* Effect.acquireRelease(
      Effect.promise(() => Engine.start(options, log)),
      (engine) => Effect.promise(engine.close)
    )
    // Object.assign keeps the service's `environment` getter (a spread would freeze its value).
    const service = Object.assign(serviceOf(engine, lift), {
      initError: Effect.sync(() => Option.fromNullable(engine.initError()))
    })
    engines.set(service, engine)
    return service
  })

/**
 * The emulator as a service (documented in Emulator.ts).
 *
 * @internal
 */
export class Emulator extends Context.Tag("effect-lambda-runtime/Emulator")<Emulator, Api.EmulatorService>() {}

/**
 * A scoped layer providing {@link Emulator}.
 *
 * @internal
 */
export const layer = (options?: Api.EmulatorOptions): Layer.Layer<Emulator> => Layer.scoped(Emulator, make(options))
