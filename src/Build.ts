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
import * as internal from "./internal/build.js"

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
 * What every build shares: where it goes and how it is made.
 *
 * @since 0.1.0
 * @category models
 */
export interface BuildSettings {
  /** Where `bootstrap`, `start.cjs`, `main.cjs`, `main.cjs.cache`, `meta.json` (esbuild's metafile) and `function.zip` go. */
  readonly outdir: string
  /** Produce V8's code cache and start through `start.cjs` (default `true`). */
  readonly codeCache?: boolean | undefined
  /** Minify the bundle (default `true`). */
  readonly minify?: boolean | undefined
  /** Write `main.cjs.map` (default `false`); start Node with `--enable-source-maps` to use it. */
  readonly sourcemap?: boolean | undefined
  /** Packages left out of the bundle (they must then be deployed in `node_modules`). */
  readonly external?: ReadonlyArray<string> | undefined
  /** The Node binary that produces the code cache: the release the function will run on (default: this one). */
  readonly nodeBinary?: string | undefined
  /**
   * V8 flags `bootstrap` passes to Node, also used to produce the code cache (which V8 only
   * accepts under the same flags). Default {@link DEFAULT_NODE_FLAGS}; `[]` for none.
   */
  readonly nodeFlags?: ReadonlyArray<string> | undefined
}

/**
 * Builds an Effect function: `entry` is bundled with everything it imports.
 *
 * @since 0.1.0
 * @category models
 */
export interface FunctionBuildOptions extends BuildSettings {
  /** The function's module (TypeScript or JavaScript) that calls `LambdaRuntime.run`. */
  readonly entry: string
  readonly dropIn?: false | undefined
}

/**
 * Builds this package's drop-in bootstrap for plain Node handlers (`effect-lambda-runtime/node`):
 * the runtime alone is bundled and given its code cache; the function's own files are not part
 * of the build. `bootstrap` finds `start.cjs` beside itself and serves the handler that
 * `_HANDLER` names in `LAMBDA_TASK_ROOT`, loaded when the function starts, as the official
 * runtime does. Put the build's files beside the function's (add them to its zip) or deploy
 * `function.zip` as a layer (`/opt/bootstrap`); on a managed Node.js runtime,
 * `AWS_LAMBDA_EXEC_WRAPPER` names that `bootstrap`.
 *
 * The code cache is trained without the function's code: the runtime serves its warm-up
 * invocations through a stand-in plain handler of its own.
 *
 * @since 0.1.0
 * @category models
 */
export interface DropInBuildOptions extends BuildSettings {
  readonly dropIn: true
  readonly entry?: undefined
}

/**
 * Options of {@link build}: an Effect function's `entry`, or `dropIn: true` for the bootstrap of
 * plain Node handlers.
 *
 * @since 0.1.0
 * @category models
 */
export type BuildOptions = FunctionBuildOptions | DropInBuildOptions

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
 * What {@link build} produced.
 *
 * @since 0.1.0
 * @category models
 */
export interface BuildResult {
  readonly outdir: string
  /** The executable Lambda starts. */
  readonly bootstrap: string
  /** The esbuild bundle (`main.cjs`) and its size. */
  readonly bundle: string
  readonly bundleBytes: number
  /** esbuild's metafile (`meta.json`): what the bundle pulls in. Not in the zip. */
  readonly metafile: string
  /**
   * The code cache, unless the build skipped it or could not produce one. `trained` is `false`
   * when the training run did not warm the runtime up (see `warnings`): the cache then covers
   * compiling the bundle only.
   */
  readonly codeCache: {
    readonly path: string
    readonly bytes: number
    readonly trained: boolean
  } | undefined
  /** `function.zip`: `bootstrap` (mode 0755) and what it starts, at the archive's root. */
  readonly zip: string
  /** What did not go as it should but did not fail the build (one line each). */
  readonly warnings: ReadonlyArray<string>
}

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
