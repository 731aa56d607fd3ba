/**
 * Faults outside the handler's Effect: errors thrown from raw callbacks, rejections nobody
 * handles, an invalid configuration, a Runtime API that answers `/next` with 500 or never
 * answers the extension registration, deadlines beyond what `setTimeout` can arm.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Queue } from "effect"
import type * as http from "node:http"
import { LambdaContext, LambdaRuntime } from "../src/index.js"
import * as Emulator from "../src/Emulator.js"
import { spawnFunction } from "./process.js"
import { inProcess, invocationHeaders, scriptedServer, serveOn } from "./support.js"

/** The emulator-shaped part `serveOn` needs, for a scripted server. */
const at = (host: string) => ({ host, environment: {} }) as unknown as Parameters<typeof serveOn>[0]

const ok = (res: http.ServerResponse) => {
  res.writeHead(202, { "content-type": "application/json" })
  res.end(`{"status":"OK"}`)
}

/** Beyond `setTimeout`'s 2^31-1 ms: armed unclamped, such a timer fires after 1 ms. */
const FAR_DEADLINE_IN_MS = 2 ** 31 + 60_000

interface Posted {
  readonly path: string
  readonly body: string
}

/** A Runtime API that serves `events` one by one (with `deadlineInMs`), then parks `/next`. */
const serving = (events: ReadonlyArray<string>, deadlineInMs = 3000) =>
  Effect.gen(function*() {
    const posted = yield* Queue.unbounded<Posted>()
    let n = 0
    const server = yield* scriptedServer((req, body, res) => {
      if (req.url!.endsWith("/next")) {
        const event = events[n++]
        if (event === undefined) return // park the loop
        res.writeHead(200, invocationHeaders(`req-${n}`, deadlineInMs))
        return void res.end(event)
      }
      ok(res)
      Queue.unsafeOffer(posted, { path: req.url!, body: body.toString() })
    })
    return { server, posted }
  })

describe("errors outside Effect", () => {
  it.scopedLive("an exception thrown from a raw callback is posted as Runtime.UncaughtException, logged with the request id, exit 129", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/stray.ts", emulator.environment)
      const pending = yield* emulator.enqueue({ kind: "uncaught" })
      const code = yield* fn.exited
      yield* emulator.runtimeExited({ code, signal: null })
      const record = yield* pending.result
      expect(record.outcome).toMatchObject({
        _tag: "Error",
        errorTypeHeader: "Runtime.UncaughtException",
        document: { errorType: "Runtime.UncaughtException", errorMessage: "thrown from a callback" }
      })
      expect(code).toBe(129)
      expect(fn.stdout()).toMatch(new RegExp(`^\\S+Z\\t${record.requestId}\\tERROR\\tUncaught Exception$`, "m"))
      expect(fn.stdout()).toContain("Error: thrown from a callback")
      expect(fn.stderr()).toBe("")
    }))

  it.scopedLive("a result ready while the exception is being reported is not posted: one answer only", () =>
    Effect.gen(function*() {
      const requests: Array<string> = []
      const errorPosted = yield* Deferred.make<void>()
      const server = yield* scriptedServer((req, _body, res) => {
        if (req.url!.includes("/extension/")) {
          if (req.url!.endsWith("/register")) res.writeHead(200, { "lambda-extension-identifier": "ext-1" }).end("{}")
          return
        }
        requests.push(`${req.method} ${req.url}`)
        if (req.url!.endsWith("/next")) {
          if (requests.length > 1) return // park the loop
          res.writeHead(200, invocationHeaders("req-1", 60_000))
          return void res.end(`{"kind":"uncaughtThenResult"}`)
        }
        // The stray error's report is answered late: the handler's result is ready meanwhile.
        if (req.url!.endsWith("/error")) {
          Deferred.unsafeDone(errorPosted, Exit.void)
          return void setTimeout(() => ok(res), 300)
        }
        ok(res)
      })
      const fn = yield* spawnFunction("test/fixtures/stray.ts", { AWS_LAMBDA_RUNTIME_API: server.host })
      yield* Deferred.await(errorPosted)
      expect(yield* fn.exited).toBe(129)
      expect(requests).toEqual([
        "GET /2018-06-01/runtime/invocation/next",
        "POST /2018-06-01/runtime/invocation/req-1/error"
      ])
    }))

  it.scopedLive("a rejection nobody handles is posted as Runtime.UnhandledPromiseRejection, logged with the request id, exit 128", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/stray.ts", {
        ...emulator.environment,
        AWS_LAMBDA_LOG_FORMAT: "JSON"
      })
      const pending = yield* emulator.enqueue({ kind: "rejection" })
      const code = yield* fn.exited
      yield* emulator.runtimeExited({ code, signal: null })
      const record = yield* pending.result
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
    }))

  it.scopedLive("with --unhandled-rejections=strict, a rejection is still posted as Runtime.UnhandledPromiseRejection", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/stray.ts", {
        ...emulator.environment,
        NODE_OPTIONS: "--unhandled-rejections=strict"
      })
      const pending = yield* emulator.enqueue({ kind: "rejection" })
      const code = yield* fn.exited
      yield* emulator.runtimeExited({ code, signal: null })
      expect((yield* pending.result).outcome).toMatchObject({
        _tag: "Error",
        document: { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "rejected and never handled" }
      })
      expect(code).toBe(128)
    }))

  it.scopedLive("an exception thrown while the layer is built is posted as an init error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/stray.ts", { ...emulator.environment, STRAY_AT_INIT: "1" })
      const error = yield* emulator.awaitInitError
      expect(error.document).toMatchObject({
        errorType: "Runtime.UncaughtException",
        errorMessage: "thrown while the layer is built"
      })
      expect(yield* fn.exited).toBe(129)
      expect(yield* emulator.nextRequests).toHaveLength(0)
    }))

  it.scopedLive("an exception thrown with no invocation in flight is logged and ends the process, posting nothing", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/stray.ts", emulator.environment)
      const record = yield* emulator.invoke({ kind: "afterResponse" })
      expect(record.outcome).toMatchObject({ _tag: "Response", text: `"answered"` })
      expect(yield* fn.exited).toBe(129)
      expect(fn.stdout()).toMatch(/\tundefined\tERROR\tUncaught Exception$/m)
      expect(fn.stdout()).toContain("Error: thrown after the response")
      expect(record.posts).toHaveLength(1)
    }))
})

