/**
 * The extension registration (how the runtime gets SIGTERM) and init: the registration's round
 * trip overlaps the layer's build and the handler's init, and is answered before the runtime
 * uses the connection again (the init error, the first `/next`).
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Queue } from "effect"
import type * as http from "node:http"
import * as LambdaHandler from "../src/LambdaHandler.js"
import { LambdaRuntime } from "../src/index.js"
import { inProcess, invocationHeaders, scriptedServer, serveOn } from "./support.js"

const at = (host: string) => ({ host, environment: {} }) as unknown as Parameters<typeof serveOn>[0]

/**
 * A Runtime API whose registration answer waits for `release` (never answered without it: the
 * runtime then gives up after its registration timeout). Records every request in order, and
 * `answered` when the registration was answered.
 */
const holdingRegistration = (release: Deferred.Deferred<void>) =>
  Effect.gen(function*() {
    const requests: Array<string> = []
    const posted = yield* Queue.unbounded<string>()
    let nexts = 0
    const server = yield* scriptedServer((req, body, res: http.ServerResponse) => {
      requests.push(`${req.method} ${req.url}`)
      if (req.url!.endsWith("/extension/register")) {
        Effect.runFork(Effect.andThen(Deferred.await(release), () => {
          requests.push("answered register")
          res.writeHead(200, { "lambda-extension-identifier": "ext-1" }).end("{}")
        }))
        return
      }
      if (req.url!.includes("/extension/")) return // the event long poll: never answered
      if (req.url!.endsWith("/next")) {
        if (++nexts > 1) return
        res.writeHead(200, invocationHeaders("req-1"))
        return void res.end("{}")
      }
      res.writeHead(202, { "content-type": "application/json" }).end(`{"status":"OK"}`)
      Queue.unsafeOffer(posted, body.toString())
    })
    return { server, requests, posted }
  })

describe("extension registration", () => {
  it.scopedLive("the handler's init runs while the registration is in flight; /next waits for its answer", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const { posted, requests, server } = yield* holdingRegistration(release)
      // The init step releases the registration's answer: it must run before that answer.
      const handler = LambdaHandler.fromInit(Effect.as(
        Effect.andThen(Effect.sync(() => requests.push("init")), Deferred.succeed(release, undefined)),
        LambdaHandler.json(() => Effect.succeed("served"))
      ))
      const { logs } = yield* serveOn(at(server.host), LambdaRuntime.serve(handler, { ...inProcess, registerExtension: true }))
      expect(yield* Queue.take(posted)).toBe(`"served"`)
      // (The server may see the registration's request before or after init ran.)
      expect(requests.filter((r) => !r.includes("/extension/")).slice(0, 3)).toEqual([
        "init",
        "answered register",
        "GET /2018-06-01/runtime/invocation/next"
      ])
      expect(logs.filter((l) => l.message.includes("SIGTERM will not be delivered"))).toEqual([])
    }))

  it.scopedLive("an init error is posted after the registration's answer, not over its connection", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const { posted, requests, server } = yield* holdingRegistration(release)
      const handler = LambdaHandler.fromInit(
        Effect.andThen(Deferred.succeed(release, undefined), Effect.fail(new Error("no database")))
      )
      const { fiber } = yield* serveOn(at(server.host), LambdaRuntime.serve(handler, { ...inProcess, registerExtension: true }))
      expect(JSON.parse(yield* Queue.take(posted))).toMatchObject({ errorMessage: "no database" })
      expect(Exit.isFailure(yield* fiber.await)).toBe(true)
      expect(requests.filter((r) => !r.includes("/extension/event/"))).toEqual([
        "POST /2020-01-01/extension/register",
        "answered register",
        "POST /2018-06-01/runtime/init/error"
      ])
    }))
})
