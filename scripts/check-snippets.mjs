// Part of `npm test`: type-checks every ```ts / ```typescript block of README.md and docs/*.md
// against the project's src, so the documentation cannot drift from the API it shows.
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
      text: body.join("\n") + "\n"
    })
  }
}

// A folder outside the project, so nothing of it can be picked up by tsc, vitest or git. It is
// a "type": "module" package (NodeNext then reads the blocks as ESM, as a user's code would be)
// whose node_modules is the project's: the blocks' imports resolve as they would in a project
// that installed this package, except the package itself, which `paths` sends to src.
const dir = mkdtempSync(join(tmpdir(), "snippets-"))
try {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir")
  mkdirSync(join(dir, "src"))
  for (const snippet of snippets) writeFileSync(join(dir, "src", snippet.file), snippet.text)

  const base = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
    }
  })
  const options = {
    ...base.options,
    paths: {
      "effect-lambda-runtime": [join(root, "src/index.ts")],
      "effect-lambda-runtime/*": [join(root, "src/*.ts")]
    }
  }
  const program = ts.createProgram(snippets.map((snippet) => join(dir, "src", snippet.file)), options)
  const diagnostics = ts.getPreEmitDiagnostics(program)

  const byFile = new Map(snippets.map((snippet) => [join(dir, "src", snippet.file), snippet]))
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
