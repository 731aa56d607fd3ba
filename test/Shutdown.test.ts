/**
 * SIGTERM and SIGINT in a real child process: the loop is interrupted as a whole, finalizers
 * run, the invocation in flight is answered, the layer is released, all within one budget.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import * as Emulator from "../src/Emulator.js"
import { spawnFunction } from "./process.js"
import { invocationHeaders, scriptedServer } from "./support.js"

describe("shutdown", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it.scopedLive(`${signal} during an invocation runs the handler's and detached fibers' finalizers, answers it with Runtime.Shutdown, releases the layer`, () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 60_000 })
        const fn = yield* spawnFunction("test/fixtures/signals.ts", emulator.environment)
        const pending = yield* emulator.enqueue({})
        yield* fn.awaitOutput("handler started")
        fn.child.kill(signal)
        const code = yield* fn.exited
        yield* emulator.runtimeExited({ code, signal: null })
        const record = yield* pending.result
        expect(record.outcome).toMatchObject({
          _tag: "Error",
          errorTypeHeader: "Runtime.Shutdown",
          document: { errorType: "Runtime.Shutdown", errorMessage: expect.stringContaining(signal) }
        })
        const out = fn.stdout()
        expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\thandler finalizer ran`))
        expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\tdetached finalizer ran`))
        expect(out.indexOf("detached finalizer ran")).toBeLessThan(out.indexOf("layer released"))
        expect(out.indexOf("handler finalizer ran")).toBeLessThan(out.indexOf("layer released"))
        // The invocation's scope closes after the detached work was stopped, before the layer.
        expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\tinvocation scope released`))
        expect(out.indexOf("detached finalizer ran")).toBeLessThan(out.indexOf("invocation scope released"))
        expect(out.indexOf("invocation scope released")).toBeLessThan(out.indexOf("layer released"))
        expect(code).toBe(0)
        expect(fn.stderr()).toBe("")
      }))
  }

  it.scopedLive("SIGTERM during a streamed response ends the stream with Runtime.Shutdown trailers, runs its finalizers, releases the layer", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 60_000 })
      const fn = yield* spawnFunction("test/fixtures/signalsStream.ts", emulator.environment)
      const pending = yield* emulator.enqueue({})
      yield* fn.awaitOutput("stream started")
      fn.child.kill("SIGTERM")
      const code = yield* fn.exited
      yield* emulator.runtimeExited({ code, signal: null })
      const record = yield* pending.result
      expect(record.outcome).toMatchObject({
        _tag: "Error",
        document: { errorType: "Runtime.Shutdown", errorMessage: expect.stringContaining("SIGTERM") }
      })
      const out = fn.stdout()
      expect(out).toMatch(new RegExp(`${record.requestId}\\tINFO\\tstream finalizer ran`))
      expect(out.indexOf("stream finalizer ran")).toBeLessThan(out.indexOf("layer released"))
      expect(code).toBe(0)
      expect(fn.stderr()).toBe("")
    }))

  it.scopedLive("a layer finalizer that never ends: exits 1 at the end of the budget, logging what was still running", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/signals.ts", { ...emulator.environment, RELEASE: "hang" })
      yield* emulator.awaitNextRequest(1)
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toContain("layer release started")
      expect(fn.stdout()).toMatch(
        /\tERROR\tThe shutdown budget \(400 ms\) ran out; still running: the layer's release; exiting/
      )
    }))

  it.scopedLive("a handler finalizer that never ends: the invocation is still answered, the process exits 1 at the end of the budget naming the handler", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 60_000 })
      const fn = yield* spawnFunction("test/fixtures/signals.ts", {
        ...emulator.environment,
        HANDLER_FINALIZER: "hang"
      })
      const pending = yield* emulator.enqueue({})
      yield* fn.awaitOutput("handler started")
      fn.child.kill("SIGTERM")
      const code = yield* fn.exited
      yield* emulator.runtimeExited({ code, signal: null })
      expect((yield* pending.result).outcome).toMatchObject({ _tag: "Error", errorTypeHeader: "Runtime.Shutdown" })
      expect(code).toBe(1)
      expect(fn.stdout()).toContain("handler finalizer started")
      expect(fn.stdout()).toMatch(/The shutdown budget \(400 ms\) ran out; still running: the handler \(fiber #\d+\)/)
    }))

  it.scopedLive("a result POST the Runtime API never answers: the process still exits 1 at the end of the budget", () =>
    Effect.gen(function*() {
      const posted = yield* Deferred.make<void>()
      let nexts = 0
      const server = yield* scriptedServer((req, _body, res) => {
        if (req.url!.endsWith("/extension/event/next")) return // the internal extension's long poll
        if (req.url!.endsWith("/next")) {
          if (++nexts > 1) return
          res.writeHead(200, invocationHeaders("req-1", 60_000))
          return void res.end("{}")
        }
        if (req.url!.includes("/extension/")) {
          res.writeHead(200, { "lambda-extension-identifier": "ext-1" })
          return void res.end("{}")
        }
        Deferred.unsafeDone(posted, Exit.void) // and never answered
      })
      const fn = yield* spawnFunction("test/fixtures/shutdown.ts", {
        AWS_LAMBDA_RUNTIME_API: server.host,
        AWS_LAMBDA_LOG_LEVEL: "INFO"
      })
      yield* Deferred.await(posted)
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toContain(
        "The shutdown budget (400 ms) ran out; still running: the result POST of invocation req-1"
      )
    }))

  it.scopedLive("the budget is configurable: a release longer than it is cut off and named", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/signals.ts", {
        ...emulator.environment,
        RELEASE: "slow",
        SHUTDOWN_BUDGET_MS: "50"
      })
      yield* emulator.awaitNextRequest(1)
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toContain("The shutdown budget (50 ms) ran out; still running: the layer's release")
      expect(fn.stdout()).not.toContain("layer released")
    }))

  it.scopedLive("repeated signals do not cut the layer's release short", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/signals.ts", {
        ...emulator.environment,
        RELEASE: "slow",
        SHUTDOWN_BUDGET_MS: "10000"
      })
      yield* emulator.awaitNextRequest(1)
      fn.child.kill("SIGTERM")
      yield* fn.awaitOutput("layer release started")
      fn.child.kill("SIGTERM")
      fn.child.kill("SIGINT")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("layer released")
    }))
})
