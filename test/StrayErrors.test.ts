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

describe("timers beyond setTimeout's range", () => {
  it.scopedLive("a deadline more than 2^31-1 ms away does not time the handler out", () =>
    Effect.gen(function*() {
      const { posted, server } = yield* serving(["{}"], FAR_DEADLINE_IN_MS)
      yield* serveOn(at(server.host), LambdaRuntime.serve(() => Effect.as(Effect.sleep("30 millis"), "done"), inProcess))
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