describe("invalid configuration", () => {
  it.scopedLive("AWS_LAMBDA_LOG_LEVEL=bogus is posted as /init/error (Runtime.InvalidConfiguration), then exit 1", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("test/fixtures/shutdown.ts", {
        ...emulator.environment,
        AWS_LAMBDA_LOG_LEVEL: "bogus"
      })
      const error = yield* emulator.awaitInitError
      expect(error.errorTypeHeader).toBe("Runtime.InvalidConfiguration")
      expect(error.document).toMatchObject({
        errorType: "Runtime.InvalidConfiguration",
        errorMessage: expect.stringContaining("AWS_LAMBDA_LOG_LEVEL")
      })
      expect(yield* fn.exited).toBe(1)
      expect(fn.stderr()).toContain("AWS_LAMBDA_LOG_LEVEL")
      expect(yield* emulator.nextRequests).toHaveLength(0)
    }))
})

describe("timers beyond setTimeout's range", () => {
  it.scopedLive("a deadline more than 2^31-1 ms away does not time the handler out", () =>
    Effect.gen(function*() {
      const { posted, server } = yield* serving(["{}"], FAR_DEADLINE_IN_MS)
      yield* serveOn(
        at(server.host),
        LambdaRuntime.serve(() => Effect.as(Effect.sleep("30 millis"), "done"), inProcess)
      )
      const result = yield* Queue.take(posted)
      expect(result).toEqual({ path: "/2018-06-01/runtime/invocation/req-1/response", body: `"done"` })
    }))

  it.scopedLive("a deadline more than 2^31-1 ms away does not cut the detached work short", () =>
    Effect.gen(function*() {
      const finished = yield* Deferred.make<"completed" | "interrupted">()
      const { posted, server } = yield* serving(["{}"], FAR_DEADLINE_IN_MS)
      yield* serveOn(
        at(server.host),
        LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
          Effect.forkIn(
            Effect.sleep("30 millis").pipe(
              Effect.zipRight(Deferred.succeed(finished, "completed")),
              Effect.onInterrupt(() => Deferred.succeed(finished, "interrupted"))
            ),
            context.detachedScope
          ).pipe(Effect.as("posted")), inProcess)
      )
      expect(yield* Queue.take(posted)).toMatchObject({ body: `"posted"` })
      expect(yield* Deferred.await(finished)).toBe("completed")
    }))
})

describe("Runtime API failures", () => {
  it.scopedLive("exits at once, without retrying, when /next is answered 500", () =>
    Effect.gen(function*() {
      let attempts = 0
      const server = yield* scriptedServer((_req, _body, res) => {
        attempts++
        res.writeHead(500, { "content-type": "application/json" })
        res.end(`{"errorMessage":"Container error","errorType":"InternalServerError"}`)
      })
      const { fiber, logs } = yield* serveOn(at(server.host), LambdaRuntime.serve(() => Effect.succeed(1), inProcess))
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(attempts).toBe(1)
      expect(logs.filter((l) => l.message.includes("retrying"))).toEqual([])
      const fatal = logs.find((l) => l.level === "FATAL")
      expect(fatal?.message).toContain("HTTP 500 InternalServerError")
      expect(fatal?.message).toContain("non-recoverable")
    }))

  it.scopedLive("goes on without SIGTERM when the extension registration is never answered", () =>
    Effect.gen(function*() {
      const requests: Array<string> = []
      const posted = yield* Queue.unbounded<string>()
      let nexts = 0
      const server = yield* scriptedServer((req, body, res) => {
        requests.push(`${req.method} ${req.url}`)
        if (req.url!.includes("/extension/")) return // never answered
        if (req.url!.endsWith("/next")) {
          if (++nexts > 1) return
          res.writeHead(200, invocationHeaders("req-1"))
          return void res.end("{}")
        }
        ok(res)
        Queue.unsafeOffer(posted, body.toString())
      })
      const { logs } = yield* serveOn(
        at(server.host),
        LambdaRuntime.serve(() => Effect.succeed("served"), { ...inProcess, registerExtension: true })
      )
      expect(yield* Queue.take(posted)).toBe(`"served"`)
      expect(requests.slice(0, 2)).toEqual([
        "POST /2020-01-01/extension/register",
        "GET /2018-06-01/runtime/invocation/next"
      ])
      const warning = logs.find((l) => l.level === "WARN" && l.message.includes("extension"))
      expect(warning?.message).toContain("SIGTERM will not be delivered")
    }))
})
