import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import { spawnFunction } from "./process.js"

describe("the runtime as a process", () => {
  it.scopedLive("registers an internal extension, and on SIGTERM releases the layer and exits 0", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/shutdown.ts", emulator.environment)
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Response", text: `{"resource":7}` })
      yield* emulator.awaitNextRequest(2)
      const extensions = yield* emulator.extensions
      expect(extensions).toHaveLength(1)
      expect(extensions[0]!.events).toEqual([])
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("resource acquired")
      expect(fn.stdout()).toContain("resource released")
      // acquired once at init, before the first invocation
      expect(fn.stdout().split("resource acquired")).toHaveLength(2)
    }))

  it.scopedLive("releases the layer on SIGINT too", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/shutdown.ts", emulator.environment)
      yield* emulator.awaitNextRequest(1)
      fn.child.kill("SIGINT")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("resource released")
    }))

  it.scopedLive("posts /init/error in Lambda's shape and exits non-zero when the layer fails", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/initError.ts", emulator.environment)
      const error = yield* emulator.awaitInitError
      expect(error.document).toMatchObject({ errorType: "ConfigMissing", errorMessage: "TABLE_NAME is not set" })
      expect(Array.isArray((error.document as { stackTrace: unknown }).stackTrace)).toBe(true)
      expect(yield* fn.exited).toBe(1)
      expect(yield* emulator.nextRequests).toHaveLength(0)
    }))

  it.scopedLive("exits 1 instead of asking for /next when a detached fiber refuses interruption", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 800 })
      const fn = yield* spawnFunction("test/fixtures/stuck.ts", emulator.environment)
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toMatch(
        new RegExp(`${record.requestId}\\tFATAL\\tDetached fibers #\\d+ refused interruption`)
      )
      expect(yield* emulator.nextRequests).toHaveLength(1)
    }))

  it.scopedLive("exits 1 instead of asking for /next when a finalizer of the invocation's scope does not end", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 800 })
      const fn = yield* spawnFunction("test/fixtures/stuck.ts", emulator.environment)
      const record = yield* emulator.invoke({ stuck: "invocation-scope" })
      expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toMatch(
        new RegExp(
          `${record.requestId}\\tFATAL\\tThe invocation scope's finalizers were still running 50 ms before the ` +
            `deadline; exiting`
        )
      )
      expect(yield* emulator.nextRequests).toHaveLength(1)
    }))

  it.scopedLive("exits 1 with a clear message when AWS_LAMBDA_RUNTIME_API is not set", () =>
    Effect.gen(function*() {
      const fn = yield* spawnFunction("test/fixtures/shutdown.ts", { AWS_LAMBDA_RUNTIME_API: "" })
      expect(yield* fn.exited).toBe(1)
      expect(fn.stderr()).toContain("AWS_LAMBDA_RUNTIME_API")
    }))

  it.scopedLive("writes Lambda's JSON log format with AWS_LAMBDA_LOG_FORMAT=JSON, from AWS_LAMBDA_LOG_LEVEL up", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/logging.ts", {
        ...emulator.environment,
        AWS_LAMBDA_LOG_FORMAT: "JSON",
        AWS_LAMBDA_LOG_LEVEL: "WARN"
      })
      const record = yield* emulator.invoke({})
      yield* fn.awaitOutput("Detached fiber")
      const lines = fn.stdout().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
      // The info and debug lines were logged before the warning, by the same fiber: had they
      // passed the level filter, they would be in the output already.
      expect(lines.map((line) => line.message)).not.toContain("info line")
      expect(lines.map((line) => line.message)).not.toContain("debug line")
      expect(lines.find((line) => line.message === "warn line")).toEqual({
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        level: "WARN",
        requestId: record.requestId,
        message: "warn line",
        orderId: "o-1"
      })
      expect(lines.find((line) => String(line.message).startsWith("Detached fiber"))).toMatchObject({
        level: "ERROR",
        requestId: record.requestId,
        errorType: "Error",
        errorMessage: "flush failed"
      })
    }))

  it.scopedLive("writes Lambda's text format by default, from INFO up", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/logging.ts", emulator.environment)
      const record = yield* emulator.invoke({})
      yield* fn.awaitOutput("Detached fiber")
      expect(fn.stdout()).not.toContain("debug line")
      expect(fn.stdout()).toMatch(new RegExp(`^\\S+Z\\t${record.requestId}\\tINFO\\tinfo line orderId=o-1$`, "m"))
      expect(fn.stdout()).toMatch(
        new RegExp(`^\\S+Z\\t${record.requestId}\\tERROR\\tDetached fiber #\\d+ failed$`, "m")
      )
      expect(fn.stdout()).toContain("Error: flush failed")
    }))
})
