/**
 * The Runtime API's statuses, resets and long polls on the Effect 4 line, in a real child process
 * against a scripted Runtime API on loopback: a `/next` held for long is not timed out and its
 * connection is kept, calls that cannot connect are retried a bounded number of times, a 413 is
 * logged and the loop goes on, an extension registration that is never answered is given up. The
 * cases of the Effect 3 line's test/RuntimeApi.test.ts and test/StrayErrors.test.ts, so that both
 * lines pin the same rows of docs/reliability.md.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import type * as net from "node:net"
import { extension, invocationHeaders, ok, scriptedServer, spawnFunction } from "./process.js"
import { linesAt } from "./support.js"

/** A function that answers `{"stuck":"none"}` with `"done"` after 30 ms (its detached work after 30 more). */
const FUNCTION = "test/fixtures/stuck.ts"
const EVENT = `{"stuck":"none"}`

/** The lines of a process's `stdout` at `level`. */
const stdoutAt = (stdout: string, level: string) => linesAt(stdout.split("\n"), level)

describe("Effect 4: RuntimeApi", () => {
  it.live("keeps one connection alive across invocations and never times out a pending /next", () =>
    Effect.scoped(Effect.gen(function*() {
      const firstPoll = yield* Deferred.make<() => void>()
      const served = yield* Deferred.make<void>()
      const sockets = new Set<net.Socket>()
      let nexts = 0
      const server = yield* scriptedServer((request, _body, response) => {
        if (extension(request, response)) return
        sockets.add(request.socket)
        if (!request.url!.endsWith("/next")) return ok(response)
        nexts++
        if (nexts === 11) return void Deferred.doneUnsafe(served, Exit.void)
        const answer = () => response.writeHead(200, invocationHeaders(`req-${nexts}`)).end(EVENT)
        // The first long poll is held until the test answers it.
        if (nexts === 1) Deferred.doneUnsafe(firstPoll, Exit.succeed(answer))
        else answer()
      })
      const fn = yield* spawnFunction(FUNCTION, { AWS_LAMBDA_RUNTIME_API: server.host })
      const answer = yield* Deferred.await(firstPoll)
      yield* Effect.sleep("1500 millis") // a long poll that outlasts any plausible client timeout
      answer()
      yield* Deferred.await(served)
      // The loop's calls (10 invocations, their results, the 11th poll) on one connection.
      expect(sockets.size).toBe(1)
      expect(fn.stdout()).not.toContain("retrying")
    })))

  it.live("retries when the connection is refused, then exits", () =>
    Effect.scoped(Effect.gen(function*() {
      // A port that was just listening and is now closed.
      const closed = yield* Effect.scoped(scriptedServer(() => {}))
      const fn = yield* spawnFunction(FUNCTION, { AWS_LAMBDA_RUNTIME_API: closed.host })
      expect(yield* fn.exited).toBe(1)
      const retries = stdoutAt(fn.stdout(), "WARN").filter((line) => line.includes("Runtime API next failed"))
      expect(retries).toHaveLength(4)
      for (const line of retries) expect(line).toContain("ECONNREFUSED")
      expect(stdoutAt(fn.stdout(), "FATAL").join("\n")).toMatch(/Runtime API next failed: Transport/)
    })))

  it.live("retries a /next whose connection drops, and serves the invocation", () =>
    Effect.scoped(Effect.gen(function*() {
      const posted: Array<string> = []
      const second = yield* Deferred.make<void>()
      let nexts = 0
      const server = yield* scriptedServer((request, _body, response) => {
        if (extension(request, response)) return
        const url = request.url!
        if (url.endsWith("/next")) {
          nexts++
          // The first long poll, and the one after the first invocation, lose their connection.
          if (nexts === 1 || nexts === 3) return void request.socket.destroy()
          if (nexts > 4) return // parks the loop
          return void response.writeHead(200, invocationHeaders(`req-${nexts}`)).end(EVENT)
        }
        posted.push(url)
        ok(response)
        if (posted.length === 2) Deferred.doneUnsafe(second, Exit.void)
      })
      const fn = yield* spawnFunction(FUNCTION, { AWS_LAMBDA_RUNTIME_API: server.host })
      yield* Deferred.await(second)
      expect(posted).toEqual([
        "/2018-06-01/runtime/invocation/req-2/response",
        "/2018-06-01/runtime/invocation/req-4/response"
      ])
      const retries = stdoutAt(fn.stdout(), "WARN").filter((line) => line.includes("retrying"))
      expect(retries).toHaveLength(2)
      // Between invocations: the warning does not carry the previous invocation's request id.
      expect(retries.map((line) => line.split("\t")[1])).toEqual(["undefined", "undefined"])
    })))

  it.live("logs a 413 from /response and goes on without posting anything else for that invocation", () =>
    Effect.scoped(Effect.gen(function*() {
      const requests: Array<string> = []
      const secondNext = yield* Deferred.make<void>()
      let nexts = 0
      const server = yield* scriptedServer((request, _body, response) => {
        if (extension(request, response)) return
        requests.push(`${request.method} ${request.url}`)
        if (request.url!.endsWith("/next")) {
          if (++nexts === 1) return void response.writeHead(200, invocationHeaders("req-1")).end(EVENT)
          return void Deferred.doneUnsafe(secondNext, Exit.void)
        }
        response.writeHead(413, { "content-type": "application/json" }).end(
          `{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}`
        )
      })
      const fn = yield* spawnFunction(FUNCTION, { AWS_LAMBDA_RUNTIME_API: server.host })
      yield* Deferred.await(secondNext)
      expect(requests).toEqual([
        "GET /2018-06-01/runtime/invocation/next",
        "POST /2018-06-01/runtime/invocation/req-1/response",
        "GET /2018-06-01/runtime/invocation/next"
      ])
      expect(stdoutAt(fn.stdout(), "ERROR").join("\n")).toContain("HTTP 413 RequestEntityTooLarge")
    })))

  it.live("retries a result POST whose connection drops, on a new connection, and posts it once", () =>
    Effect.scoped(Effect.gen(function*() {
      const accepted = yield* Deferred.make<string>()
      const sockets = new Set<net.Socket>()
      let nexts = 0
      let posts = 0
      const server = yield* scriptedServer((request, body, response) => {
        if (extension(request, response)) return
        sockets.add(request.socket)
        if (request.url!.endsWith("/next")) {
          if (++nexts > 1) return // parks the loop
          return void response.writeHead(200, invocationHeaders("req-1")).end(EVENT)
        }
        // The first attempt loses its connection before any answer.
        if (++posts === 1) return void request.socket.destroy()
        ok(response)
        Deferred.doneUnsafe(accepted, Exit.succeed(`${request.url} ${body}`))
      })
      const fn = yield* spawnFunction(FUNCTION, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* Deferred.await(accepted)).toBe(`/2018-06-01/runtime/invocation/req-1/response "done"`)
      yield* fn.awaitOutput("detached completed") // the invocation is over: no later post
      expect(posts).toBe(2)
      expect(sockets.size).toBe(2)
      expect(fn.stdout().split("\n").filter((line) => line.includes("retrying"))).toHaveLength(1)
    })))

  it.live("goes on without SIGTERM when the extension registration is never answered", () =>
    Effect.scoped(Effect.gen(function*() {
      const requests: Array<string> = []
      const posted = yield* Deferred.make<string>()
      let nexts = 0
      const server = yield* scriptedServer((request, body, response) => {
        requests.push(`${request.method} ${request.url}`)
        if (request.url!.includes("/extension/")) return // never answered
        if (request.url!.endsWith("/next")) {
          if (++nexts > 1) return
          return void response.writeHead(200, invocationHeaders("req-1")).end(EVENT)
        }
        ok(response)
        Deferred.doneUnsafe(posted, Exit.succeed(body))
      })
      const fn = yield* spawnFunction(FUNCTION, { AWS_LAMBDA_RUNTIME_API: server.host })
      expect(yield* Deferred.await(posted)).toBe(`"done"`)
      expect(requests.slice(0, 2)).toEqual([
        "POST /2020-01-01/extension/register",
        "GET /2018-06-01/runtime/invocation/next"
      ])
      const warning = stdoutAt(fn.stdout(), "WARN").find((line) => line.includes("extension"))
      expect(warning).toContain("SIGTERM will not be delivered")
    })))
})
