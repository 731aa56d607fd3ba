import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import * as ModuleVersion from "effect/ModuleVersion"
import { readdirSync, readFileSync } from "node:fs"
import * as Emulator from "../src/Emulator.js"
import { LambdaHandler, LambdaRuntime } from "../src/index.js"
import * as Compatibility from "../src/internal/runtime/compatibility.js"
import { SUPPORTED_EFFECT, VERSION } from "../src/internal/core/version.js"
import { inProcess, scriptedServer, serveOn } from "./support.js"

const root = new URL("..", import.meta.url)
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  readonly version: string
  readonly peerDependencies: Record<string, string>
  readonly exports: Record<string, unknown>
}

/** What an Effect of another copy of effect 3, of version `version`, looks like to this one. */
const foreignEffect = (version: string) => ({
  [Effect.EffectTypeId]: { _R: () => {}, _E: () => {}, _A: () => {}, _V: version }
})

type ErrorDocument = { readonly errorType: string; readonly errorMessage: string }

const errorDocument = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Error")
  return (record.outcome as { document: ErrorDocument }).document
}

/** The runtime's `effect` reports `version` for the rest of the scope (ModuleVersion is effect's own switch). */
const installedEffect = (version: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const before = ModuleVersion.getCurrentVersion()
      ModuleVersion.setCurrentVersion(version)
      return before
    }),
    (before) => Effect.sync(() => ModuleVersion.setCurrentVersion(before))
  )

