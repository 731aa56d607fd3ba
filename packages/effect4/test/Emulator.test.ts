/**
 * The Effect 4 line's `Emulator`: the shared engine behind Effect 4 effects (`make` scoped,
 * waits as `Effect.callback`, `initError` an Effect 4 `Option`, `layer` a `Context.Service`). A
 * runtime is played over real HTTP (`fetch` on loopback), or is an Effect 4 function process (the
 * environment reset after a platform timeout); the cases are the Effect 3 line's
 * (test/Emulator.test.ts) of the same rules, so both lines pin them.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Exit, Fiber, Option } from "effect"
import * as Emulator from "../src/Emulator.js"
import { Protocol as P } from "../src/internal/core.js"
import { spawnFunction } from "./process.js"

/** An Effect 4 function that blocks its event loop for the event's `blockMs`, then answers its pid. */
const OVERRUN = "test/fixtures/overrun.ts"

interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** One HTTP request to the emulator, as a runtime makes it. */
const request = (
  host: string,
  method: "GET" | "POST",
  path: string,
  options: { readonly body?: string; readonly headers?: Record<string, string> } = {}
) =>
  Effect.promise(async (): Promise<Reply> => {
    const response = await fetch(`http://${host}${path}`, {
      method,
      body: options.body ?? null,
      headers: options.headers ?? {}
    })
    return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() }
  })

const next = (emulator: Emulator.EmulatorService) => request(emulator.host, "GET", P.paths.next)
const respond = (emulator: Emulator.EmulatorService, requestId: string, body: string) =>
  request(emulator.host, "POST", P.paths.response(requestId), { body, headers: { "content-type": "application/json" } })

/** A runtime's `/init/error`, its type in the header as the Runtime API asks. */
const postInitError = (emulator: Emulator.EmulatorService, document: { readonly errorType: string }) =>
  request(emulator.host, "POST", P.paths.initError, {
    body: JSON.stringify(document),
    headers: { [P.headers.functionErrorType]: document.errorType }
  })

