/**
 * V8 code cache for built functions: `effect-lambda build` writes `start.cjs`, a small loader that
 * compiles the bundle with `vm.Script` and the cache the build produced (`main.cjs.cache`), so a
 * cold start skips compiling the functions that start-up and the first invocations use. The cache
 * holds bytecode only, no heap state: V8 checks it against the source, its own version and its
 * flags, and compiles normally when it does not match, so it is safe for any code.
 *
 * The build "trains" the cache: it runs `start.cjs` once in a child process with an empty
 * environment, where `LambdaRuntime.run` finds {@link TRAINING_HOOK}, drives its loop through a
 * stand-in Runtime API for two invocations (the user's handler is never called) and hands the
 * loader a promise; the loader then writes the cache, which then includes every function compiled
 * so far.
 */

/**
 * The global (a `Symbol.for` key) the loader sets in a training run; the runtime passes it a promise.
 *
 * @internal
 */
export const TRAINING_HOOK = "effect-lambda-runtime/code-cache-training"

/**
 * The global (a `Symbol.for` key) where the loader records whether V8 used the cache:
 * `accepted`, `rejected`, `absent`, `disabled` or `unsupported` (see `loaderSource`).
 *
 * @internal
 */
export const STATUS = "effect-lambda-runtime/code-cache"

/**
 * The global (a `Symbol.for` key) where the loader puts `(specifier) => import(specifier)`: Node
 * 20 cannot run `import()` from a script compiled from a cache, but can call a function that
 * Node compiled itself (the loader) to run it. The drop-in imports ESM handlers through it
 * (core/importModule.ts).
 *
 * @internal
 */
export const IMPORT_HOOK = "effect-lambda-runtime/import"

/**
 * Set to `0` to make `start.cjs` load the bundle without the cache.
 *
 * @internal
 */
export const DISABLE_ENV = "EFFECT_LAMBDA_CODE_CACHE"

/**
 * Set (by the build only) to make `start.cjs` produce the cache instead of using it.
 *
 * @internal
 */
export const TRAINING_ENV = "EFFECT_LAMBDA_CODE_CACHE_TRAINING"

/**
 * Exit code of a training run whose module threw while it was evaluated.
 *
 * @internal
 */
export const EXIT_MODULE_THREW = 3
/**
 * Exit code of a training run whose module never called `LambdaRuntime.run`.
 *
 * @internal
 */
export const EXIT_NOT_STARTED = 4
/**
 * Exit code of a training run whose warm-up failed (the cache covers what ran until then).
 *
 * @internal
 */
export const EXIT_WARM_UP_FAILED = 6
/**
 * Exit code of a training run on a Node that could not use the cache (see `loaderSource`).
 *
 * @internal
 */
export const EXIT_CACHE_UNUSABLE = 5

/**
 * The training hook, when this process is a training run: `LambdaRuntime.run` passes it the
 * warm-up's completion instead of starting the runtime.
 *
 * @internal
 */
export const trainingHook = (): ((done: Promise<unknown>) => void) | undefined => {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for(TRAINING_HOOK)]
  return typeof hook === "function" ? hook as (done: Promise<unknown>) => void : undefined
}

/**
 * The values `start.cjs` reads from its `settings` object, which the build writes ({@link loaderSource}).
 *
 * @internal
 */
export interface LoaderSettings {
  /** The bundle, beside the loader (`main.cjs`); its cache is this name plus `.cache`. */
  readonly bundleFile: string
  /** Whether the bundle keeps `import()` calls: then only Node 22 and later load it with the cache. */
  readonly dynamicImports: boolean
  /** {@link STATUS} */
  readonly status: string
  /** {@link IMPORT_HOOK} */
  readonly importHook: string
  /** {@link TRAINING_HOOK} */
  readonly trainingHook: string
  /** {@link DISABLE_ENV} */
  readonly disableEnv: string
  /** {@link TRAINING_ENV} */
  readonly trainingEnv: string
  readonly exitModuleThrew: number
  readonly exitNotStarted: number
  readonly exitWarmUpFailed: number
  readonly exitCacheUnusable: number
}

/** The loader's `settings` object: flat, no braces inside, so that the build can rewrite it. */
const SETTINGS = /^const settings = \{[^{}]*\};?$/m

/**
 * `start.cjs`, written next to `main.cjs` by the build: `template` is the loader's source
 * (core/start.cjs, a type-checked program of its own, which the build reads from this package),
 * with its `settings` object rewritten for this bundle. The bundle is wrapped the way Node wraps a
 * CommonJS module, on a line of its own (`lineOffset: -1`), so stack traces and source maps keep
 * their lines and columns. Node releases before 20.12 lack the default loader for dynamic
 * `import()` in `vm` scripts, and Node does not apply source maps to `vm` scripts: without that
 * loader, or with `--enable-source-maps`, the bundle is loaded with plain `require`, without the
 * cache. Node 20 also cannot run a dynamic `import()` from code that came out of a cache ("A
 * dynamic import callback was not specified"; fixed in Node 22): a bundle that keeps `import()`
 * calls (of external modules, or a computed specifier) loads without the cache there; the
 * drop-in's own `import()` goes through {@link IMPORT_HOOK}, which the loader defines on every
 * Node, and does not count as one (the build replaces that module). A leading `#!` line (an
 * executable entry) is blanked: inside the wrapper it would not parse.
 *
 * @internal
 */
export const loaderSource = (
  template: string,
  bundleFile: string,
  options: { readonly dynamicImports: boolean }
): string => {
  const settings: LoaderSettings = {
    bundleFile,
    dynamicImports: options.dynamicImports,
    status: STATUS,
    importHook: IMPORT_HOOK,
    trainingHook: TRAINING_HOOK,
    disableEnv: DISABLE_ENV,
    trainingEnv: TRAINING_ENV,
    exitModuleThrew: EXIT_MODULE_THREW,
    exitNotStarted: EXIT_NOT_STARTED,
    exitWarmUpFailed: EXIT_WARM_UP_FAILED,
    exitCacheUnusable: EXIT_CACHE_UNUSABLE
  }
  if (!SETTINGS.test(template)) throw new Error("the code-cache loader has no `const settings = {...}` object")
  return template
    .replace(SETTINGS, () => `const settings = ${JSON.stringify(settings, null, 2)}`)
    // tsc's output in dist/ points at a source map that is not copied to the function.
    .replace(/^\/\/# sourceMappingURL=.*\n?/m, "")
}
