/**
 * The deployment build on the Effect 4 line: the same build as the Effect 3 line's
 * `effect-lambda-runtime/Build` (one engine in the shared core): esbuild bundles the function into
 * `<outdir>/main.cjs`, a training run produces V8's code cache for it (`main.cjs.cache`, loaded by
 * `start.cjs`), and the build writes `bootstrap` and `function.zip`.
 *
 * The training run loads the bundle once in a child process with an empty environment, where
 * `LambdaRuntime.run` serves two warm-up invocations against a stand-in Runtime API; your handler
 * is not called. With `dropIn: true` the build bundles this line's drop-in bootstrap for plain
 * Node handlers (`effect-lambda-runtime/node`) instead, trained with a stand-in function
 * through the drop-in's own init.
 *
 * @example
 * ```ts no-check
 * import { Effect } from "effect"
 * import * as Build from "effect-lambda-runtime/Build"
 *
 * const program = Build.build({ entry: "src/handler.ts", outdir: "dist/lambda" })
 * ```
 *
 * @since 1.0.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { BuildEngine } from "./internal/core.js"
import type { BuildTypes } from "./internal/core.js"

/**
 * What every build shares: `outdir`, `codeCache`, `minify`, `sourcemap`, `external`,
 * `nodeBinary`, `nodeFlags` (see the Effect 3 line's `BuildSettings`).
 *
 * @since 1.0.0
 * @category models
 */
export type BuildSettings = BuildTypes.BuildSettings

/**
 * Builds an Effect function: `entry` is bundled with everything it imports.
 *
 * @since 1.0.0
 * @category models
 */
export type FunctionBuildOptions = BuildTypes.FunctionBuildOptions

/**
 * Builds this line's drop-in bootstrap for plain Node handlers (`_HANDLER`), with no entry.
 *
 * @since 1.0.0
 * @category models
 */
export type DropInBuildOptions = BuildTypes.DropInBuildOptions

/**
 * Options of {@link build}.
 *
 * @since 1.0.0
 * @category models
 */
export type BuildOptions = BuildTypes.BuildOptions

/**
 * What {@link build} produced: `bootstrap`, the bundle and its size, the metafile, the code cache
 * (and whether its training run warmed the runtime up), `function.zip` and the warnings.
 *
 * @since 1.0.0
 * @category models
 */
export type BuildResult = BuildTypes.BuildResult

/**
 * The default V8 flags of a build: none (any V8 flag costs Node its built-ins' code cache).
 *
 * @since 1.0.0
 * @category constants
 */
export const DEFAULT_NODE_FLAGS: ReadonlyArray<string> = BuildEngine.DEFAULT_NODE_FLAGS

/**
 * Why a build failed (`stage`: `bundle` or `write`).
 *
 * @since 1.0.0
 * @category errors
 */
export class BuildError extends Data.TaggedError("BuildError")<BuildEngine.BuildFailureFields> {
  override get message(): string {
    return BuildEngine.failureMessage(this)
  }
}

/**
 * Builds a function for deployment (see the module documentation). Only the build's own failures
 * are typed; anything else is a defect.
 *
 * @since 1.0.0
 * @category building
 */
export const build = (options: BuildOptions): Effect.Effect<BuildResult, BuildError> =>
  Effect.tryPromise({
    // The drop-in is bundled from its unbundled main module, beside this one (src or dist).
    try: () => BuildEngine.build(options, BuildEngine.moduleBeside(import.meta.url, "./internal/node/main")),
    catch: (cause) => cause
  }).pipe(
    Effect.catch((cause) =>
      cause instanceof BuildEngine.BuildFailure ? Effect.fail(new BuildError(cause.fields)) : Effect.die(cause)
    )
  )
