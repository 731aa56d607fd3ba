/**
 * The emulator's concurrent mode (Lambda Managed Instances), driven by hand-made HTTP clients as
 * the Runtime API's peer: several `/next` at once, results by id in any order, per-invocation
 * deadlines with `410` for late results, and `500` to parked polls at shutdown.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option } from "effect"
import * as http from "node:http"
import * as Emulator from "../src/Emulator.js"
import * as P from "../src/internal/core/protocol.js"
import type { Reply } from "./support.js"
import { onConnection, request } from "./support.js"

const next = (emulator: Emulator.EmulatorService) => request(emulator.host, "GET", P.paths.next)
const respond = (emulator: Emulator.EmulatorService, requestId: string, body: string) =>
  request(emulator.host, "POST", P.paths.response(requestId), { body })
const invoke = (emulator: Emulator.EmulatorService, body: string, headers: Record<string, string> = {}) =>
  request(emulator.host, "POST", P.paths.invoke, { body, headers })
const json = (reply: Reply): unknown => JSON.parse(reply.text)
const idOf = (reply: Reply) => reply.headers[P.headers.requestId] as string

/** `n` parked `/next` calls, each on its own connection (as N runtime loops keep them). */
const parkNext = (emulator: Emulator.EmulatorService, n: number) =>
  Effect.gen(function*() {
    const before = (yield* emulator.nextRequests).length
    const polls = yield* Effect.forEach(Array.from({ length: n }), () => Effect.fork(next(emulator)))
    yield* emulator.awaitNextRequest(before + n)
    return polls
  })

