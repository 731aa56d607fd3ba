/**
 * Errors outside Effect on the Effect 4 line, in a real child process: an exception thrown from
 * a raw callback, a rejection nobody handles, during an invocation, during init, and with no
 * invocation in flight (the Effect 3 line's test/StrayErrors.test.ts, the same cases).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import type * as http from "node:http"
import { emulator, invocationHeaders, responseOf, scriptedServer, spawnFunction } from "./process.js"

const STRAY = "test/fixtures/stray.ts"

const ok = (response: http.ServerResponse) => response.writeHead(202).end(`{"status":"OK"}`)

describe("Effect 4: errors outside Effect", () => {
  it.live("an exception thrown from a raw callback is posted as Runtime.UncaughtException, logged with the request id, exit 129", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(STRAY, api.environment)
      const pending = yield* Effect.promise(() => api.enqueue({ kind: "uncaught" }))
      const code = yield* fn.exited
      yield* Effect.promise(() => api.runtimeExited({ code, signal: null }))
      const record = yield* Effect.promise(pending.result)
      expect(record.outcome).toMatchObject({
        _tag: "Error",
        errorTypeHeader: "Runtime.UncaughtException",
        document: { errorType: "Runtime.UncaughtException", errorMessage: "thrown from a callback" }
      })
      expect(code).toBe(129)
      expect(fn.stdout()).toMatch(new RegExp(`^\\S+Z\\t${record.requestId}\\tERROR\\tUncaught Exception$`, "m"))
      expect(fn.stdout()).toContain("Error: thrown from a callback")
      expect(fn.stderr()).toBe("")
    })))

  it.live("a result ready while the exception is being reported is not posted: one answer only", () =>
    Effect.scoped(Effect.gen(function*() {
      const requests: Array<string> = []
      const errorPosted = yield* Deferred.make<void>()
      const server = yield* scriptedServer((request, _body, response) => {
        const url = request.url!
        if (url.includes("/extension/")) {
          if (url.endsWith("/register")) response.writeHead(200, { "lambda-extension-identifier": "ext-1" }).end("{}")
          return
        }
        requests.push(`${request.method} ${url}`)
        if (url.endsWith("/next")) {
          if (requests.length > 1) return // park the loop
          return void response.writeHead(200, invocationHeaders("req-1", 60_000)).end(`{"kind":"uncaughtThenResult"}`)
        }
        // The stray error's report is answered late: the handler's result is ready meanwhile.
        if (url.endsWith("/error")) {
          Deferred.doneUnsafe(errorPosted, Exit.void)
          return void setTimeout(() => ok(response), 300)
        }
        ok(response)
      })
      const fn = yield* spawnFunction(STRAY, { AWS_LAMBDA_RUNTIME_API: server.host })
      yield* Deferred.await(errorPosted)
      expect(yield* fn.exited).toBe(129)
      expect(requests).toEqual([
        "GET /2018-06-01/runtime/invocation/next",
        "POST /2018-06-01/runtime/invocation/req-1/error"
      ])
    })))

  it.live("a rejection nobody handles is posted as Runtime.UnhandledPromiseRejection, logged with the request id, exit 128", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(STRAY, { ...api.environment, AWS_LAMBDA_LOG_FORMAT: "JSON" })
      const pending = yield* Effect.promise(() => api.enqueue({ kind: "rejection" }))
      const code = yield* fn.exited
      yield* Effect.promise(() => api.runtimeExited({ code, signal: null }))
      const record = yield* Effect.promise(pending.result)
      expect(record.outcome).toMatchObject({
        _tag: "Error",
        document: { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "rejected and never handled" }
      })
      expect(code).toBe(128)
      const lines = fn.stdout().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(lines.find((line) => line.message === "Unhandled Promise Rejection")).toMatchObject({
        level: "ERROR",
        requestId: record.requestId,
        errorType: "TypeError",
        errorMessage: "rejected and never handled"
      })
    })))

  it.live("with --unhandled-rejections=strict, a rejection is still posted as Runtime.UnhandledPromiseRejection", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(STRAY, { ...api.environment, NODE_OPTIONS: "--unhandled-rejections=strict" })
      const pending = yield* Effect.promise(() => api.enqueue({ kind: "rejection" }))
      const code = yield* fn.exited
      yield* Effect.promise(() => api.runtimeExited({ code, signal: null }))
      expect((yield* Effect.promise(pending.result)).outcome).toMatchObject({
        _tag: "Error",
        document: { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "rejected and never handled" }
      })
      expect(code).toBe(128)
    })))

  it.live("an exception thrown while the layer is built is posted as an init error", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(STRAY, { ...api.environment, STRAY_AT_INIT: "1" })
      const error = yield* Effect.promise(api.awaitInitError)
      expect(error.document).toMatchObject({
        errorType: "Runtime.UncaughtException",
        errorMessage: "thrown while the layer is built"
      })
      expect(yield* fn.exited).toBe(129)
      expect(yield* Effect.promise(api.nextRequests)).toHaveLength(0)
    })))

  it.live("an exception thrown with no invocation in flight is logged and ends the process, posting nothing", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(STRAY, api.environment)
      const record = yield* Effect.promise(() => api.invoke({ kind: "afterResponse" }))
      expect(responseOf(record)).toBe("answered")
      expect(yield* fn.exited).toBe(129)
      expect(fn.stdout()).toMatch(/\tundefined\tERROR\tUncaught Exception$/m)
      expect(fn.stdout()).toContain("Error: thrown after the response")
      expect(record.posts).toHaveLength(1)
    })))
})

describe("Effect 4: invalid configuration", () => {
  it.live("AWS_LAMBDA_LOG_LEVEL=bogus is posted as /init/error (Runtime.InvalidConfiguration), then exit 1", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction("test/fixtures/signals.ts", { ...api.environment, AWS_LAMBDA_LOG_LEVEL: "bogus" })
      expect(yield* Effect.promise(api.awaitInitError)).toMatchObject({
        errorTypeHeader: "Runtime.InvalidConfiguration",
        document: {
          errorType: "Runtime.InvalidConfiguration",
          errorMessage: expect.stringContaining("AWS_LAMBDA_LOG_LEVEL")
        }
      })
      // Also on stderr, and no invocation was asked for.
      const code = yield* fn.exited
      expect({ code, stderr: fn.stderr(), nexts: (yield* Effect.promise(api.nextRequests)).length }).toMatchObject({
        code: 1,
        stderr: expect.stringContaining("AWS_LAMBDA_LOG_LEVEL"),
        nexts: 0
      })
    })))
})
