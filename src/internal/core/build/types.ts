/**
 * What a build takes and gives, as both lines' `Build` modules export them: plain data, no Effect,
 * so that they exist once.
 *
 * @since 0.1.0
 */
/**
 * What every build shares: where it goes and how it is made.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
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
   * accepts under the same flags). Default `DEFAULT_NODE_FLAGS`; `[]` for none.
   */
  readonly nodeFlags?: ReadonlyArray<string> | undefined
}

/**
 * Builds an Effect function: `entry` is bundled with everything it imports.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
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
 *
 * @internal
 */
export interface DropInBuildOptions extends BuildSettings {
  readonly dropIn: true
  readonly entry?: undefined
}

/**
 * Options of `Build.build`: an Effect function's `entry`, or `dropIn: true` for the bootstrap of
 * plain Node handlers.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export type BuildOptions = FunctionBuildOptions | DropInBuildOptions

/**
 * What `Build.build` produced.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
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