describe("Emulator, concurrent mode", () => {
  it.scoped("announces AWS_LAMBDA_MAX_CONCURRENCY; the classic mode does not", () =>
    Effect.gen(function*() {
      const concurrent = yield* Emulator.make({ concurrency: 4 })
      expect(concurrent.environment).toMatchObject({
        AWS_LAMBDA_MAX_CONCURRENCY: "4",
        AWS_LAMBDA_INITIALIZATION_TYPE: "lambda-managed-instances"
      })
      const classic = yield* Emulator.make({ concurrency: 1 })
      expect(classic.environment.AWS_LAMBDA_MAX_CONCURRENCY).toBeUndefined()
      expect(classic.environment.AWS_LAMBDA_INITIALIZATION_TYPE).toBe("on-demand")
    }))

  it.scoped("hands N concurrent invokes to N parked /next; answers in any order reach their callers", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 3 })
      const polls = yield* parkNext(emulator, 3)
      const callers = yield* Effect.forEach([0, 1, 2], (i) => Effect.fork(invoke(emulator, `{"i":${i}}`)))
      const events = yield* Effect.forEach(polls, Fiber.join)
      expect(events.map((event) => event.status)).toEqual([200, 200, 200])
      expect(events.map((event) => event.text).sort()).toEqual([`{"i":0}`, `{"i":1}`, `{"i":2}`])
      const idFor = (i: number) => idOf(events.find((event) => event.text === `{"i":${i}}`)!)
      // the last invocation answers first: its caller has its answer while the others wait
      expect((yield* respond(emulator, idFor(2), "two")).status).toBe(202)
      const third = yield* Fiber.join(callers[2]!)
      expect(third.text).toBe("two")
      expect(third.headers["x-amzn-requestid"]).toBe(idFor(2))
      expect(Option.isNone(yield* Fiber.poll(callers[0]!))).toBe(true)
      // the other two answer in parallel
      const posted = yield* Effect.all([respond(emulator, idFor(1), "one"), respond(emulator, idFor(0), "zero")], {
        concurrency: "unbounded"
      })
      expect(posted.map((reply) => reply.status)).toEqual([202, 202])
      expect((yield* Fiber.join(callers[0]!)).text).toBe("zero")
      expect((yield* Fiber.join(callers[1]!)).text).toBe("one")
    }))

  it.scoped("queues invocations beyond the parked /next calls and delivers them as /next calls come", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 2 })
      const first = yield* emulator.enqueue({ n: 1 })
      const second = yield* emulator.enqueue({ n: 2 })
      const third = yield* emulator.enqueue({ n: 3 })
      // two /next while nothing was answered yet: each takes one, in order
      const [a, b] = yield* Effect.all([next(emulator), next(emulator)], { concurrency: "unbounded" })
      expect([idOf(a), idOf(b)].sort()).toEqual([first.requestId, second.requestId].sort())
      expect(idOf(yield* next(emulator))).toBe(third.requestId)
    }))

  it.scoped("refuses a /next beyond the concurrency with 500 Runtime.TooManyIdleRuntimes", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 2 })
      yield* parkNext(emulator, 2)
      const extra = yield* next(emulator)
      expect(extra.status).toBe(500)
      expect(json(extra)).toMatchObject({ errorType: "Runtime.TooManyIdleRuntimes" })
    }))

  it.scoped("a deadline fails its invocation only: late results get 410, the process stays, the others go on", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 2, functionTimeoutMs: 5000 })
      // one keep-alive connection per runtime loop, as a runtime's client keeps
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new http.Agent({ keepAlive: true })),
        (agent) => Effect.sync(() => agent.destroy())
      )
      const onAgent = (method: string, path: string, body?: string) => onConnection(agent, emulator, method, path, body)
      const slow = yield* emulator.enqueue({}, { requestId: "slow", timeoutMs: 200 })
      const other = yield* emulator.enqueue({}, { requestId: "other" })
      const events = yield* Effect.all([onAgent("GET", P.paths.next), onAgent("GET", P.paths.next)], {
        concurrency: "unbounded"
      })
      expect(events.map(idOf).sort()).toEqual(["other", "slow"])
      const timedOut = yield* slow.result
      expect(timedOut.outcome).toEqual({ _tag: "Timeout", message: "Task timed out after 0.20 seconds" })
      // the handler of "slow" finishes late, on the same connections
      const late = yield* onAgent("POST", P.paths.response("slow"), "late")
      expect(late.status).toBe(410)
      expect(json(late)).toMatchObject({ errorType: "InvokeTimeout" })
      expect((yield* onAgent("POST", P.paths.error("slow"), "{}")).status).toBe(410)
      // no reset, and the other invocation and the next ones are served on the same connections
      expect(yield* emulator.resets).toEqual([])
      expect((yield* onAgent("POST", P.paths.response("other"), "ok")).status).toBe(202)
      expect((yield* other.result).outcome).toMatchObject({ _tag: "Response", text: "ok" })
      const third = yield* emulator.enqueue({})
      expect(idOf(yield* onAgent("GET", P.paths.next))).toBe(third.requestId)
      const record = (yield* emulator.invocations).find((record) => record.requestId === "slow")!
      expect(record.outcome?._tag).toBe("Timeout")
      expect(record.posts.map(({ kind, status }) => ({ kind, status }))).toEqual([
        { kind: "response", status: 410 },
        { kind: "error", status: 410 }
      ])
    }))

  it.scoped("answers a stream still open at the deadline with 410; the invoke caller gets the timeout", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 2, functionTimeoutMs: 300 })
      const polls = yield* parkNext(emulator, 1)
      const caller = yield* Effect.fork(invoke(emulator, "{}", { "x-amzn-requestid": "streamed" }))
      const event = yield* Fiber.join(polls[0]!)
      // the invoke endpoint took the caller's request id
      expect(idOf(event)).toBe("streamed")
      const answer = yield* Deferred.make<number>()
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          const [host, port] = emulator.host.split(":")
          const req = http.request({
            host,
            port: Number(port),
            method: "POST",
            path: P.paths.response("streamed"),
            agent: false,
            headers: { "lambda-runtime-function-response-mode": "streaming", "transfer-encoding": "chunked" }
          }, (res) => {
            res.resume()
            Deferred.unsafeDone(answer, Exit.succeed(res.statusCode!))
          })
          req.on("error", () => {})
          req.write("partial")
          return req
        }),
        (req) => Effect.sync(() => req.destroy())
      )
      expect(yield* Deferred.await(answer)).toBe(410)
      const reply = yield* Fiber.join(caller)
      expect(reply.trailers["lambda-runtime-function-error-type"]).toBe("Sandbox.Timedout")
      expect(yield* emulator.resets).toEqual([])
    }))

  it.scoped("refuses a duplicate X-Amzn-RequestId on the invoke endpoint", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 2 })
      yield* Effect.fork(invoke(emulator, "{}", { "x-amzn-requestid": "same" }))
      yield* next(emulator)
      const duplicate = yield* invoke(emulator, "{}", { "x-amzn-requestid": "same" })
      expect(duplicate.status).toBe(400)
    }))

  it.scoped("shutdown answers the parked /next calls, and any later one, with 500", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 2 })
      const polls = yield* parkNext(emulator, 2)
      yield* emulator.shutdown
      for (const poll of polls) {
        const reply = yield* Fiber.join(poll)
        expect(reply.status).toBe(500)
        expect(reply.headers.connection).toBe("close")
      }
      expect((yield* next(emulator)).status).toBe(500)
    }))

  it.effect("closing the emulator answers the parked /next calls with 500", () =>
    Effect.gen(function*() {
      const polls = yield* Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make({ concurrency: 2 })
        return yield* parkNext(emulator, 2)
      }))
      for (const poll of polls) expect((yield* Fiber.join(poll)).status).toBe(500)
    }))

  it.scoped("the runtime's exit fails every invocation it owed", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 2 })
      const a = yield* emulator.enqueue({})
      const b = yield* emulator.enqueue({})
      yield* Effect.all([next(emulator), next(emulator)], { concurrency: "unbounded" })
      yield* emulator.runtimeExited({ code: 1, signal: null })
      expect((yield* a.result).outcome?._tag).toBe("ExitError")
      expect((yield* b.result).outcome?._tag).toBe("ExitError")
    }))
})
