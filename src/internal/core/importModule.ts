/**
 * The one `import()` of the drop-in (an ESM handler module, see handlerResolution.ts). Node 20
 * cannot run `import()` from a script compiled from a V8 code cache ("A dynamic import callback
 * was not specified"), so the build's loader (`start.cjs`, compiled by Node itself) defines a
 * function that runs it, at {@link IMPORT_HOOK}; without the loader (the package's own
 * `dist/node.js`) the call is made here. A build with the code cache replaces this module by one
 * that only calls the loader's function (core/build/engine.ts), so that no `import()` is left in
 * the bundle.
 *
 * @internal
 */
import { IMPORT_HOOK } from "./codeCache.js"

/**
 * Imports `url` (a `file:` URL) through the loader's function when there is one.
 *
 * @internal
 */
export const importModule = (url: string): Promise<unknown> => {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for(IMPORT_HOOK)]
  return typeof hook === "function" ? (hook as (url: string) => Promise<unknown>)(url) : import(url)
}