describe("Packaging", () => {
  describe("src/internal/core/version.ts", () => {
    it("is package.json's version and effect peer range (npm version rewrites it: scripts/version.mjs)", () => {
      expect(VERSION).toBe(pkg.version)
      expect(SUPPORTED_EFFECT).toBe(pkg.peerDependencies.effect)
    })

    it("supports the effect the project is tested with", () => {
      expect(Compatibility.effectVersionProblem(ModuleVersion.getCurrentVersion())).toBeUndefined()
    })
  })

  describe("exports", () => {
    it("names every public module (src/*.ts) and nothing else", () => {
      const modules = readdirSync(new URL("src", root)).filter((name) => name.endsWith(".ts")).map((name) =>
        name.slice(0, -3)
      )
      const expected: Record<string, unknown> = { "./package.json": "./package.json" }
      for (const name of modules) {
        expected[name === "index" ? "." : `./${name}`] = { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` }
      }
      expect(pkg.exports).toEqual(expected)
    })
  })

  describe("the supported effect versions", () => {
    it("are caret ranges, as npm reads them", () => {
      const range = "^3.22.2"
      for (const version of ["3.22.2", "3.22.10", "3.23.0", "3.99.0", "3.23.0-beta.1", "3.22.3+build.5"]) {
        expect(Compatibility.satisfies(version, range), version).toBe(true)
      }
      const outside = ["3.22.1", "3.21.9", "2.4.0", "4.0.0", "4.1.5", "4.0.0-beta.1", "3.22.2-rc.1", "", "3", "x"]
      for (const version of outside) {
        expect(Compatibility.satisfies(version, range), version).toBe(false)
      }
      expect(Compatibility.satisfies("0.97.5", "^0.97.2")).toBe(true)
      expect(Compatibility.satisfies("0.98.0", "^0.97.2")).toBe(false)
      expect(Compatibility.satisfies("0.0.3", "^0.0.3")).toBe(true)
      expect(Compatibility.satisfies("0.0.4", "^0.0.3")).toBe(false)
      expect(Compatibility.satisfies("4.1.5", "^3.22.2 || ^4.1.0")).toBe(true)
      expect(Compatibility.satisfies("4.0.0", "^3.22.2 || ^4.1.0")).toBe(false)
      expect(Compatibility.satisfies("3.22.2", ">=3.22.2")).toBe(false) // not a range scripts/version.mjs accepts
    })

    it("a version outside them is a message naming both versions", () => {
      expect(Compatibility.effectVersionProblem("4.1.5", "^3.22.2", "0.1.0")).toBe(
        "effect-lambda-runtime 0.1.0 supports effect ^3.22.2; effect 4.1.5 is installed. " +
          "Install an effect version in that range (`npm ls effect` lists the installed copies)"
      )
      expect(Compatibility.effectVersionProblem("3.22.4", "^3.22.2", "0.1.0")).toBeUndefined()
    })
  })

  describe("handler results", () => {
    it("an Effect of the runtime's own effect passes", () => {
      expect(Compatibility.handlerResultProblem(Effect.succeed(1))).toBeUndefined()
      expect(Compatibility.handlerResultProblem(Effect.gen(function*() {
        return yield* Effect.succeed(1)
      }))).toBeUndefined()
    })

    it("an Effect of another copy of effect names both versions", () => {
      const own = ModuleVersion.getCurrentVersion()
      expect(Compatibility.handlerResultProblem(foreignEffect("3.19.0"))).toBe(
        `The handler returned an Effect made by effect 3.19.0, but effect-lambda-runtime runs on effect ${own}: ` +
          "two copies of effect are installed. Install one copy (`npm ls effect` lists them; `npm dedupe` may merge them)"
      )
    })

    it("a Promise or another value is not an Effect, and the message says what it is", () => {
      expect(Compatibility.handlerResultProblem(Promise.resolve(1))).toMatch(
        /^The handler returned a Promise, not an Effect/
      )
      expect(Compatibility.handlerResultProblem(undefined)).toMatch(
        /^The handler returned undefined, not an Effect of /
      )
      expect(Compatibility.handlerResultProblem({ "~effect/Effect": {} })).toMatch(
        /^The handler returned an Effect 4 Effect: an Effect 4 value given to the Effect 3 runtime; install /
      )
      expect(Compatibility.handlerResultProblem({ then: 1 })).toMatch(
        /^The handler returned an object, not an Effect of the effect .* another copy of effect made it, one of another major version/
      )
    })
  })

  describe("through the Runtime API", () => {
    it.scopedLive("an installed effect outside the supported range fails init with Runtime.UnsupportedEffectVersion", () =>
      Effect.gen(function*() {
        yield* installedEffect("4.1.5")
        const emulator = yield* Emulator.make()
        const { fiber, logs } = yield* serveOn(emulator, LambdaRuntime.serve(() => Effect.succeed("never"), inProcess))
        const error = (yield* emulator.awaitInitError).document as ErrorDocument
        const message = `effect-lambda-runtime ${pkg.version} supports effect ${pkg.peerDependencies.effect}; ` +
          "effect 4.1.5 is installed"
        expect(error.errorType).toBe("Runtime.UnsupportedEffectVersion")
        expect(error.errorMessage).toContain(message)
        expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
        expect(yield* emulator.nextRequests).toHaveLength(0)
        expect(logs.find((log) => log.level === "FATAL")?.message).toContain(message)
      }))

    it.scopedLive("a handler whose Effects another copy of effect made fails its invocations with Runtime.InvalidHandlerResult", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            (event: { readonly kind: string }) =>
              (event.kind === "foreign"
                ? foreignEffect("3.19.0")
                : event.kind === "promise"
                ? Promise.resolve("late")
                : Effect.succeed("fine")) as unknown as Effect.Effect<string>,
            inProcess
          )
        )
        const foreign = errorDocument(yield* emulator.invoke({ kind: "foreign" }))
        expect(foreign.errorType).toBe("Runtime.InvalidHandlerResult")
        expect(foreign.errorMessage).toContain("an Effect made by effect 3.19.0")
        const promise = errorDocument(yield* emulator.invoke({ kind: "promise" }))
        expect(promise.errorType).toBe("Runtime.InvalidHandlerResult")
        expect(promise.errorMessage).toContain("a Promise, not an Effect")
        // The runtime goes on serving.
        const fine = yield* emulator.invoke({ kind: "fine" })
        expect(fine.outcome).toMatchObject({ _tag: "Response", text: `"fine"` })
      }))

    it.scopedLive("a LambdaHandler.fromInit given another copy's Effect fails init, naming the cause", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const handler = LambdaHandler.fromInit(
          foreignEffect("3.19.0") as unknown as Effect.Effect<LambdaHandler.LambdaHandler>
        )
        const { fiber } = yield* serveOn(emulator, LambdaRuntime.serve(handler, inProcess))
        const error = (yield* emulator.awaitInitError).document as ErrorDocument
        expect(error.errorType).toBe("Runtime.InitError")
        expect(error.errorMessage).toMatch(/^LambdaHandler.fromInit was given an Effect made by effect 3.19.0/)
        expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      }))

    it.scopedLive("the Runtime API client's user agent carries the package's version", () =>
      Effect.gen(function*() {
        const userAgent = yield* Deferred.make<string | undefined>()
        // Answers nothing: the runtime's first /next stays pending until the scope ends.
        const server = yield* scriptedServer((req) => {
          if (req.url!.endsWith("/next")) Deferred.unsafeDone(userAgent, Exit.succeed(req.headers["user-agent"]))
        })
        const at = { host: server.host, environment: {} } as unknown as Parameters<typeof serveOn>[0]
        yield* serveOn(at, LambdaRuntime.serve(() => Effect.succeed(1), inProcess))
        expect(yield* Deferred.await(userAgent)).toBe(`effect-lambda-runtime/${pkg.version}`)
      }))
  })
})
