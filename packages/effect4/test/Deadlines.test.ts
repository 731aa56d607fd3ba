/**
 * Deadlines and Runtime API failures on the Effect 4 line, in a real child process (classic
 * mode): work that refuses interruption past `deadline - FINALIZER_CUTOFF_MS` ends the process
 * instead of being carried into a frozen environment; a `/next` that cannot connect is retried,
 * one the platform answers with an error is fatal; a deadline beyond what `setTimeout` can wait
 * is still honoured (the Effect 3 line's test/process.test.ts, LambdaRuntime.test.ts and
 * StrayErrors.test.ts cases of these rules).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { emulator, extension, invocationHeaders, ok, responseOf, scriptedServer, spawnFunction } from "./process.js"

const STUCK = "test/fixtures/stuck.ts"

/** Beyond `setTimeout`'s 2^31-1 ms: armed unclamped, such a timer fires after 1 ms. */
const FAR_DEADLINE_IN_MS = 2 ** 31 + 60_000

describe("Effect 4: work past the deadline (classic mode)", () => {
  it.live("a detached fiber that refuses interruption: the answer is posted, then exit 1 instead of asking for /next", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ functionTimeoutMs: 800 })
      const fn = yield* spawnFunction(STUCK, api.environment)
      const record = yield* Effect.promise(() => api.invoke({ stuck: "detached" }))
      expect(responseOf(record)).toBe("posted")
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toMatch(
        new RegExp(
          `${record.requestId}\\tFATAL\\tDetached fibers #\\d+ refused interruption and were still running 50 ms ` +
            `before the deadline; exiting so that they are not carried into a frozen environment`
        )
      )
      expect(yield* Effect.promise(api.nextRequests)).toHaveLength(1)
      expect(fn.stderr()).toBe("")
    })))

  it.live("a handler whose finalizer refuses interruption: answered Runtime.HandlerTimeout, then exit 1", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ functionTimeoutMs: 800 })
      const fn = yield* spawnFunction(STUCK, api.environment)
      const record = yield* Effect.promise(() => api.invoke({ stuck: "handler" }))
      expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toMatch(
        new RegExp(
          `${record.requestId}\\tFATAL\\tThe handler \\(fiber #\\d+\\) was still running its finalizers 50 ms before ` +
            `the deadline; exiting so that it is not carried into a frozen environment`
        )
      )
      expect(yield* Effect.promise(api.nextRequests)).toHaveLength(1)
    })))

  for (
    const [stuck, whose] of [["scope", "the detached scope"], ["invocation-scope", "the invocation's scope"]] as const
  ) {
    it.live(`a finalizer of ${whose} that does not end: the answer is posted, then exit 1`, () =>
      Effect.scoped(Effect.gen(function*() {
        const api = yield* emulator({ functionTimeoutMs: 800 })
        const fn = yield* spawnFunction(STUCK, api.environment)
        const record = yield* Effect.promise(() => api.invoke({ stuck }))
        expect(responseOf(record)).toBe("posted")
        expect(yield* fn.exited).toBe(1)
        expect(fn.stdout()).toMatch(
          new RegExp(
            `${record.requestId}\\tFATAL\\tThe invocation scope's finalizers were still running 50 ms before the ` +
              `deadline; exiting`
          )
        )
        expect(yield* Effect.promise(api.nextRequests)).toHaveLength(1)
      })))
  }

  it.live("a deadline more than 2^31-1 ms away times out neither the handler nor its detached work", () =>
    Effect.scoped(Effect.gen(function*() {
      const posted = yield* Deferred.make<string>()
      let nexts = 0
      const server = yield* scriptedServer((request, body, response) => {
        if (extension(request, response)) return
        if (request.url!.endsWith("/next")) {
          if (++nexts > 1) return
          return void response.writeHead(200, invocationHeaders("req-1", FAR_DEADLINE_IN_MS)).end(`{"stuck":"none"}`)
        }
        ok(response)
        Deferred.doneUnsafe(posted, Exit.succeed(`${request.url} ${body}`))
      })
      const fn = yield* spawnFunction(STUCK, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* Deferred.await(posted)).toBe(`/2018-06-01/runtime/invocation/req-1/response "done"`)
      yield* fn.awaitOutput("detached completed")
    })))
})

