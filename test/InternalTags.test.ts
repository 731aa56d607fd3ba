/**
 * Every export of a module under src/internal carries `@internal` in its own JSDoc: that is
 * where `tsc --stripInternal` and TypeDoc's `excludeInternal` look (a file-level comment does
 * not count). The check reads each file with the TypeScript parser and applies the rule tsc
 * uses: a `/**` comment among the statement's leading comments that contains `@internal`.
 */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = fileURLToPath(new URL("../src/internal", import.meta.url))

/**
 * Files not tagged yet (they were being rewritten when the others were tagged). Remove an
 * entry once its file is tagged; the last test fails while a listed file needs no entry.
 */
const PENDING: ReadonlyArray<string> = []

const isPending = (file: string) =>
  PENDING.some((entry) => entry.endsWith("/") ? file.startsWith(entry) : file === entry)

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

const isExported = (statement: ts.Statement): boolean =>
  ts.isExportDeclaration(statement) || ts.isExportAssignment(statement) ||
  (ts.canHaveModifiers(statement) &&
    (ts.getModifiers(statement) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword))

/** The exports of `text` without `@internal`, as `line: first line of the statement`. */
const untagged = (fileName: string, text: string): Array<string> => {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
  return source.statements.filter(isExported).flatMap((statement) => {
    const tagged = (ts.getLeadingCommentRanges(text, statement.pos) ?? []).some((range) => {
      const comment = text.slice(range.pos, range.end)
      return comment.startsWith("/**") && comment.includes("@internal")
    })
    if (tagged) return []
    const start = statement.getStart(source)
    const { line } = source.getLineAndCharacterOfPosition(start)
    return [`${line + 1}: ${text.slice(start).split("\n", 1)[0]!.trim()}`]
  })
}

describe("@internal tags", () => {
  it("the check finds an export without the tag, and accepts one with it", () => {
    const text = [
      "/** Documented. */",
      "export const a = 1",
      "/**",
      " * Documented.",
      " *",
      " * @internal",
      " */",
      "export const b = 2",
      "/** @internal */",
      "// a line comment between the JSDoc and the declaration",
      "export interface C {}",
      "/* @internal, but not JSDoc */",
      "export type D = string",
      "export {",
      "  a as e",
      "}",
      "/** @internal */",
      "export { b as f }"
    ].join("\n")
    expect(untagged("sample.ts", text)).toEqual([
      "2: export const a = 1",
      "13: export type D = string",
      "14: export {"
    ])
  })

  it("every export under src/internal has @internal in its JSDoc", () => {
    const missing = sourceFiles(root)
      .map((path) => relative(root, path).split("\\").join("/"))
      .filter((file) => !isPending(file))
      .flatMap((file) =>
        untagged(file, readFileSync(join(root, file), "utf8")).map((at) => `src/internal/${file}:${at}`)
      )
    expect(missing).toEqual([])
  })

  it("lists as pending only files that exist and still have an untagged export", () => {
    const files = sourceFiles(root).map((path) => relative(root, path).split("\\").join("/"))
    const stale = PENDING.filter((entry) => {
      const covered = files.filter((file) => entry.endsWith("/") ? file.startsWith(entry) : file === entry)
      return covered.every((file) => untagged(file, readFileSync(join(root, file), "utf8")).length === 0)
    })
    expect(stale).toEqual([])
  })
})
