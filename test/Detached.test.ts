/**
 * The detached-work tracking against Effect's Scope internals (src/internal/runtime/detached.ts): the
 * check the loop runs at start. `npm run test:effect-latest` runs this file and the detached-work
 * tests of LambdaRuntime.test.ts against the newest effect 3.x.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { createRequire } from "node:module"
import * as Detached from "../src/internal/runtime/detached.js"
import { FatalRuntimeError } from "../src/LambdaError.js"

const effectVersion = (createRequire(import.meta.url)("effect/package.json") as { version: string }).version

describe("detached work tracking", () => {
  it.effect("works with the installed effect (a detached fiber is seen starting and ending)", () =>
    Effect.gen(function*() {
      expect(yield* Effect.exit(Detached.verifyTracking())).toEqual(Exit.void)
    }))

  it.effect("fails with a FatalRuntimeError naming the effect version when Scope keeps its finalizers another way", () =>
    Effect.gen(function*() {
      // what a release of Effect that reorganised ScopeImpl would hand the runtime
      const otherShape = Effect.map(
        Scope.make(),
        (scope) => Object.assign(scope, { state: { _tag: "Open", entries: [] } }) as Scope.CloseableScope
      )
      const error = yield* Effect.flip(Detached.verifyTracking(otherShape))
      expect(error).toBeInstanceOf(FatalRuntimeError)
      expect(error.detail).toContain(`cannot track detached work with effect ${effectVersion}`)
      expect(error.detail).toContain("state.finalizers")
    }))
})
