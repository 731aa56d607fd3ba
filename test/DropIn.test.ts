/**
 * `effect-lambda-runtime/DropIn`: a TypeScript drop-in handler types its `context` as
 * `DropInContext` and may call `context.detach`. The handlers below are compiled by TypeScript's
 * own compiler with the project's tsconfig, as a user's file would be.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Context as AwsContext } from "aws-lambda"
import { readFileSync } from "node:fs"
import ts from "typescript"
import type { DropInContext } from "../src/DropIn.js"
import type { NodeHandlerContext } from "../src/internal/core/nodeContext.js"
import { projectFile } from "./process.js"

// Type-level (checked by `tsc --noEmit`): the public type and the context the drop-in builds
// (internal/node/context.ts) are the same in both directions, and a library typed against
// `@types/aws-lambda`'s `Context` accepts a DropInContext.
const toPublic = (context: NodeHandlerContext): DropInContext => context
const toInternal = (context: DropInContext): NodeHandlerContext => context
const toAws = (context: DropInContext): AwsContext => context
void [toPublic, toInternal, toAws]

/** Type-checks `source` as the file `test/<name>.ts` of this project; its diagnostics, as `TSxxxx: message`. */
const typeCheck = (name: string, source: string): ReadonlyArray<string> => {
  const root = projectFile(".")
  const config = ts.readConfigFile(projectFile("tsconfig.json"), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  const file = projectFile(`test/${name}.ts`)
  const host = ts.createCompilerHost(options)
  const { fileExists, getSourceFile, readFile } = host
  host.fileExists = (path) => path === file || fileExists(path)
  host.readFile = (path) => (path === file ? source : readFile(path))
  host.getSourceFile = (path, language, ...rest) =>
    path === file ? ts.createSourceFile(path, source, language) : getSourceFile(path, language, ...rest)
  const program = ts.createProgram({ rootNames: [file], options, host })
  const sourceFile = program.getSourceFile(file)!
  return [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)].map(
    (diagnostic) => `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`
  )
}

const handlerTypedAs = (contextType: string, importLine: string) =>
  `${importLine}
export const handler = async (event: { readonly id: string }, context: ${contextType}) => {
  context.detach(async (signal) => {
    if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1))
  })
  return { id: event.id, requestId: context.awsRequestId, left: context.getRemainingTimeInMillis() }
}
`

describe("DropIn", () => {
  it("a drop-in handler whose context is a DropInContext type-checks with context.detach", () => {
    expect(
      typeCheck("dropInTyped", handlerTypedAs("DropInContext", `import type { DropInContext } from "../src/DropIn.js"`))
    )
      .toEqual([])
  }, 60_000)

  it("typed with @types/aws-lambda's Context instead, the same handler fails with TS2339 on detach", () => {
    const diagnostics = typeCheck(
      "dropInAwsTyped",
      handlerTypedAs("Context", `import type { Context } from "aws-lambda"`)
    )
    expect(diagnostics).toContain("TS2339: Property 'detach' does not exist on type 'Context'.")
  }, 60_000)

  it("the module compiles to JavaScript that imports nothing (importing it starts no runtime)", () => {
    const { outputText } = ts.transpileModule(readFileSync(projectFile("src/DropIn.ts"), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true }
    })
    expect(outputText.replace(/\/\*\*[\s\S]*?\*\//g, "").trim()).toBe("export {};")
  })
})
