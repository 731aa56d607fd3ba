// Writes src/internal/core/version.ts from both lines' package.json: each package's version and
// the `effect` range it supports (its peer dependency), so that the runtime's start-up check and
// the Runtime API client's user agent never read package.json at run time (bundles have none).
// `npm version` runs it (the `version` script) and stages the file; test/Packaging.test.ts and
// packages/effect4/test/Packaging.test.ts fail when they disagree.
//
//   node scripts/version.mjs
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = new URL("..", import.meta.url)
// The runtime's check (src/internal/core/effectVersion.ts) knows caret ranges, alone or joined by `||`.
const caret = /^\^\d+\.\d+\.\d+$/
const lineOf = (folder) => {
  const pkg = JSON.parse(readFileSync(new URL(`${folder}package.json`, root), "utf8"))
  const range = pkg.peerDependencies?.effect
  if (typeof range !== "string" || !range.split("||").every((part) => caret.test(part.trim()))) {
    console.error(
      `scripts/version.mjs: ${folder}package.json's peerDependencies.effect must be ^x.y.z ranges joined by || (got ${range})`
    )
    process.exit(1)
  }
  return { version: pkg.version, range }
}
const effect3 = lineOf("")
const effect4 = lineOf("packages/effect4/")

const file = fileURLToPath(new URL("src/internal/core/version.ts", root))
writeFileSync(
  file,
  `// Written by scripts/version.mjs from both lines' package.json (\`npm version\` runs it): do not edit.

/**
 * The Effect 3 line's version (the repository's root package).
 *
 * @internal
 */
export const VERSION = ${JSON.stringify(effect3.version)}

/**
 * The \`effect\` versions the Effect 3 line supports: its peer dependency range.
 *
 * @internal
 */
export const SUPPORTED_EFFECT = ${JSON.stringify(effect3.range)}

/**
 * The Effect 4 line's version (packages/effect4).
 *
 * @internal
 */
export const EFFECT4_VERSION = ${JSON.stringify(effect4.version)}

/**
 * The \`effect\` versions the Effect 4 line supports: its peer dependency range.
 *
 * @internal
 */
export const EFFECT4_SUPPORTED_EFFECT = ${JSON.stringify(effect4.range)}
`
)
console.log(
  `scripts/version.mjs: ${effect3.version} (effect ${effect3.range}), ${effect4.version} (effect ${effect4.range})`
)
