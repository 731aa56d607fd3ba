/**
 * Finds the user's function from `_HANDLER` in `LAMBDA_TASK_ROOT` by the rules of the official
 * Node.js runtime interface client, and names its failures as that client does, so that an
 * existing function's init errors read the same on this runtime.
 *
 * The rules (learned from the official client, written afresh here):
 * - `_HANDLER` is `[dir/]module.name[.nested...]`: the part after the last `/` is split at its
 *   first dot into the module and the (possibly dotted) property path. No dot, or `..`
 *   anywhere, is `Runtime.MalformedHandlerName`.
 * - The module is `LAMBDA_TASK_ROOT/dir/module`, tried in this order: the file without an
 *   extension (CommonJS); `.js` through `require` unless the nearest `package.json` says
 *   `"type": "module"`, then `.js` through `import` when it does; `.mjs` through `import`;
 *   `.cjs` through `require`; finally `module` resolved as a package from the task root
 *   (`node_modules`).
 * - A `SyntaxError` while loading is `Runtime.UserCodeSyntaxError`, a module that cannot be
 *   found is `Runtime.ImportModuleError`; anything else thrown by the module's top level is
 *   reported as it is (an `Error` under its own name).
 * - The property path is followed from the module's exports; nothing there is
 *   `Runtime.HandlerNotFound` (`... is undefined or not exported`), something that is not a
 *   function too (`... is not a function`).
 *
 * The errors are plain `Error`s whose `name` is the `errorType` (`Runtime.ImportModuleError`), on
 * the prototype as the official client sets it, so that the stack's first line carries it too.
 * node/resolve.ts is the drop-in's Effect of {@link loadHandler}.
 *
 * @internal
 */
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { importModule as importUrl } from "./importModule.js"

/**
 * The module named by `_HANDLER` could not be found.
 *
 * @internal
 */
export class ImportModuleError extends Error {
  static {
    this.prototype.name = "Runtime.ImportModuleError"
  }
}

/**
 * The module loaded, but does not export a function under the handler's name.
 *
 * @internal
 */
export class HandlerNotFound extends Error {
  static {
    this.prototype.name = "Runtime.HandlerNotFound"
  }
}

/**
 * `_HANDLER` is not of the form `module.function`, or climbs out of the task root.
 *
 * @internal
 */
export class MalformedHandlerName extends Error {
  static {
    this.prototype.name = "Runtime.MalformedHandlerName"
  }
}

/**
 * The user's code does not parse.
 *
 * @internal
 */
export class UserCodeSyntaxError extends Error {
  static {
    this.prototype.name = "Runtime.UserCodeSyntaxError"
  }
}

/**
 * Any failure of {@link loadHandler}; a module's own top-level error is passed through unchanged.
 *
 * @internal
 */
export type LoadError = ImportModuleError | HandlerNotFound | MalformedHandlerName | UserCodeSyntaxError

/**
 * The parts of a handler string.
 *
 * @internal
 */
export interface HandlerName {
  /** The directory part, relative to the task root (`""` or ending with `/`). */
  readonly moduleRoot: string
  readonly module: string
  /** The property path in the module's exports (`a.b` for `file.a.b`). */
  readonly property: string
}

/**
 * Splits `_HANDLER`; throws `MalformedHandlerName` as the official client does.
 *
 * @internal
 */
export const parseHandlerName = (handler: string): HandlerName => {
  if (handler.includes("..")) {
    throw new MalformedHandlerName(
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`
    )
  }
  const base = path.basename(handler)
  const moduleRoot = handler.slice(0, handler.length - base.length)
  const dot = base.indexOf(".")
  if (dot < 0) throw new MalformedHandlerName("Bad handler")
  return { moduleRoot, module: base.slice(0, dot), property: base.slice(dot + 1) }
}

const hasTypeModule = (file: string): boolean => {
  // The nearest package.json decides, as it does for Node itself.
  let dir = path.dirname(file)
  for (;;) {
    const manifest = path.join(dir, "package.json")
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, "utf8")) as { type?: unknown }).type === "module"
      } catch {
        return false
      }
    }
    const parent = path.dirname(dir)
    if (parent === dir) return false
    dir = parent
  }
}

// Modules are required by absolute path, or resolved from the task root: the base is only a
// formality (and `import.meta` does not survive a CommonJS bundle).
const requireFrom = createRequire(path.join(process.cwd(), "noop.js"))

const importModule = (file: string): Promise<unknown> => importUrl(pathToFileURL(file).href)

/** Loads the module by the official order of attempts; throws what loading threw. */
const loadModule = async (taskRoot: string, name: HandlerName): Promise<unknown> => {
  const base = path.resolve(taskRoot, name.moduleRoot, name.module)
  if (existsSync(base)) return requireFrom(base)
  // The nearest package.json is only read for a `.js` file (it decides between require and import).
  if (existsSync(`${base}.js`)) return hasTypeModule(base) ? importModule(`${base}.js`) : requireFrom(`${base}.js`)
  if (existsSync(`${base}.mjs`)) return importModule(`${base}.mjs`)
  if (existsSync(`${base}.cjs`)) return requireFrom(`${base}.cjs`)
  // Not `require(module)` from here: a package is looked up from the task root, not from this file.
  return requireFrom(requireFrom.resolve(name.module, { paths: [taskRoot, path.join(taskRoot, name.moduleRoot)] }))
}

const errorCode = (error: unknown): unknown =>
  typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined

const classify = (error: unknown): unknown => {
  if (error instanceof SyntaxError) return new UserCodeSyntaxError(String(error), { cause: error })
  const code = errorCode(error)
  if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") {
    return new ImportModuleError(String(error), { cause: error })
  }
  return error
}

/**
 * A callable found in the user's module: its arity tells the callback form apart.
 *
 * @internal
 */
export type UserFunction = (...args: ReadonlyArray<unknown>) => unknown

/**
 * Loads `handler` from `taskRoot`; rejects with the official client's errors ({@link LoadError}),
 * or with whatever the module's top level threw.
 *
 * @internal
 */
export const loadHandler = async (taskRoot: string, handler: string): Promise<UserFunction> => {
  const name = parseHandlerName(handler)
  let exports: unknown
  try {
    exports = await loadModule(taskRoot, name)
  } catch (error) {
    throw classify(error)
  }
  let value: unknown = exports
  for (const key of name.property.split(".")) {
    value = typeof value === "object" && value !== null || typeof value === "function"
      ? (value as Record<string, unknown>)[key]
      : undefined
  }
  if (value === undefined || value === null) throw new HandlerNotFound(`${handler} is undefined or not exported`)
  if (typeof value !== "function") throw new HandlerNotFound(`${handler} is not a function`)
  return value as UserFunction
}
