/**
 * The deployment build: bundles a function module with esbuild into `<outdir>/main.cjs`,
 * builds a V8 startup snapshot of it (`<outdir>/snapshot.blob`, on by default), and writes
 * `<outdir>/bootstrap`, the executable Lambda starts. `bootstrap` starts the function from the
 * snapshot when the Node binary on `PATH` is the very one that built it (same size and
 * modification time), and from the plain bundle otherwise, so a runtime upgrade degrades to
 * a slower cold start instead of a failed one. `EFFECT_LAMBDA_SNAPSHOT=0` forces the bundle.
 *
 * The snapshot is taken after the module has been evaluated: `LambdaRuntime.run` notices the
 * snapshot build, warms the invocation loop up with a stand-in Runtime API (the user's handler
 * is not called) and defers the real start to the process started from the snapshot. So the
 * module must not open sockets, start timers or load `node:http`/`node:net` at module level; do such
 * work in the runtime's `layer`, which is built at start-up. `esbuild` must be installed.
 *
 * ```sh
 * effect-lambda build src/handler.ts --outdir dist/lambda     # bootstrap, main.cjs, snapshot.blob
 * effect-lambda build src/handler.ts --outdir dist/lambda --no-snapshot
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as internal from "./internal/build.js"

/**
 * Why a build failed (`stage`: `bundle`, `snapshot` or `write`).
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
 * Options of {@link build}.
 *
 * @since 0.1.0
 * @category models
 */
export interface BuildOptions {
  /** The function's module (TypeScript or JavaScript) that calls `LambdaRuntime.run`. */
  readonly entry: string
  /** Where `bootstrap`, `main.cjs`, `snapshot.blob` and `meta.json` (esbuild's metafile) go. */
  readonly outdir: string
  /** Also build a V8 startup snapshot (default `false`; see the module documentation for its constraints). */
  readonly snapshot?: boolean | undefined
  /** Minify the bundle (default `true`). */
  readonly minify?: boolean | undefined
  /** Write `main.cjs.map` (default `false`). */
  readonly sourcemap?: boolean | undefined
  /** Packages left out of the bundle (they must then be deployed in `node_modules`). */
  readonly external?: ReadonlyArray<string> | undefined
  /** The Node binary that builds the snapshot: the one the function will run on (default: this one). */
  readonly nodeBinary?: string | undefined
  /**
   * V8 flags `bootstrap` passes to Node, also used to build the snapshot (which only loads under
   * the same flags). Default {@link DEFAULT_NODE_FLAGS}; `[]` for none.
   */
  readonly nodeFlags?: ReadonlyArray<string> | undefined
}

/**
 * The default V8 flags of a build: `--min-semi-space-size=8`, a larger initial young generation,
 * because Effect's allocation rate otherwise makes V8 scavenge every few invocations while the
 * heap grows (see the Benchmarks section of the README for the measured effect).
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
  /** esbuild's metafile (`meta.json`): what the bundle pulls in. */
  readonly metafile: string
  /** The V8 startup snapshot, unless the build skipped it. */
  readonly snapshot: {
    readonly path: string
    readonly bytes: number
    readonly nodeVersion: string
    /** `size:mtime` (seconds) of the Node binary that built it, as `stat -L -c %s:%Y` prints it. */
    readonly nodeFingerprint: string
  } | undefined
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
 * ```
 *
 * @since 0.1.0
 * @category building
 */
export const build: (options: BuildOptions) => Effect.Effect<BuildResult, BuildError> = internal.build
