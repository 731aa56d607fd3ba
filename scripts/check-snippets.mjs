// Part of `npm test`: type-checks every ```ts / ```typescript block of README.md and docs/*.md
// against the project's src (```ts effect4 blocks against the Effect 4 line's, with effect 4), so
// the documentation cannot drift from the API it shows.
// A block that is deliberately a fragment opts out with `no-check` in its fence's info string
// (```ts no-check); prefer a complete snippet, imports included.
//
//   node scripts/check-snippets.mjs
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = fileURLToPath(new URL("..", import.meta.url))
const markdownFiles = [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`)
]

// Each block becomes its own module, so blocks can declare the same names.
const snippets = []
let skipped = 0
for (const markdown of markdownFiles) {
  const lines = readFileSync(join(root, markdown), "utf8").split("\n")
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\b(.*)$/.exec(lines[i])
    if (!open) continue
    const [, indent, , info] = open
    const start = i + 1
    while (i + 1 < lines.length && !/^\s*```\s*$/.test(lines[i + 1])) i++
    const body = lines.slice(start, i + 1).map((line) => line.startsWith(indent) ? line.slice(indent.length) : line)
    i++
    if (/\bno-check\b/.test(info)) {
      skipped++
      continue
    }
    // Named after where the block is, for anyone reading the temporary folder; `start` is the
    // 0-based index of the block's first line, so its 1-based line number is `start + 1`.
    const firstLine = start + 1
    snippets.push({
      markdown,
      firstLine,
      indent: indent.length,
      file: `${markdown.replace(/[/.]/g, "_")}_${firstLine}.ts`,
      info,
      text: body.join("\n") + "\n"
    })
  }
}

// A folder outside the project, so nothing of it can be picked up by tsc, vitest or git. It is
// a "type": "module" package (NodeNext then reads the blocks as ESM, as a user's code would be)
// whose node_modules is the project's: the blocks' imports resolve as they would in a project
// that installed this package, except the package itself, which `paths` sends to src. Blocks
// marked `effect4` (```ts effect4) are the Effect 4 line's: they sit one folder deeper, whose
// node_modules is packages/effect4's (effect 4 first; the rest falls through to the project's),
// and the package is packages/effect4/src.
const lines = {
  effect3: { folder: "src", modules: join(root, "node_modules"), source: join(root, "src") },
  effect4: {
    folder: "effect4/src",
    modules: join(root, "packages/effect4/node_modules"),
    source: join(root, "packages/effect4/src")
  }
}
const lineOf = (snippet) => /\beffect4\b/.test(snippet.info) ? lines.effect4 : lines.effect3
const dir = mkdtempSync(join(tmpdir(), "snippets-"))
try {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
  for (const line of Object.values(lines)) {
    mkdirSync(join(dir, line.folder), { recursive: true })
    symlinkSync(line.modules, join(dir, line.folder, "..", "node_modules"), "dir")
  }
  const fileOf = (snippet) => join(dir, lineOf(snippet).folder, snippet.file)
  for (const snippet of snippets) writeFileSync(fileOf(snippet), snippet.text)

  const base = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
    }
  })
  const diagnostics = Object.values(lines).flatMap((line) => {
    const files = snippets.filter((snippet) => lineOf(snippet) === line).map(fileOf)
    if (files.length === 0) return []
    const options = {
      ...base.options,
      paths: {
        "effect-lambda-runtime": [join(line.source, "index.ts")],
        "effect-lambda-runtime/*": [join(line.source, "*.ts")]
      }
    }
    return ts.getPreEmitDiagnostics(ts.createProgram(files, options))
  })

  const byFile = new Map(snippets.map((snippet) => [fileOf(snippet), snippet]))
  let errors = 0
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ")
    const snippet = diagnostic.file && byFile.get(diagnostic.file.fileName)
    if (snippet && diagnostic.start !== undefined) {
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      console.error(
        `${snippet.markdown}:${snippet.firstLine + line}:${
          snippet.indent + character + 1
        } TS${diagnostic.code}: ${message}`
      )
    } else {
      // An error in src or node_modules (or a global one) that a snippet brought to light.
      const where = diagnostic.file ? relative(root, diagnostic.file.fileName) : "(global)"
      console.error(`${where} TS${diagnostic.code}: ${message}`)
    }
    errors++
  }
  const summary = `${snippets.length} snippets checked, ${skipped} marked no-check, ${errors} errors`
  if (errors > 0) {
    console.error(summary)
    process.exitCode = 1
  } else {
    console.log(summary)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
