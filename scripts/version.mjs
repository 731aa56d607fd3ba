// Writes src/internal/core/version.ts from package.json: the package's version and the `effect`
// range it supports (its peer dependency), so that the runtime's start-up check and the Runtime
// API client's user agent never read package.json at run time (bundles have none). `npm version`
// runs it (the `version` script) and stages the file; test/Packaging.test.ts fails when the two
// disagree.
//
//   node scripts/version.mjs
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = new URL("..", import.meta.url)
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8"))
const range = pkg.peerDependencies?.effect
// The runtime's check (src/internal/runtime/compatibility.ts) knows caret ranges, alone or joined by `||`.
const caret = /^\^\d+\.\d+\.\d+$/
if (typeof range !== "string" || !range.split("||").every((part) => caret.test(part.trim()))) {
  console.error(`scripts/version.mjs: peerDependencies.effect must be ^x.y.z ranges joined by || (got ${range})`)
  process.exit(1)
}

const file = fileURLToPath(new URL("src/internal/core/version.ts", root))
writeFileSync(
  file,
  `// Written by scripts/version.mjs from package.json (\`npm version\` runs it): do not edit.

/**
 * This package's version.
 *
 * @internal
 */
export const VERSION = ${JSON.stringify(pkg.version)}

/**
 * The \`effect\` versions this version supports: its peer dependency range.
 *
 * @internal
 */
export const SUPPORTED_EFFECT = ${JSON.stringify(range)}
`
)
console.log(`scripts/version.mjs: ${pkg.name} ${pkg.version}, effect ${range}`)
