// @ts-check
"use strict"
// The code-cache loader of effect-lambda-runtime, written next to the bundle as start.cjs by
// `effect-lambda build` (source: src/internal/core/start.cjs; core/codeCache.ts explains it).
// Starts the bundle (main.cjs) with the V8 code cache the build produced (main.cjs.cache). V8
// checks the cache against the source, its version and its flags, and compiles normally when it
// does not match. EFFECT_LAMBDA_CODE_CACHE=0 loads the bundle without the cache, as does
// --enable-source-maps (Node does not apply source maps to the vm scripts the cache needs).
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS program: it loads with require */

/** @typedef {import("./codeCache.js").LoaderSettings} Settings */

// The build writes this object with its own values (codeCache.ts `loaderSource`).
/** @type {Settings} */
const settings = {
  bundleFile: "main.cjs",
  dynamicImports: false,
  status: "effect-lambda-runtime/code-cache",
  importHook: "effect-lambda-runtime/import",
  trainingHook: "effect-lambda-runtime/code-cache-training",
  disableEnv: "EFFECT_LAMBDA_CODE_CACHE",
  trainingEnv: "EFFECT_LAMBDA_CODE_CACHE_TRAINING",
  exitModuleThrew: 3,
  exitNotStarted: 4,
  exitWarmUpFailed: 6,
  exitCacheUnusable: 5
}

const fs = require("node:fs")
const path = require("node:path")
const vm = require("node:vm")
const Module = require("node:module")

/** The globals the loader shares with the bundle, by `Symbol.for` keys. */
const slots = /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (globalThis))

/**
 * What a thrown value says about itself, for a training run's stderr.
 * @param {unknown} error
 * @param {"message" | "stack"} key
 */
const describe = (error, key) => {
  const said = error !== null && (typeof error === "object" || typeof error === "function")
    ? /** @type {Record<string, unknown>} */ (error)[key]
    : undefined
  return String(said || error)
}

const file = path.join(__dirname, settings.bundleFile)
const cacheFile = file + ".cache"
const training = process.env[settings.trainingEnv] === "1"
const dynamicImport = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER
const status = Symbol.for(settings.status)
// import() for the bundle: compiled here by Node, it runs on Node 20 too, where the bundle's own
// import() cannot once it comes from the cache.
slots[Symbol.for(settings.importHook)] = (/** @type {string} */ specifier) => import(specifier)
// A bundle that keeps import() calls can only use the cache from Node 22 on.
const importsUnderCache = !settings.dynamicImports || Number(process.versions.node.split(".")[0]) >= 22
if (
  (process.env[settings.disableEnv] === "0" && !training) || dynamicImport === undefined || process.sourceMapsEnabled
) {
  slots[status] = "disabled"
  require(file)
} else if (!importsUnderCache) {
  // A training run on such a Node makes no cache: it would never be used.
  if (training) process.exit(settings.exitCacheUnusable)
  slots[status] = "unsupported"
  require(file)
} else {
  /** @type {Buffer | undefined} */
  let cachedData
  if (!training) {
    try {
      cachedData = fs.readFileSync(cacheFile)
    } catch {
      // No cache (or an unreadable one): the bundle is compiled as usual.
    }
  }
  let source = fs.readFileSync(file, "utf8")
  // A leading `#!` line (an executable entry) would not parse inside the wrapper.
  if (source.startsWith("#!")) source = "//" + source.slice(2)
  // Wrapped as Node wraps a CommonJS module, on a line of its own: stack traces keep their lines.
  const script = new vm.Script(
    "(function (exports, require, module, __filename, __dirname) {\n" + source + "\n})",
    { filename: file, lineOffset: -1, cachedData, importModuleDynamically: dynamicImport }
  )
  slots[status] = cachedData === undefined ? "absent" : script.cachedDataRejected ? "rejected" : "accepted"
  if (training) {
    let trained = false
    const write = () => fs.writeFileSync(cacheFile, script.createCachedData())
    // A cache of what compiling alone produced, kept if the module never starts the runtime.
    write()
    slots[Symbol.for(settings.trainingHook)] = (/** @type {Promise<unknown>} */ done) => {
      trained = true
      const finish = (/** @type {number} */ code) => {
        write()
        process.exit(code)
      }
      done.then(() => finish(0), (error) => {
        process.stderr.write(describe(error, "message").slice(0, 300) + "\n")
        finish(settings.exitWarmUpFailed)
      })
    }
    process.on("exit", (code) => {
      if (!trained && code === 0) process.exitCode = settings.exitNotStarted
    })
  }
  const bundle = new Module(file, module)
  bundle.filename = file
  require.cache[file] = bundle
  /** @type {(this: unknown, ...args: Array<unknown>) => void} */
  const wrapper = script.runInThisContext()
  try {
    wrapper.call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, __dirname)
  } catch (error) {
    if (!training) throw error
    process.stderr.write(describe(error, "stack").split("\n")[0].slice(0, 300) + "\n")
    process.exit(settings.exitModuleThrew)
  }
  bundle.loaded = true
}
