/**
 * SIGTERM and SIGINT on the Effect 4 line, in a real child process: the invocation in flight and
 * its detached work are interrupted, their finalizers run, the invocation is answered once with
 * Runtime.Shutdown, the layer is released, all within one budget (the Effect 3 line's
 * test/Shutdown.test.ts, the same cases).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { emulator, invocationHeaders, responseOf, scriptedServer, spawnFunction } from "./process.js"

const SIGNALS = "test/fixtures/signals.ts"

describe("Effect 4: shutdown", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it.live(`${signal} during an invocation runs the handler's and detached fibers' finalizers, answers it with Runtime.Shutdown, releases the layer`, () =>
      Effect.scoped(Effect.gen(function*() {
        const api = yield* emulator({ functionTimeoutMs: 60_000 })
        const fn = yield* spawnFunction(SIGNALS, api.environment)
        const pending = yield* Effect.promise(() => api.enqueue({}))
        yield* fn.awaitOutput("handler started")
        fn.child.kill(signal)
        const code = yield* fn.exited
        yield* Effect.promise(() => api.runtimeExited({ code, signal: null }))
        const record = yield* Effect.promise(pending.result)
        expect(record.outcome).toMatchObject({
          _tag: "Error",
          errorTypeHeader: "Runtime.Shutdown",
          document: { errorType: "Runtime.Shutdown", errorMessage: expect.stringContaining(signal) }
        })
        expect(record.posts).toHaveLength(1)
        const out = fn.stdout()
        expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\thandler finalizer ran`))
        expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\tdetached finalizer ran`))
        expect(out).toMatch(
          new RegExp(`${record.requestId}\\tERROR\\tShutting down \\(${signal}\\) during the invocation`)
        )
        expect(out.indexOf("detached finalizer ran")).toBeLessThan(out.indexOf("layer released"))
        expect(out.indexOf("handler finalizer ran")).toBeLessThan(out.indexOf("layer released"))
        // The invocation's scope closes after the detached work was stopped, before the layer.
        expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\tinvocation scope released`))
        expect(out.indexOf("detached finalizer ran")).toBeLessThan(out.indexOf("invocation scope released"))
        expect(out.indexOf("invocation scope released")).toBeLessThan(out.indexOf("layer released"))
        expect(code).toBe(0)
        expect(fn.stderr()).toBe("")
      })))
  }

  it.live("SIGTERM during a streamed response ends the stream with Runtime.Shutdown trailers, runs its finalizers, releases the layer", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ functionTimeoutMs: 60_000 })
      const fn = yield* spawnFunction("test/fixtures/signalsStream.ts", api.environment)
      const pending = yield* Effect.promise(() => api.enqueue({}))
      yield* fn.awaitOutput("stream started")
      fn.child.kill("SIGTERM")
      const code = yield* fn.exited
      yield* Effect.promise(() => api.runtimeExited({ code, signal: null }))
      const record = yield* Effect.promise(pending.result)
      expect(record.outcome).toMatchObject({
        _tag: "Error",
        document: { errorType: "Runtime.Shutdown", errorMessage: expect.stringContaining("SIGTERM") }
      })
      // One answer: the stream, ended with its trailers (no /error after it).
      expect(record.posts).toHaveLength(1)
      const out = fn.stdout()
      expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\tstream finalizer ran`))
      expect(out.indexOf("stream finalizer ran")).toBeLessThan(out.indexOf("layer released"))
      expect(code).toBe(0)
      expect(fn.stderr()).toBe("")
    })))

  it.live("SIGTERM between invocations releases the layer and exits 0", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(SIGNALS, api.environment)
      expect(responseOf(yield* Effect.promise(() => api.invoke({ answer: true })))).toEqual({ resource: 7 })
      yield* Effect.promise(() => api.awaitNextRequest(2))
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("layer released")
      expect(fn.stderr()).toBe("")
    })))

  it.live("a layer finalizer that never ends: exits 1 at the end of the budget, logging what was still running", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(SIGNALS, { ...api.environment, RELEASE: "hang" })
      yield* Effect.promise(() => api.awaitNextRequest(1))
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toContain("layer release started")
      expect(fn.stdout()).toMatch(
        /\tERROR\tThe shutdown budget \(400 ms\) ran out; still running: the layer's release; exiting/
      )
    })))

  it.live("a handler finalizer that never ends: the invocation is still answered, the process exits 1 at the end of the budget naming the handler", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ functionTimeoutMs: 60_000 })
      const fn = yield* spawnFunction(SIGNALS, { ...api.environment, HANDLER_FINALIZER: "hang" })
      const pending = yield* Effect.promise(() => api.enqueue({}))
      yield* fn.awaitOutput("handler started")
      fn.child.kill("SIGTERM")
      const code = yield* fn.exited
      yield* Effect.promise(() => api.runtimeExited({ code, signal: null }))
      expect((yield* Effect.promise(pending.result)).outcome).toMatchObject({
        _tag: "Error",
        errorTypeHeader: "Runtime.Shutdown"
      })
      expect(code).toBe(1)
      expect(fn.stdout()).toContain("handler finalizer started")
      expect(fn.stdout()).toMatch(/The shutdown budget \(400 ms\) ran out; still running: the handler \(fiber #\d+\)/)
    })))

  it.live("a result POST the Runtime API never answers: the process still exits 1 at the end of the budget", () =>
    Effect.scoped(Effect.gen(function*() {
      const posted = yield* Deferred.make<void>()
      let nexts = 0
      const server = yield* scriptedServer((request, _body, response) => {
        const url = request.url!
        if (url.endsWith("/extension/event/next")) return // the internal extension's long poll
        if (url.includes("/extension/")) {
          return void response.writeHead(200, { "lambda-extension-identifier": "ext-1" }).end("{}")
        }
        if (url.endsWith("/next")) {
          if (++nexts > 1) return
          return void response.writeHead(200, invocationHeaders("req-1", 60_000)).end(`{"answer":true}`)
        }
        Deferred.doneUnsafe(posted, Exit.void) // and never answered
      })
      const fn = yield* spawnFunction(SIGNALS, { AWS_LAMBDA_RUNTIME_API: server.host })
      yield* Deferred.await(posted)
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toContain(
        "The shutdown budget (400 ms) ran out; still running: the result POST of invocation req-1"
      )
    })))

  it.live("the budget is configurable: a release longer than it is cut off and named", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(SIGNALS, { ...api.environment, RELEASE: "slow", SHUTDOWN_BUDGET_MS: "50" })
      yield* Effect.promise(() => api.awaitNextRequest(1))
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toContain("The shutdown budget (50 ms) ran out; still running: the layer's release")
      expect(fn.stdout()).not.toContain("layer released")
    })))

  it.live("repeated signals do not cut the layer's release short", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(SIGNALS, { ...api.environment, RELEASE: "slow", SHUTDOWN_BUDGET_MS: "10000" })
      yield* Effect.promise(() => api.awaitNextRequest(1))
      fn.child.kill("SIGTERM")
      yield* fn.awaitOutput("layer release started")
      fn.child.kill("SIGTERM")
      fn.child.kill("SIGINT")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("layer released")
    })))
})
