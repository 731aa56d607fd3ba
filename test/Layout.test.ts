/**
 * The layout's rules (issue 17), read from the sources themselves:
 * - src/internal/core imports nothing from `effect` or `@effect/*` (not even types) and nothing
 *   from outside core but Node's built-ins (`node:`) and the few packages `coreDependencies` names
 *   (none of them depends on Effect): the Runtime API wire format, the error
 *   documents, the code-cache loader, `_HANDLER` resolution and the sample events can be shared
 *   by an Effect 3 and an Effect 4 line of the package.
 * - no module under src/internal imports a value from a public module (src/*.ts, or the package
 *   by its own name): the public modules are built on the internal ones, not the other way round.
 *   `import type` is fine (and how internal modules use the public interfaces).
 *
 * Imports are found with TypeScript's parser: `import` and `export ... from` declarations,
 * `import x = require()`, `import()` and `require()` calls with a literal specifier, and
 * `import("...")` types (in JSDoc too). A computed specifier (`import(url)`) cannot be checked
 * and is left alone.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, extname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const src = join(root, "src")
const internal = join(src, "internal")
const core = join(internal, "core")

const scriptKinds: Record<string, ts.ScriptKind> = {
  ".ts": ts.ScriptKind.TS,
  ".mts": ts.ScriptKind.TS,
  ".cts": ts.ScriptKind.TS,
  ".tsx": ts.ScriptKind.TSX,
  ".js": ts.ScriptKind.JS,
  ".mjs": ts.ScriptKind.JS,
  ".cjs": ts.ScriptKind.JS,
  ".jsx": ts.ScriptKind.JSX
}

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : []
  })

/** Files that can import anything. */
const sourcesUnder = (dir: string) => filesUnder(dir).filter((file) => extname(file) in scriptKinds)

interface Import {
  readonly specifier: string
  readonly line: number
  /** Whether it is gone at run time: `import type`, `export type ... from`, an `import("...")` type. */
  readonly typeOnly: boolean
}

/** The imports of one file (see the header for what counts). */
const importsOf = (fileName: string, text: string): Array<Import> => {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKinds[extname(fileName)])
  const found: Array<Import> = []
  const add = (node: ts.Node, specifier: ts.Node | undefined, typeOnly: boolean) => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    found.push({ specifier: specifier.text, line, typeOnly })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      // `import { type A } from "x"` is kept as `import {} from "x"` (verbatimModuleSyntax): it
      // loads the module, so only `import type` counts as type-only.
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true)
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly)
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) {
        add(node, node.arguments[0], false)
      }
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument
      add(node, ts.isLiteralTypeNode(argument) ? argument.literal : undefined, true)
    }
    for (const doc of (node as { jsDoc?: ReadonlyArray<ts.Node> }).jsDoc ?? []) visit(doc)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const isInside = (dir: string, path: string) => path === dir || path.startsWith(dir + sep)

/** Why `found` is not allowed in core, or `undefined` when it is. */
/**
 * Packages core may import: they depend on no Effect, and both lines of the runtime need them
 * (the official per-invocation store that Powertools and the AWS SDK read; esbuild and fflate
 * for the build engine both lines' `Build` wrap, esbuild loaded only when a build runs).
 */
const coreDependencies: ReadonlyArray<string> = ["@aws/lambda-invoke-store", "esbuild", "fflate"]

const coreViolation = (file: string, found: Import): string | undefined => {
  const { specifier } = found
  if (specifier.startsWith("node:")) return undefined
  if (specifier.startsWith(".")) {
    return isInside(core, resolve(dirname(file), specifier)) ? undefined : "leaves src/internal/core"
  }
  if (specifier === "effect" || specifier.startsWith("effect/") || specifier.startsWith("@effect/")) {
    return `is Effect${found.typeOnly ? " (a type import counts too)" : ""}`
  }
  if (coreDependencies.includes(specifier)) return undefined
  return "is a package (core imports only node: built-ins and the packages of `coreDependencies`)"
}

const where = (file: string, found: Import) => `${relative(root, file)}:${found.line} "${found.specifier}"`

const coreViolations = (files: ReadonlyArray<string>) =>
  files.flatMap((file) =>
    importsOf(file, readFileSync(file, "utf8")).flatMap((found) => {
      const why = coreViolation(file, found)
      return why === undefined ? [] : [`${where(file, found)} ${why}`]
    })
  )

/**
 * Whether `specifier`, imported by `file`, is a public module: a file directly in src/ (`src/X.ts`,
 * not src/internal or src/bin), or the package's own name (`effect-lambda-runtime`,
 * `effect-lambda-runtime/X`), which resolves to the same modules once built.
 */