describe("Effect 4: Runtime API failures", () => {
  it.live("an invocation whose deadline is not a number is answered Runtime.MalformedInvocation, and the loop goes on", () =>
    Effect.scoped(Effect.gen(function*() {
      const posted: Array<string> = []
      const second = yield* Deferred.make<string>()
      let nexts = 0
      const server = yield* scriptedServer((request, body, response) => {
        if (extension(request, response)) return
        const url = request.url!
        if (url.endsWith("/next")) {
          nexts++
          if (nexts === 1) {
            return void response.writeHead(200, { ...invocationHeaders("req-1"), "lambda-runtime-deadline-ms": "soon" })
              .end(`{"stuck":"none"}`)
          }
          if (nexts === 2) return void response.writeHead(200, invocationHeaders("req-2")).end(`{"stuck":"none"}`)
          return
        }
        posted.push(`${url} ${request.headers["lambda-runtime-function-error-type"] ?? ""} ${body}`)
        ok(response)
        if (url.includes("req-2")) Deferred.doneUnsafe(second, Exit.succeed(body))
      })
      yield* spawnFunction(STUCK, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* Deferred.await(second)).toBe(`"done"`)
      expect(posted[0]).toMatch(
        /^\/2018-06-01\/runtime\/invocation\/req-1\/error Runtime.MalformedInvocation .*"errorType":"Runtime.MalformedInvocation"/
      )
      expect(posted).toHaveLength(2)
    })))

  it.live("a result answered 403 is warned about and the loop goes on; a result answered 500 is fatal: exit 1, no further /next", () =>
    Effect.scoped(Effect.gen(function*() {
      let nexts = 0
      const server = yield* scriptedServer((request, _body, response) => {
        if (extension(request, response)) return
        if (request.url!.endsWith("/next")) {
          if (++nexts > 2) return
          return void response.writeHead(200, invocationHeaders(`req-${nexts}`)).end(`{"stuck":"none"}`)
        }
        const status = request.url!.includes("req-1") ? 403 : 500
        response.writeHead(status, { "content-type": "application/json" }).end(`{"errorType":"Refused"}`)
      })
      const fn = yield* spawnFunction(STUCK, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toMatch(
        /req-1\tWARN\tRuntime API response failed: .*HTTP 403.*the result was not accepted, continuing/
      )
      expect(fn.stdout()).toMatch(
        /req-2\tFATAL\tRuntime API response failed: .*HTTP 500.*non-recoverable state, exiting/
      )
      expect(nexts).toBe(2)
    })))

  it.live("/next answered 500: exits 1 at once, without retrying, the platform's error in the fatal line", () =>
    Effect.scoped(Effect.gen(function*() {
      let attempts = 0
      const server = yield* scriptedServer((request, _body, response) => {
        if (extension(request, response)) return
        attempts++
        response.writeHead(500, { "content-type": "application/json" })
        response.end(`{"errorMessage":"Container error","errorType":"InternalServerError"}`)
      })
      const fn = yield* spawnFunction(STUCK, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* fn.exited).toBe(1)
      expect(attempts).toBe(1)
      expect(fn.stdout()).not.toContain("retrying")
      expect(fn.stdout()).toMatch(
        /\tFATAL\tRuntime API next failed: Status \(HTTP 500 InternalServerError\).*non-recoverable state, exiting/
      )
      expect(fn.stderr()).toBe("")
    })))

  it.live("a /next whose connection breaks is retried, and the invocation is served", () =>
    Effect.scoped(Effect.gen(function*() {
      const posted = yield* Deferred.make<string>()
      let nexts = 0
      const server = yield* scriptedServer((request, body, response) => {
        if (extension(request, response)) return
        if (request.url!.endsWith("/next")) {
          nexts++
          if (nexts === 1) return void request.socket.destroy()
          if (nexts > 2) return
          return void response.writeHead(200, invocationHeaders("req-1")).end(`{"stuck":"none"}`)
        }
        ok(response)
        Deferred.doneUnsafe(posted, Exit.succeed(body))
      })
      const fn = yield* spawnFunction(STUCK, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* Deferred.await(posted)).toBe(`"done"`)
      expect(fn.stdout()).toMatch(/\tWARN\tRuntime API next failed: Transport: .*; retrying/)
    })))

  it.live("a /next that keeps failing to connect: retried 3 times, then exit 1", () =>
    Effect.scoped(Effect.gen(function*() {
      let nexts = 0
      const server = yield* scriptedServer((request, _body, response) => {
        if (extension(request, response)) return
        nexts++
        request.socket.destroy()
      })
      const fn = yield* spawnFunction(STUCK, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* fn.exited).toBe(1)
      expect(nexts).toBe(4)
      expect(fn.stdout()).toMatch(
        /\tFATAL\tRuntime API next failed: Transport: .*; giving up on the Runtime API, exiting/
      )
    })))
})
