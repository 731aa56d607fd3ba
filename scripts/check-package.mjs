// `npm run check:package`: packs both lines' packages as npm would publish them (`prepack` builds
// them) into a temporary directory: the root (the Effect 3 line, effect-lambda-runtime 0.x) and
// packages/effect4 (the Effect 4 line, effect-lambda-runtime 1.x). It checks each tarball with
// publint (warnings fail) and Are the Types Wrong (`--profile esm-only`: the packages are ESM
// only, so the CommonJS and `node10` resolutions they cannot serve are not counted as problems).
import { execFileSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = (name) => join(root, "node_modules", ".bin", name)
const run = (command, args, cwd = root) => execFileSync(command, args, { cwd, stdio: "inherit" })
const started = performance.now()
const work = mkdtempSync(join(tmpdir(), "effect-lambda-runtime-pack-"))
let failed = false
try {
  for (const folder of [root, join(root, "packages/effect4")]) {
    const destination = mkdtempSync(join(work, "line-"))
    run("npm", ["pack", "--pack-destination", destination, "--silent"], folder)
    const tarball = join(destination, readdirSync(destination).find((name) => name.endsWith(".tgz")))
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
  }
} catch (error) {
  console.error(`check:package: ${error.message}`)
  failed = true
} finally {
  rmSync(work, { recursive: true, force: true })
}
console.log(`check:package: ${failed ? "FAILED" : "OK"} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.exit(failed ? 1 : 0)
