import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Queue } from "effect"
import type * as http from "node:http"
import { LambdaRuntime } from "../src/index.js"
import * as RuntimeApi from "../src/RuntimeApi.js"
import { inProcess, invocationHeaders, scriptedServer, serveOn } from "./support.js"

/** The emulator-shaped part `serveOn` needs, for a scripted server. */
const at = (host: string) => ({ host, environment: {} }) as unknown as Parameters<typeof serveOn>[0]

const ok = (res: http.ServerResponse) => {
  res.writeHead(202, { "content-type": "application/json" })
  res.end(`{"status":"OK"}`)
}

describe("RuntimeApi", () => {
  it.scopedLive("keeps one connection alive across invocations and never times out a pending /next", () =>
    Effect.gen(function*() {
      let n = 0
      const release = yield* Deferred.make<void>()
      const served = yield* Deferred.make<void>()
      const server = yield* scriptedServer((req, _body, res) => {
        if (req.url!.endsWith("/next")) {
          n++
          if (n === 11) return void Deferred.unsafeDone(served, Exit.void)
          const answer = () => {
            res.writeHead(200, invocationHeaders(`req-${n}`))
            res.end(JSON.stringify({ n }))
          }
          // The first long poll is held until the test releases it.
          if (n === 1) Effect.runFork(Effect.andThen(Deferred.await(release), answer))
          else answer()
        } else ok(res)
      })
      yield* serveOn(at(server.host), LambdaRuntime.serve((event: { n: number }) => Effect.succeed(event.n), inProcess))
      yield* Effect.sleep("1500 millis") // a long poll that outlasts any plausible client timeout
      yield* Deferred.succeed(release, undefined)
      yield* Deferred.await(served)
      expect(server.connections()).toBe(1)
    }))

  it.scopedLive("retries when the connection is refused, then exits", () =>
    Effect.gen(function*() {
      // a port that was just listening and is now closed
      const host = yield* Effect.scoped(scriptedServer(() => {}).pipe(Effect.map((s) => s.host)))
      const { fiber, logs } = yield* serveOn(at(host), LambdaRuntime.serve(() => Effect.succeed(1), inProcess))
      expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      expect(logs.filter((l) => l.level === "WARN" && l.message.includes("ECONNREFUSED"))).toHaveLength(4)
      expect(logs.find((l) => l.level === "FATAL")?.message).toContain("Transport")
    }))

  it.scopedLive("retries a /next whose connection drops, and serves the invocation", () =>
    Effect.gen(function*() {
      let n = 0
      const posted = yield* Queue.unbounded<string>()
      const server = yield* scriptedServer((req, body, res) => {
        if (req.url!.endsWith("/next")) {
          n++
          // The first long poll, and the one after the first invocation, lose their connection.
          if (n === 1 || n === 3) return void req.socket.destroy()
          if (n > 4) return // park the loop
          res.writeHead(200, invocationHeaders(`req-${n}`))
          res.end(`{"x":${n}}`)
        } else {
          ok(res)
          Queue.unsafeOffer(posted, body.toString())
        }
      })
      const { logs } = yield* serveOn(
        at(server.host),
        LambdaRuntime.serve((event: { x: number }) => Effect.succeed(event.x + 1), inProcess)
      )
      expect(yield* Queue.take(posted)).toBe("3")
      expect(yield* Queue.take(posted)).toBe("5")
      const retries = logs.filter((l) => l.message.includes("retrying"))
      expect(retries).toHaveLength(2)
      // Between invocations: the warning does not carry the previous invocation's request id.
      expect(retries.map((l) => l.annotations.requestId)).toEqual([undefined, undefined])
    }))

  it.scopedLive("logs a 413 from /response and goes on without posting anything else for that invocation", () =>
    Effect.gen(function*() {
      const requests: Array<string> = []
      let n = 0
      const secondNext = yield* Deferred.make<void>()
      const server = yield* scriptedServer((req, _body, res) => {
        requests.push(`${req.method} ${req.url}`)
        if (req.url!.endsWith("/next")) {
          n++
          if (n === 1) {
            res.writeHead(200, invocationHeaders("req-1"))
            return void res.end("{}")
          }
          return void Deferred.unsafeDone(secondNext, Exit.void)
        }
        res.writeHead(413, { "content-type": "application/json" })
        res.end(
          `{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}`
        )
      })
      const { logs } = yield* serveOn(at(server.host), LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess))
      yield* Deferred.await(secondNext)
      expect(requests).toEqual([
        "GET /2018-06-01/runtime/invocation/next",
        "POST /2018-06-01/runtime/invocation/req-1/response",
        "GET /2018-06-01/runtime/invocation/next"
      ])
      expect(logs.find((l) => l.level === "ERROR")?.message).toContain("HTTP 413 RequestEntityTooLarge")
    }))

  for (const status of [403, 410] as const) {
    it.scopedLive(`logs a /response answered ${status} as not accepted and goes on with /next`, () =>
      Effect.gen(function*() {
        const requests: Array<string> = []
        let n = 0
        const thirdNext = yield* Deferred.make<void>()
        const server = yield* scriptedServer((req, _body, res) => {
          requests.push(`${req.method} ${req.url}`)
          if (req.url!.endsWith("/next")) {
            n++
            if (n === 3) return void Deferred.unsafeDone(thirdNext, Exit.void)
            res.writeHead(200, invocationHeaders(`req-${n}`))
            return void res.end("{}")
          }
          res.writeHead(status, { "content-type": "application/json" })
          res.end(`{"errorMessage":"not accepted","errorType":"InvalidStateTransition"}`)
        })
        const { fiber, logs } = yield* serveOn(
          at(server.host),
          LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess)
        )
        yield* Deferred.await(thirdNext)
        expect(requests).toEqual([
          "GET /2018-06-01/runtime/invocation/next",
          "POST /2018-06-01/runtime/invocation/req-1/response",
          "GET /2018-06-01/runtime/invocation/next",
          "POST /2018-06-01/runtime/invocation/req-2/response",
          "GET /2018-06-01/runtime/invocation/next"
        ])
        expect(logs.filter((l) => l.level === "WARN" && l.message.includes(`HTTP ${status}`))).toHaveLength(2)
        expect(fiber.unsafePoll()).toBeNull()
      }))
  }

  it.scopedLive("retries a result POST whose connection drops, on a new connection, and posts it once", () =>
    Effect.gen(function*() {
      let nexts = 0
      let posts = 0
      const accepted = yield* Queue.unbounded<string>()
      const server = yield* scriptedServer((req, body, res) => {
        if (req.url!.endsWith("/next")) {
          if (++nexts > 1) return // park the loop
          res.writeHead(200, invocationHeaders("req-1"))
          return void res.end(`{"x":1}`)
        }
        // The first attempt loses its connection before any answer.
        if (++posts === 1) return void req.socket.destroy()
        ok(res)
        Queue.unsafeOffer(accepted, `${req.url} ${body.toString()}`)
      })
      const { logs } = yield* serveOn(
        at(server.host),
        LambdaRuntime.serve((event: { x: number }) => Effect.succeed(event.x + 1), inProcess)
      )
      expect(yield* Queue.take(accepted)).toBe("/2018-06-01/runtime/invocation/req-1/response 2")
      expect(posts).toBe(2)
      expect(server.connections()).toBe(2)
      expect(logs.filter((l) => l.message.includes("retrying"))).toHaveLength(1)
    }))

  it.scopedLive("exits when /response is answered 500 (non-recoverable state)", () =>
    Effect.gen(function*() {
      let nexts = 0
      const server = yield* scriptedServer((req, _body, res) => {
        if (req.url!.endsWith("/next")) {
          nexts++
          res.writeHead(200, invocationHeaders("req-1"))
          return void res.end("{}")
        }
        res.writeHead(500)
        res.end()
      })
      const { fiber, logs } = yield* serveOn(
        at(server.host),
        LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess)
      )
      expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      expect(nexts).toBe(1)
      expect(logs.find((l) => l.level === "FATAL")?.message).toContain("non-recoverable")
    }))

  it.scopedLive("exits when /next delivers an invocation without a request id", () =>
    Effect.gen(function*() {
      const server = yield* scriptedServer((_req, _body, res) => {
        res.writeHead(200, { "lambda-runtime-deadline-ms": String(Date.now() + 1000) })
        res.end("{}")
      })
      const { fiber, logs } = yield* serveOn(
        at(server.host),
        LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess)
      )
      expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      expect(logs.find((l) => l.level === "FATAL")?.message).toContain("MalformedInvocation")
    }))

  it.scopedLive("posts Runtime.MalformedInvocation for an invocation without a valid deadline, then continues", () =>
    Effect.gen(function*() {
      let n = 0
      const errors: Array<{ type: string | undefined; body: string }> = []
      const secondNext = yield* Deferred.make<void>()
      const server = yield* scriptedServer((req, body, res) => {
        if (req.url!.endsWith("/next")) {
          n++
          if (n > 1) return void Deferred.unsafeDone(secondNext, Exit.void)
          res.writeHead(200, { "lambda-runtime-aws-request-id": "req-1", "lambda-runtime-deadline-ms": "soon" })
          return void res.end("{}")
        }
        errors.push({ type: req.headers["lambda-runtime-function-error-type"] as string, body: body.toString() })
        ok(res)
      })
      yield* serveOn(at(server.host), LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess))
      yield* Deferred.await(secondNext)
      expect(errors).toHaveLength(1)
      expect(errors[0]!.type).toBe("Runtime.MalformedInvocation")
      expect(JSON.parse(errors[0]!.body)).toMatchObject({ errorType: "Runtime.MalformedInvocation" })
    }))

  it.scopedLive("url-encodes request ids in result paths", () =>
    Effect.gen(function*() {
      const paths: Array<string> = []
      const posted = yield* Deferred.make<void>()
      const server = yield* scriptedServer((req, _body, res) => {
        if (req.url!.endsWith("/next")) {
          if (paths.length > 0) return
          paths.push(req.url!)
          res.writeHead(200, invocationHeaders("a/b c"))
          return void res.end("{}")
        }
        paths.push(req.url!)
        ok(res)
        Deferred.unsafeDone(posted, Exit.void)
      })
      const api = yield* RuntimeApi.make(server.host)
      const invocation = yield* api.next
      yield* api.respond(invocation.requestId, { _tag: "Buffered", body: "{}", contentType: "application/json" })
      yield* Deferred.await(posted)
      expect(paths[1]).toBe("/2018-06-01/runtime/invocation/a%2Fb%20c/response")
    }))
})
