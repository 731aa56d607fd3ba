/**
 * What npm publishes for the Effect 4 line: `effect-lambda-runtime` 1.x (the root package is the
 * Effect 3 line, `effect-lambda-runtime` 0.x, published under the `effect3` tag), its exports and
 * `bin` pointing into the layout `tsconfig.build.json` compiles (this line's src beside the
 * shared core's), and no dependency that could nest an Effect into a user's app.
 * `npm run check:package` packs both lines and checks the tarballs (publint, Are the Types Wrong).
 * This file also pins the core's version constants of this line and its start-up check of the
 * installed effect.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import * as Version from "effect/Version"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { EffectVersion, PackageVersion } from "../src/internal/core.js"
import { emulatorScoped, inProcess, serveOn } from "./support.js"

interface PackageJson {
  readonly name: string
  readonly version: string
  readonly engines: Record<string, string>
  readonly bin: Record<string, string>
  readonly exports: Record<string, unknown>
  readonly dependencies: Record<string, string>
  readonly peerDependencies: Record<string, string>
  readonly publishConfig?: { readonly tag?: string }
}

const read = (url: URL): PackageJson => JSON.parse(readFileSync(url, "utf8")) as PackageJson
const packageRoot = new URL("..", import.meta.url)
const pkg = read(new URL("package.json", packageRoot))
const effect3Line = read(new URL("../../../package.json", import.meta.url))
/** Where tsc (rootDir: the repository) puts this line's compiled `src/<name>.ts`. */
const compiled = (name: string, extension: string) => `./dist/packages/effect4/src/${name}${extension}`

describe("Effect 4: the published package", () => {
  it("is effect-lambda-runtime 1.x, and the Effect 3 line stays 0.x off the latest tag", () => {
    expect(pkg.name).toBe("effect-lambda-runtime")
    expect(pkg.version).toMatch(/^1\./)
    expect(pkg.peerDependencies.effect).toMatch(/^\^4\./)
    expect(pkg.engines.node).toBe(">=22.19")
    // a caret range on 0.x never resolves to 1.x: Effect 3 users change nothing
    expect(effect3Line.name).toBe("effect-lambda-runtime")
    expect(effect3Line.version).toMatch(/^0\./)
    expect(effect3Line.publishConfig?.tag).toBe("effect3")
  })

  it("exports every public module (src/*.ts) and nothing else, from the compiled layout", () => {
    const modules = readdirSync(new URL("src", packageRoot)).filter((name) => name.endsWith(".ts")).map((name) =>
      name.slice(0, -3)
    )
    const expected: Record<string, unknown> = { "./package.json": "./package.json" }
    for (const name of modules) {
      expected[name === "index" ? "." : `./${name}`] = {
        types: compiled(name, ".d.ts"),
        // the drop-in is one esbuild bundle (scripts/bundle-drop-in.mjs), as on the Effect 3 line
        default: name === "node" ? "./dist/node.js" : compiled(name, ".js")
      }
    }
    expect(pkg.exports).toEqual(expected)
  })

  it("bin: this line's CLI entry and drop-in", () => {
    expect(pkg.bin).toEqual({
      "effect-lambda": compiled("bin/effect-lambda", ".js"),
      "effect-lambda-node": "./dist/node.js"
    })
    expect(existsSync(new URL("src/bin/effect-lambda.ts", packageRoot))).toBe(true)
  })

  it("no dependency depends on effect (it would nest a second Effect into the user's app)", () => {
    const require = createRequire(new URL("package.json", packageRoot))
    for (const name of Object.keys(pkg.dependencies)) {
      // node_modules as Node searches them (some packages do not export their package.json)
      const file = (require.resolve.paths(name) ?? []).map((folder) => `${folder}/${name}/package.json`).find(
        existsSync
      )
      expect(file, name).toBeDefined()
      const dependency = JSON.parse(readFileSync(file!, "utf8")) as Partial<PackageJson>
      expect({ name, ...dependency.dependencies, ...dependency.peerDependencies }).not.toHaveProperty("effect")
    }
  })

  it("src/internal/core/version.ts has this package's version and effect range (npm version rewrites it: scripts/version.mjs)", () => {
    expect(PackageVersion.EFFECT4_VERSION).toBe(pkg.version)
    expect(PackageVersion.EFFECT4_SUPPORTED_EFFECT).toBe(pkg.peerDependencies.effect)
    expect(EffectVersion.satisfies(Version.getCurrentVersion(), pkg.peerDependencies.effect)).toBe(true)
  })

  it.live("an installed effect outside the supported range fails init with Runtime.UnsupportedEffectVersion", () =>
    Effect.gen(function*() {
      // The runtime's effect reports 4.0.2 for the rest of the test (Version is effect's own switch).
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          const before = Version.getCurrentVersion()
          Version.setCurrentVersion("4.0.2")
          return before
        }),
        (before) => Effect.sync(() => Version.setCurrentVersion(before))
      )
      const emulator = yield* emulatorScoped()
      const fiber = yield* serveOn(emulator, LambdaRuntime.serve(() => Effect.succeed("never"), inProcess))
      const error = (yield* Effect.promise(() => emulator.awaitInitError())).document as {
        readonly errorType: string
        readonly errorMessage: string
      }
      expect(error.errorType).toBe("Runtime.UnsupportedEffectVersion")
      expect(error.errorMessage).toContain(
        `effect-lambda-runtime ${pkg.version} supports effect ${pkg.peerDependencies.effect}; effect 4.0.2 is installed`
      )
      expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      expect(yield* Effect.promise(() => emulator.nextRequests())).toHaveLength(0)
    }).pipe(Effect.scoped))
})