describe("Effect 4: Emulator", () => {
  it.effect("long-polls and delivers the event with the Runtime API headers; invoke waits for the response", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 5000, functionName: "demo", region: "eu-west-1" })
      const poll = yield* Effect.forkChild(next(emulator))
      yield* emulator.awaitNextRequest(1)
      const invoke = yield* Effect.forkChild(emulator.invoke({ name: "world" }, { requestId: "req-1" }))
      const event = yield* Fiber.join(poll)
      expect(event.status).toBe(200)
      expect(event.text).toBe(`{"name":"world"}`)
      const [delivered] = yield* emulator.invocations
      expect(event.headers).toMatchObject({
        [P.headers.requestId]: "req-1",
        [P.headers.deadlineMs]: String(delivered!.deadlineMs),
        [P.headers.functionArn]: "arn:aws:lambda:eu-west-1:012345678912:function:demo"
      })
      expect(emulator.environment).toMatchObject({
        AWS_LAMBDA_RUNTIME_API: emulator.host,
        AWS_LAMBDA_FUNCTION_NAME: "demo",
        AWS_REGION: "eu-west-1"
      })
      expect((yield* respond(emulator, "req-1", `{"greeting":"hello"}`)).status).toBe(202)
      const record = yield* Fiber.join(invoke)
      expect(record.outcome).toMatchObject({ _tag: "Response", text: `{"greeting":"hello"}`, streaming: false })
      // Answered as soon as the result was posted, not when the runtime asks for /next again.
      expect(record.nextAfterResultAt).toBeUndefined()
    }))

  it.effect("accepts one result: 202, 400 InvalidRequestID for another id, 403 for a second post", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const pending = yield* emulator.enqueue({})
      yield* next(emulator)
      const wrongId = yield* respond(emulator, "not-the-current-id", "{}")
      expect(wrongId.status).toBe(400)
      expect(JSON.parse(wrongId.text)).toEqual({ errorMessage: "Invalid request ID", errorType: "InvalidRequestID" })
      expect((yield* respond(emulator, pending.requestId, `{"ok":true}`)).status).toBe(202)
      expect((yield* pending.result).outcome).toMatchObject({ _tag: "Response", text: `{"ok":true}` })
      const second = yield* respond(emulator, pending.requestId, "{}")
      expect(second.status).toBe(403)
      const [final] = yield* emulator.invocations
      expect(final!.posts.map(({ kind, status }) => ({ kind, status }))).toEqual([
        { kind: "response", status: 202 },
        { kind: "response", status: 403 }
      ])
    }))

  it.effect("times the invocation out at its deadline and rejects late posts", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 200 })
      const pending = yield* emulator.enqueue({})
      yield* next(emulator)
      const record = yield* pending.result
      expect(record.outcome).toEqual({ _tag: "Timeout", message: "Task timed out after 0.20 seconds" })
      expect(record.resultAt!).toBeGreaterThanOrEqual(record.deadlineMs)
      expect((yield* respond(emulator, pending.requestId, "{}")).status).toBe(400)
      // Lambda resets the environment: whoever runs the runtime learns it from awaitReset.
      expect(yield* emulator.awaitReset(1)).toMatchObject({ requestId: pending.requestId, reason: "Timeout" })
    }))

  it.effect("records /init/error before the first /next and fails the queued invocation", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      expect(yield* emulator.initError).toEqual(Option.none())
      const pending = yield* emulator.enqueue({})
      const document = { errorType: "Runtime.ImportModuleError", errorMessage: "Cannot find module 'index'" }
      expect((yield* postInitError(emulator, document)).status).toBe(202)
      const error = yield* emulator.awaitInitError
      expect([error.errorTypeHeader, error.document]).toEqual([document.errorType, document])
      expect(yield* emulator.initError).toEqual(Option.some(error))
      expect((yield* pending.result).outcome).toEqual({ _tag: "InitError", error })
    }))

  it.effect("an awaitFirstByte for a request id it never saw dies", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const exit = yield* Effect.exit(emulator.awaitFirstByte("no-such-id"))
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("Emulator: unknown request id no-such-id")
    }))

  it.effect("closes with its scope without hanging on a pending long poll, which then fails", () =>
    Effect.gen(function*() {
      const poll = yield* Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const poll = yield* Effect.forkDetach(Effect.exit(next(emulator)))
        yield* emulator.awaitNextRequest(1)
        return poll
      }))
      // The long poll's connection was destroyed: fetch rejects, so Effect.promise dies.
      expect(Exit.isFailure(yield* Fiber.join(poll))).toBe(true)
    }))

  it.effect("a concurrency that is not a positive integer is a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Emulator.make({ concurrency: 0 })))
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("concurrency must be a positive integer, got 0")
    }))

  describe("environment reset", () => {
    it.live("after a platform timeout, refuses the overrunning runtime's /next; the next invocation goes to a fresh runtime", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
        const recordOf = (requestId: string) =>
          Effect.map(emulator.invocations, (all) => all.find((record) => record.requestId === requestId)!)
        // An Effect 4 function whose handler blocks the event loop past the deadline.
        const old = yield* spawnFunction(OVERRUN, emulator.environment)
        const first = yield* emulator.invoke({ blockMs: 2500 })
        expect(first.outcome).toEqual({ _tag: "Timeout", message: "Task timed out after 1.00 seconds" })
        const second = yield* emulator.enqueue({})
        // The overrunning runtime posts its late result, then asks for /next: refused, it must exit.
        yield* emulator.awaitNextRequest(2)
        expect((yield* recordOf(second.requestId)).nextAnsweredAt).toBeUndefined()
        expect(yield* old.exited).not.toBe(0)
        expect((yield* recordOf(first.requestId)).posts).toEqual([
          expect.objectContaining({ kind: "response", status: 400 })
        ])
        const fresh = yield* spawnFunction(OVERRUN, emulator.environment)
        expect((yield* second.result).outcome).toMatchObject({ _tag: "Response", text: `{"pid":${fresh.child.pid}}` })
        expect(yield* emulator.resets).toEqual([
          expect.objectContaining({ requestId: first.requestId, reason: "Timeout" })
        ])
      }))
  })
})

layer(Emulator.layer({ functionName: "from-layer" }))("Effect 4: Emulator.layer", (it) => {
  it.effect("provides the service", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      expect(emulator.environment.AWS_LAMBDA_FUNCTION_NAME).toBe("from-layer")
      const pending = yield* emulator.enqueue(new TextEncoder().encode("bytes"))
      expect((yield* next(emulator)).text).toBe("bytes")
      yield* respond(emulator, pending.requestId, "done")
      expect((yield* pending.result).outcome).toMatchObject({ _tag: "Response", text: "done" })
    }))
})
