/**
 * The deployment build: bundles a function module with esbuild into `<outdir>/main.cjs`, produces
 * V8's code cache for it (`main.cjs.cache`, loaded by `<outdir>/start.cjs`), writes
 * `<outdir>/bootstrap`, the executable Lambda starts, and `<outdir>/function.zip`, the deployable
 * archive (`bootstrap` executable at its root).
 *
 * The code cache spares every cold start the compilation of the code that start-up and the
 * first invocations run. It holds bytecode only, no state: V8 checks it against the source and
 * its own version and flags, and compiles normally when it does not match (a function deployed on
 * another Node release starts as fast as a plain bundle, never incorrectly). To produce it, the
 * build loads the bundle once in a child process with an empty environment (only `PATH` and an
 * empty `HOME`: no credentials, no build secrets), where `LambdaRuntime.run` runs its own loop
 * against a stand-in Runtime API for two invocations; your handler is not called, but your
 * module's top-level code runs, as it does when the function starts. `codeCache: false` skips it.
 * Build with the Node release the function runs on (`nodeBinary`).
 *
 * ```sh
 * effect-lambda build src/handler.ts --outdir dist/lambda
 * # dist/lambda/bootstrap  start.cjs  main.cjs  main.cjs.cache  meta.json  function.zip
 * ```
 *
 * With `dropIn: true` the build makes the same files for the drop-in bootstrap of plain Node
 * handlers (see {@link DropInBuildOptions}) instead of a function's entry.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Types from "./internal/core/build/types.js"
import * as internal from "./internal/tools/build/build.js"

/**
 * Why a build failed (`stage`: `bundle` or `write`).
 *
 * @since 0.1.0
 * @category errors
 */
export const BuildError: typeof internal.BuildError = internal.BuildError

/**
 * @since 0.1.0
 * @category errors
 */
export type BuildError = internal.BuildError

/**
 * What every build takes: the output directory, the code cache, minification, source maps, externals, the Node binary of the training run.
 *
 * @since 0.1.0
 * @category models
 */
export type BuildSettings = Types.BuildSettings

/**
 * Options of a build of an Effect function (`entry`).
 *
 * @since 0.1.0
 * @category models
 */
export type FunctionBuildOptions = Types.FunctionBuildOptions

/**
 * Options of a build of the drop-in bootstrap for plain Node handlers (`dropIn: true`).
 *
 * @since 0.1.0
 * @category models
 */
export type DropInBuildOptions = Types.DropInBuildOptions

/**
 * Options of `build`: an Effect function's `entry`, or `dropIn: true`.
 *
 * @since 0.1.0
 * @category models
 */
export type BuildOptions = Types.BuildOptions

/**
 * What a build wrote: the bootstrap, the bundle, its size, the metafile, the code cache and the zip.
 *
 * @since 0.1.0
 * @category models
 */
export type BuildResult = Types.BuildResult

/**
 * The default V8 flags of a build: none. Any V8 flag makes Node compile its own built-in modules
 * without their code cache, which costs cold-start time (measured in `bench/coldstart.ts`); pass
 * flags through `nodeFlags` when a function needs them (e.g. `--max-old-space-size`).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_NODE_FLAGS: ReadonlyArray<string> = internal.DEFAULT_NODE_FLAGS

/**
 * Builds a function for deployment (see the module documentation).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Build from "effect-lambda-runtime/Build"
 *
 * const program = Build.build({ entry: "src/handler.ts", outdir: "dist/lambda" })
 * // The drop-in for plain Node handlers, its files to go beside index.mjs & co.
 * const dropIn = Build.build({ dropIn: true, outdir: "dist/runtime" })
 * ```
 *
 * @since 0.1.0
 * @category building
 */
export const build: (options: BuildOptions) => Effect.Effect<BuildResult, BuildError> = internal.build
