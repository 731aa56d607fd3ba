/**
 * The Effect 3 `Build`: the shared build engine (`core/build/engine.ts`, Promises, no Effect)
 * behind `Effect.tryPromise`, its failures as this line's tagged `BuildError`, and this line's
 * drop-in (`internal/node/main`) as what `dropIn: true` bundles.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type { BuildOptions, BuildResult } from "../../../Build.js"
import * as Engine from "../../core/build/engine.js"

/**
 * Why a build failed, and at which stage.
 *
 * @internal
 */
export class BuildError extends Data.TaggedError("BuildError")<Engine.BuildFailureFields> {
  override get message(): string {
    return Engine.failureMessage(this)
  }
}

/** @internal */
export const DEFAULT_NODE_FLAGS: ReadonlyArray<string> = Engine.DEFAULT_NODE_FLAGS

/** The drop-in's unbundled entry module, beside this one (`.ts` under src/, `.js` under dist/). */
const DROP_IN_MAIN = Engine.moduleBeside(import.meta.url, "../../node/main")

/** @internal */
export const build = (options: BuildOptions): Effect.Effect<BuildResult, BuildError> =>
  Effect.tryPromise({ try: () => Engine.build(options, DROP_IN_MAIN), catch: (cause) => cause }).pipe(
    // Only the engine's own failures are typed; anything else it rejects with is a defect, as before.
    Effect.catchAll((cause) =>
      cause instanceof Engine.BuildFailure ? Effect.fail(new BuildError(cause.fields)) : Effect.die(cause)
    )
  )
