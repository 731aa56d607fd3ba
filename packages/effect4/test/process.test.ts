/**
 * The Effect 4 line's runtime as Lambda runs it, a child process against the project's emulator:
 * the internal extension and the layer's release on SIGTERM and SIGINT while waiting for `/next`,
 * an init error in Lambda's shape, a missing Runtime API address (the Effect 3 line's
 * test/process.test.ts, the same cases).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { emulator, responseOf, spawnFunction } from "./process.js"

const SIGNALS = "test/fixtures/signals.ts"

describe("Effect 4: the runtime as a process", () => {
  it.live("registers an internal extension, and on SIGTERM releases the layer and exits 0", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(SIGNALS, api.environment)
      expect(responseOf(yield* Effect.promise(() => api.invoke({ answer: true })))).toEqual({ resource: 7 })
      yield* Effect.promise(() => api.awaitNextRequest(2))
      const extensions = yield* Effect.promise(api.extensions)
      expect(extensions).toHaveLength(1)
      expect(extensions[0]!.events).toEqual([])
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("layer acquired")
      expect(fn.stdout()).toContain("layer released")
      // Acquired once, at init, before the first invocation.
      expect(fn.stdout().split("layer acquired")).toHaveLength(2)
    })))

  it.live("releases the layer on SIGINT too", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(SIGNALS, api.environment)
      yield* Effect.promise(() => api.awaitNextRequest(1))
      fn.child.kill("SIGINT")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("layer released")
    })))

  it.live("posts /init/error in Lambda's shape and exits non-zero when the layer fails", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction("test/fixtures/initError.ts", api.environment)
      const error = yield* Effect.promise(api.awaitInitError)
      expect(error.document).toMatchObject({ errorType: "ConfigMissing", errorMessage: "TABLE_NAME is not set" })
      expect(Array.isArray((error.document as { readonly stackTrace?: unknown }).stackTrace)).toBe(true)
      expect(yield* fn.exited).toBe(1)
      expect(yield* Effect.promise(api.nextRequests)).toHaveLength(0)
    })))

  it.live("exits 1 with a clear message when AWS_LAMBDA_RUNTIME_API is not set", () =>
    Effect.scoped(Effect.gen(function*() {
      const fn = yield* spawnFunction(SIGNALS, { AWS_LAMBDA_RUNTIME_API: "" })
      expect(yield* fn.exited).toBe(1)
      expect(fn.stderr()).toContain("AWS_LAMBDA_RUNTIME_API")
    })))
})