const isPublicModule = (file: string, specifier: string) =>
  specifier.startsWith(".")
    ? dirname(resolve(dirname(file), specifier)) === src
    : specifier === "effect-lambda-runtime" || specifier.startsWith("effect-lambda-runtime/")

/** The value imports of public modules in one file under src/internal, as `file:line specifier`. */
const publicValueImportsOf = (file: string, text: string) =>
  importsOf(file, text).flatMap((found) =>
    !found.typeOnly && isPublicModule(file, found.specifier)
      ? [`${relative(root, file).split(sep).join("/")}:${found.line} ${found.specifier}`]
      : []
  )

const publicValueImports = (files: ReadonlyArray<string>) =>
  files.flatMap((file) => publicValueImportsOf(file, readFileSync(file, "utf8")))

describe("layout (issue 17)", () => {
  it("finds every kind of import, type-only ones told apart", () => {
    const text = [
      `import type { A } from "effect/Effect"`,
      `import { type B } from "@effect/platform"`,
      `import * as C from "../runtime/loop.js"`,
      `export type { D } from "../../LambdaError.js"`,
      `export * from "undici"`,
      `const e = await import("effect")`,
      `const f = require("node:fs")`,
      `type G = typeof import("effect/Layer")`,
      `/** @type {import("effect/Cause").Cause<never>} */`,
      `const h = import(computed)`,
      `import i = require("./inside.js")`
    ].join("\n")
    const imports = (name: string) =>
      importsOf(join(core, name), text).map((found) => `${found.line} ${found.specifier} ${found.typeOnly}`)
    expect(imports("sample.ts")).toEqual([
      "1 effect/Effect true",
      "2 @effect/platform false",
      "3 ../runtime/loop.js false",
      "4 ../../LambdaError.js true",
      "5 undici false",
      "6 effect false",
      "7 node:fs false",
      "8 effect/Layer true",
      "9 effect/Cause true",
      "11 ./inside.js false"
    ])
    // JSDoc types count in JavaScript files (the loader's) as well.
    expect(imports("sample.cjs")).toContain("9 effect/Cause true")
    const file = join(core, "sample.ts")
    expect(importsOf(file, text).map((found) => coreViolation(file, found))).toEqual([
      "is Effect (a type import counts too)",
      "is Effect",
      "leaves src/internal/core",
      "leaves src/internal/core",
      "is a package (core imports only node: built-ins and the packages of `coreDependencies`)",
      "is Effect",
      undefined,
      "is Effect (a type import counts too)",
      "is Effect (a type import counts too)",
      undefined
    ])
  })

  it("src/internal/core imports nothing from effect, @effect/* or outside core but node: built-ins and its listed packages", () => {
    const files = sourcesUnder(core)
    // The walk reaches the subfolders and the loader, which is JavaScript.
    expect(files).toContain(join(core, "samples", "index.ts"))
    expect(files).toContain(join(core, "start.cjs"))
    // Files that are not sources cannot import; any that appears here should be looked at.
    expect(filesUnder(core).filter((file) => !files.includes(file)).map((file) => relative(root, file))).toEqual([])
    expect(coreViolations(files)).toEqual([])
  })

  it("tells a value import of a public module from a type-only one", () => {
    const text = [
      `import type { LambdaContext } from "../../LambdaContext.js"`,
      `import { type UnmarshalError } from "../../LambdaError.js"`,
      `import * as LambdaHandler from "../../LambdaHandler.js"`,
      `export type { Invocation } from "../../RuntimeApi.js"`,
      `export { run } from "../../LambdaRuntime.js"`,
      `type E = typeof import("../../Emulator.js")`,
      `const build = await import("../../Build.js")`,
      `import * as Loop from "./loop.js"`,
      `import * as Main from "../../bin/effect-lambda.js"`,
      `import { LambdaTest } from "effect-lambda-runtime"`,
      `import type { DropInContext } from "effect-lambda-runtime/DropIn"`,
      `import * as Effect from "effect/Effect"`
    ].join("\n")
    expect(publicValueImportsOf(join(internal, "runtime", "sample.ts"), text)).toEqual([
      // `import { type X }` stays in the output as `import {} from` (verbatimModuleSyntax): it loads the module.
      "src/internal/runtime/sample.ts:2 ../../LambdaError.js",
      "src/internal/runtime/sample.ts:3 ../../LambdaHandler.js",
      "src/internal/runtime/sample.ts:5 ../../LambdaRuntime.js",
      "src/internal/runtime/sample.ts:7 ../../Build.js",
      "src/internal/runtime/sample.ts:10 effect-lambda-runtime"
    ])
  })

  it("no file under src/internal imports a value from a public module (src/*.ts)", () => {
    expect(publicValueImports(sourcesUnder(internal))).toEqual([])
  })
})
