// `npm run check:package`: packs the package as npm would publish it (`prepack` builds it) into a
// temporary directory and checks the tarball with publint (warnings fail) and Are the Types
// Wrong (`--profile esm-only`: the package is ESM only, so the CommonJS and `node10` resolutions
// it cannot serve are not counted as problems).
import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = (name) => join(root, "node_modules", ".bin", name)
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: "inherit" })
const started = performance.now()
const work = mkdtempSync(join(tmpdir(), "effect-lambda-runtime-pack-"))
let failed = false
try {
  run("npm", ["pack", "--pack-destination", work, "--silent"])
  const tarball = join(work, readdirSync(work).find((name) => name.endsWith(".tgz")))
  const checks = [
    ["publint", "run", tarball, "--strict"],
    ["attw", tarball, "--profile", "esm-only", "--format", "table-flipped"]
  ]
  for (const [command, ...args] of checks) {
    try {
      run(bin(command), args)
    } catch {
      failed = true
    }
  }
} catch (error) {
  console.error(`check:package: ${error.message}`)
  failed = true
} finally {
  rmSync(work, { recursive: true, force: true })
}
console.log(`check:package: ${failed ? "FAILED" : "OK"} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.exit(failed ? 1 : 0)
