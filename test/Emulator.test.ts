import { describe, expect, it, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option } from "effect"
import * as http from "node:http"
import * as Emulator from "../src/Emulator.js"
import * as P from "../src/internal/core/protocol.js"
import type { Reply, RequestOptions } from "./support.js"
import { spawnFunction } from "./process.js"
import { onConnection, request } from "./support.js"

const next = (emulator: Emulator.EmulatorService) => request(emulator.host, "GET", P.paths.next)
const respond = (emulator: Emulator.EmulatorService, requestId: string, options: RequestOptions = {}) =>
  request(emulator.host, "POST", P.paths.response(requestId), options)
const postError = (emulator: Emulator.EmulatorService, requestId: string, options: RequestOptions = {}) =>
  request(emulator.host, "POST", P.paths.error(requestId), options)
const json = (reply: Reply): unknown => JSON.parse(reply.text)
const recordOf = (emulator: Emulator.EmulatorService, requestId: string) =>
  Effect.map(emulator.invocations, (all) => all.find((record) => record.requestId === requestId)!)

/**
 * A streaming `/response` left open: the test writes chunks when it wants and may never end it.
 * `answer` is the emulator's status code.
 */
const openStream = (emulator: Emulator.EmulatorService, requestId: string, contentType = "text/plain") =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const [host, port] = emulator.host.split(":")
      const answer = Deferred.unsafeMake<number>(undefined as never)
      const req = http.request({
        host,
        port: Number(port),
        method: "POST",
        path: P.paths.response(requestId),
        agent: false,
        headers: {
          "lambda-runtime-function-response-mode": "streaming",
          "content-type": contentType,
          "transfer-encoding": "chunked",
          "trailer": P.ERROR_TRAILERS
        }
      }, (res) => {
        res.resume()
        Deferred.unsafeDone(answer, Exit.succeed(res.statusCode!))
      })
      req.on("error", () => {})
      req.flushHeaders()
      return {
        req,
        write: (chunk: string | Uint8Array) => Effect.sync(() => req.write(chunk)),
        answer: Deferred.await(answer)
      }
    }),
    ({ req }) => Effect.sync(() => req.destroy())
  )

/** An emulator whose one invocation has been taken with `/next`, as a runtime would. */
const taken = (options?: Emulator.EmulatorOptions) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make(options)
    const pending = yield* emulator.enqueue({})
    yield* next(emulator)
    return { emulator, pending }
  })

/**
 * Invokes through the invoke endpoint and answers as a runtime streaming an HTTP integration
 * response: `prelude`, the delimiter, then `hi`. The runtime's POST must be accepted (202).
 */
const streamedHttpAnswer = (emulator: Emulator.EmulatorService, prelude: string) =>
  Effect.gen(function*() {
    const poll = yield* Effect.fork(next(emulator))
    yield* emulator.awaitNextRequest(1)
    const invoke = yield* Effect.fork(request(emulator.host, "POST", P.paths.invoke, { body: "{}" }))
    const requestId = (yield* Fiber.join(poll)).headers[P.headers.requestId] as string
    const posted = yield* respond(emulator, requestId, {
      headers: { "lambda-runtime-function-response-mode": "streaming", "content-type": P.contentTypes.httpIntegration },
      chunks: [prelude, "\u0000".repeat(8), "hi"]
    })
    expect(posted.status).toBe(202)
    return { reply: yield* Fiber.join(invoke), requestId }
  })

const errorDocument = { errorType: "Error", errorMessage: "boom", stackTrace: [] }

describe("Emulator", () => {
  describe("GET /next", () => {
    it.scoped("long-polls and delivers the event with the Runtime API headers", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 5000, functionName: "demo", region: "eu-west-1" })
        const poll = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        expect(Option.isNone(yield* Fiber.poll(poll))).toBe(true)
        yield* emulator.enqueue({ name: "world" }, {
          requestId: "req-1",
          traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
          clientContext: `{"custom":{"k":"v"}}`,
          cognitoIdentity: `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`,
          tenantId: "tenant-42"
        })
        const reply = yield* Fiber.join(poll)
        const record = yield* recordOf(emulator, "req-1")
        expect(reply.status).toBe(200)
        expect(reply.text).toBe(`{"name":"world"}`)
        expect(reply.headers).toMatchObject({
          [P.headers.requestId]: "req-1",
          [P.headers.deadlineMs]: String(record.deadlineMs),
          [P.headers.functionArn]: "arn:aws:lambda:eu-west-1:012345678912:function:demo",
          [P.headers.traceId]: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
          [P.headers.clientContext]: `{"custom":{"k":"v"}}`,
          [P.headers.cognitoIdentity]: `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`,
          [P.headers.tenantId]: "tenant-42",
          [P.headers.contentType]: P.contentTypes.json
        })
        expect(record.deadlineMs).toBe(Math.floor(record.nextAnsweredAt! + 5000))
        expect(record.nextAnsweredAt!).toBeGreaterThanOrEqual(record.enqueuedAt)
        expect(emulator.environment).toMatchObject({
          AWS_LAMBDA_RUNTIME_API: emulator.host,
          AWS_LAMBDA_FUNCTION_NAME: "demo",
          AWS_REGION: "eu-west-1"
        })
      }))

    it.scoped("omits the optional headers and sends strings and bytes verbatim", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* emulator.enqueue("not json")
        const reply = yield* next(emulator)
        expect(reply.text).toBe("not json")
        for (const name of [P.headers.clientContext, P.headers.cognitoIdentity, P.headers.tenantId]) {
          expect(reply.headers[name]).toBeUndefined()
        }
        // The trace id is not optional: Lambda generates one when the invoke carries none.
        expect(reply.headers[P.headers.traceId]).toMatch(
          /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/
        )
      }))

    it.scoped("answers 403 to a /next while a result is still owed", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* emulator.enqueue({})
        yield* next(emulator)
        const early = yield* next(emulator)
        expect(early.status).toBe(403)
        expect(json(early)).toMatchObject({ errorType: "InvalidStateTransition" })
      }))
  })

  describe("results", () => {
    it.scoped("accepts one result: 202, 400 InvalidRequestID for another id, 403 for a second post", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        const wrongId = yield* respond(emulator, "not-the-current-id", { body: "{}" })
        expect(wrongId.status).toBe(400)
        expect(json(wrongId)).toEqual({ errorMessage: "Invalid request ID", errorType: "InvalidRequestID" })
        const accepted = yield* respond(emulator, pending.requestId, {
          body: `{"ok":true}`,
          headers: { "content-type": "application/json" }
        })
        expect(accepted.status).toBe(202)
        expect(json(accepted)).toEqual({ status: "OK" })
        const record = yield* pending.result
        expect(record.outcome).toMatchObject({
          _tag: "Response",
          text: `{"ok":true}`,
          contentType: "application/json",
          streaming: false
        })
        const second = yield* postError(emulator, pending.requestId, { body: JSON.stringify(errorDocument) })
        expect(second.status).toBe(403)
        expect(json(second)).toMatchObject({ errorType: "InvalidStateTransition" })
        const final = yield* recordOf(emulator, pending.requestId)
        expect(final.posts.map(({ kind, status }) => ({ kind, status }))).toEqual([
          { kind: "response", status: 202 },
          { kind: "error", status: 403 }
        ])
        expect(final.outcome?._tag).toBe("Response")
      }))

    it.scoped("records /error with its error type header and JSON document", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        const reply = yield* postError(emulator, pending.requestId, {
          body: JSON.stringify(errorDocument),
          headers: { "content-type": "application/json", "lambda-runtime-function-error-type": "Runtime.HandlerError" }
        })
        expect(reply.status).toBe(202)
        expect((yield* pending.result).outcome).toEqual({
          _tag: "Error",
          errorTypeHeader: "Runtime.HandlerError",
          document: errorDocument,
          text: JSON.stringify(errorDocument)
        })
      }))

    it.scoped("refuses a buffered response over 6,291,556 bytes with 413 and fails the invocation", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        const reply = yield* respond(emulator, pending.requestId, {
          body: Buffer.alloc(P.MAX_BUFFERED_RESPONSE_BYTES + 1, "x")
        })
        expect(reply.status).toBe(413)
        expect(json(reply)).toEqual({
          errorMessage: "Exceeded maximum allowed payload size (6291556 bytes).",
          errorType: "RequestEntityTooLarge"
        })
        const record = yield* pending.result
        expect(record.outcome).toEqual({ _tag: "TooLarge", size: 6_291_557 })
        expect(record.posts.map((post) => post.status)).toEqual([413])
      }))

    it.scoped("accepts exactly 6,291,556 bytes", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        const reply = yield* respond(emulator, pending.requestId, {
          body: Buffer.alloc(P.MAX_BUFFERED_RESPONSE_BYTES, "x")
        })
        expect(reply.status).toBe(202)
        const outcome = (yield* pending.result).outcome
        expect(outcome?._tag === "Response" && outcome.body.length).toBe(P.MAX_BUFFERED_RESPONSE_BYTES)
      }))

    it.scoped("records a streamed response and its first and last byte", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        const reply = yield* respond(emulator, pending.requestId, {
          headers: { "lambda-runtime-function-response-mode": "streaming", "content-type": "text/plain" },
          chunks: ["hello ", "world"]
        })
        expect(reply.status).toBe(202)
        const record = yield* pending.result
        expect(record.outcome).toMatchObject({
          _tag: "Response",
          text: "hello world",
          contentType: "text/plain",
          streaming: true
        })
        expect(record.firstByteAt!).toBeLessThanOrEqual(record.lastByteAt!)
        expect(record.lastByteAt!).toBeLessThanOrEqual(record.resultAt!)
      }))

    it.scoped("decodes the error trailers of a stream and fails the invocation", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        const reply = yield* respond(emulator, pending.requestId, {
          headers: {
            "lambda-runtime-function-response-mode": "streaming",
            "content-type": "text/plain",
            "trailer": "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
          },
          chunks: ["hello ", "world "],
          trailers: {
            "Lambda-Runtime-Function-Error-Type": "Error",
            "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(errorDocument)).toString("base64")
          }
        })
        expect(reply.status).toBe(202)
        const outcome = (yield* pending.result).outcome
        expect(outcome).toMatchObject({ _tag: "Error", errorTypeHeader: "Error", document: errorDocument })
        expect(outcome?._tag === "Error" && Buffer.from(outcome.streamedBody!).toString()).toBe("hello world ")
      }))

    it.scoped("rejects any response mode but streaming with 400 InvalidFunctionResponseMode", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        const reply = yield* respond(emulator, pending.requestId, {
          headers: { "lambda-runtime-function-response-mode": "buffered" },
          body: "{}"
        })
        expect(reply.status).toBe(400)
        expect(json(reply)).toMatchObject({ errorType: "InvalidFunctionResponseMode" })
        expect((yield* pending.result).outcome).toMatchObject({
          _tag: "Error",
          errorTypeHeader: "Runtime.InvalidResponseModeHeader"
        })
      }))
  })

  describe("streaming", () => {
    it.scoped("passes a streamed /response on to the invoke caller as it arrives", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const poll = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const first = yield* Deferred.make<string>()
        const invoke = yield* Effect.fork(request(emulator.host, "POST", P.paths.invoke, {
          body: "{}",
          onData: (chunk) => Deferred.unsafeDone(first, Exit.succeed(chunk.toString()))
        }))
        const requestId = (yield* Fiber.join(poll)).headers[P.headers.requestId] as string
        const stream = yield* openStream(emulator, requestId, "text/event-stream")
        yield* stream.write("data: one\n\n")
        // the caller has the first event while the runtime's POST is still open
        expect(yield* Deferred.await(first)).toBe("data: one\n\n")
        expect(yield* emulator.awaitFirstByte(requestId)).toBeGreaterThan(0)
        yield* stream.write("data: two\n\n")
        yield* Effect.sync(() => stream.req.end())
        expect(yield* stream.answer).toBe(202)
        const reply = yield* Fiber.join(invoke)
        expect(reply.headers).toMatchObject({ "content-type": "text/event-stream", "x-amzn-requestid": requestId })
        expect(reply.text).toBe("data: one\n\ndata: two\n\n")
        expect(yield* emulator.streamProgress(requestId)).toMatchObject({ bytes: 22 })
      }))

    it.scoped("cuts a stream still open at the deadline: 400 to the runtime, a timeout trailer to the caller", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 300 })
        const poll = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const invoke = yield* Effect.fork(request(emulator.host, "POST", P.paths.invoke, { body: "{}" }))
        const requestId = (yield* Fiber.join(poll)).headers[P.headers.requestId] as string
        const stream = yield* openStream(emulator, requestId)
        yield* stream.write("partial")
        expect(yield* stream.answer).toBe(400)
        const reply = yield* Fiber.join(invoke)
        expect(reply.text).toBe("partial")
        expect(reply.trailers["x-amz-function-error"]).toBe("Unhandled")
        expect(reply.trailers["lambda-runtime-function-error-type"]).toBe("Sandbox.Timedout")
        const record = yield* recordOf(emulator, requestId)
        expect(record.outcome).toEqual({ _tag: "Timeout", message: "Task timed out after 0.30 seconds" })
        expect(record.posts.map(({ kind, status }) => ({ kind, status }))).toEqual([{ kind: "response", status: 400 }])
      }))

    it.scoped("decodes the HTTP integration prelude; a body without the delimiter is recorded as invalid", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken()
        yield* respond(emulator, pending.requestId, {
          headers: {
            "lambda-runtime-function-response-mode": "streaming",
            "content-type": P.contentTypes.httpIntegration
          },
          chunks: [`{"statusCode":201,"headers":{"x":"1"},"cookies":["a=1"]}`, "\u0000".repeat(8), "body"]
        })
        const outcome = (yield* pending.result).outcome
        const http = outcome?._tag === "Response" ? outcome.http : undefined
        expect(http).toMatchObject({ _tag: "Decoded", statusCode: 201, headers: { x: "1" }, cookies: ["a=1"] })
        expect(http?._tag === "Decoded" && Buffer.from(http.body).toString()).toBe("body")
        const other = yield* taken()
        yield* respond(other.emulator, other.pending.requestId, {
          headers: {
            "lambda-runtime-function-response-mode": "streaming",
            "content-type": P.contentTypes.httpIntegration
          },
          chunks: [`{"statusCode":200}`]
        })
        const invalid = (yield* other.pending.result).outcome
        expect(invalid?._tag === "Response" && invalid.http?._tag).toBe("Invalid")
      }))
    it.scoped("streams an HTTP answer whose prelude has a content-length: chunked, the prelude's length dropped", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        // What @effect/platform's text response becomes under LambdaHttp.toHandler(app, { stream: true }).
        const { reply, requestId } = yield* streamedHttpAnswer(
          emulator,
          `{"statusCode":200,"headers":{"content-type":"text/plain","content-length":"2"}}`
        )
        expect(reply.status).toBe(200)
        expect(reply.text).toBe("hi")
        expect(reply.headers).toMatchObject({ "content-type": "text/plain", "transfer-encoding": "chunked" })
        expect(reply.headers["content-length"]).toBeUndefined()
        expect((yield* recordOf(emulator, requestId)).outcome?._tag).toBe("Response")
      }))

    it.scoped("an error while answering the invoke caller fails that invoke with 502; the emulator goes on", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        // A header value node:http refuses to write (a control character).
        const { reply, requestId } = yield* streamedHttpAnswer(
          emulator,
          `{"statusCode":200,"headers":{"x-bad":"a\\u0001b"}}`
        )
        expect(reply.status).toBe(502)
        expect(reply.headers["x-amzn-requestid"]).toBe(requestId)
        // the emulator still serves
        const second = yield* emulator.enqueue({})
        const event = yield* next(emulator)
        expect(event.headers[P.headers.requestId]).toBe(second.requestId)
      }))
  })

  describe("init errors", () => {
    it.scoped("records /init/error before the first /next and fails the queued invocation", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        expect(yield* emulator.initError).toEqual(Option.none())
        const pending = yield* emulator.enqueue({})
        const document = {
          errorType: "Runtime.ImportModuleError",
          errorMessage: "Cannot find module 'index'",
          stackTrace: []
        }
        const reply = yield* request(emulator.host, "POST", P.paths.initError, {
          body: JSON.stringify(document),
          headers: { "lambda-runtime-function-error-type": "Runtime.ImportModuleError" }
        })
        expect(reply.status).toBe(202)
        const error = yield* emulator.awaitInitError
        expect(error).toMatchObject({ errorTypeHeader: "Runtime.ImportModuleError", document })
        expect(yield* emulator.initError).toEqual(Option.some(error))
        expect((yield* pending.result).outcome).toEqual({ _tag: "InitError", error })
        const invoked = yield* request(emulator.host, "POST", P.paths.invoke, { body: "{}" })
        expect(invoked.status).toBe(502)
        expect(json(invoked)).toEqual(document)
      }))

    it.scoped("answers 403 to /init/error after init completed", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const reply = yield* request(emulator.host, "POST", P.paths.initError, { body: JSON.stringify(errorDocument) })
        expect(reply.status).toBe(403)
        expect(json(reply)).toMatchObject({ errorType: "InvalidStateTransition" })
        expect(yield* emulator.initError).toEqual(Option.none())
      }))
  })

  describe("deadline", () => {
    it.scoped("times the invocation out at its deadline and rejects late posts", () =>
      Effect.gen(function*() {
        const { emulator, pending } = yield* taken({ functionTimeoutMs: 200 })
        const record = yield* pending.result
        expect(record.outcome).toEqual({ _tag: "Timeout", message: "Task timed out after 0.20 seconds" })
        expect(record.resultAt!).toBeGreaterThanOrEqual(record.deadlineMs)
        const late = yield* respond(emulator, pending.requestId, { body: "{}" })
        expect(late.status).toBe(400)
        const final = yield* recordOf(emulator, pending.requestId)
        expect(final.posts.map(({ kind, status }) => ({ kind, status }))).toEqual([{ kind: "response", status: 400 }])
        expect(final.outcome?._tag).toBe("Timeout")
      }))

    it.scoped("uses a per-invocation timeout", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const pending = yield* emulator.enqueue({}, { timeoutMs: 1500 })
        yield* next(emulator)
        expect((yield* pending.result).outcome).toEqual({
          _tag: "Timeout",
          message: "Task timed out after 1.50 seconds"
        })
      }))
  })

  describe("environment reset", () => {
    it.scopedLive("after a platform timeout, refuses the overrunning runtime's /next; the next invocation goes to a fresh runtime", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
        const old = yield* spawnFunction("test/fixtures/overrun.ts", emulator.environment)
        const first = yield* emulator.invoke({ blockMs: 2500 })
        expect(first.outcome).toEqual({ _tag: "Timeout", message: "Task timed out after 1.00 seconds" })
        const second = yield* emulator.enqueue({})
        // the overrunning runtime posts its late result, then asks for /next: refused, it must exit
        yield* emulator.awaitNextRequest(2)
        expect((yield* recordOf(emulator, second.requestId)).nextAnsweredAt).toBeUndefined()
        expect(yield* old.exited).not.toBe(0)
        expect((yield* recordOf(emulator, first.requestId)).posts).toEqual([
          expect.objectContaining({ kind: "response", status: 400 })
        ])
        const fresh = yield* spawnFunction("test/fixtures/overrun.ts", emulator.environment)
        const record = yield* second.result
        expect(record.outcome).toMatchObject({ _tag: "Response", text: `{"pid":${fresh.child.pid}}` })
        expect(yield* emulator.resets).toEqual([
          expect.objectContaining({ requestId: first.requestId, reason: "Timeout" })
        ])
      }))

    it.scoped("resets when a runtime that answered has not asked for /next by the deadline; its connection's /next gets 500", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 300 })
        // one keep-alive connection, as a runtime's client keeps
        const agent = yield* Effect.acquireRelease(
          Effect.sync(() => new http.Agent({ keepAlive: true, maxSockets: 1 })),
          (agent) => Effect.sync(() => agent.destroy())
        )
        const pending = yield* emulator.enqueue({})
        expect((yield* onConnection(agent, emulator, "GET", P.paths.next)).status).toBe(200)
        expect((yield* onConnection(agent, emulator, "POST", P.paths.response(pending.requestId), "ok")).status).toBe(
          202
        )
        expect((yield* pending.result).outcome).toMatchObject({ _tag: "Response", text: "ok" })
        const reset = yield* emulator.awaitReset(1)
        expect(reset).toMatchObject({ requestId: pending.requestId, reason: "BusyAfterDeadline" })
        const second = yield* emulator.enqueue({})
        const refused = yield* onConnection(agent, emulator, "GET", P.paths.next)
        expect(refused.status).toBe(500)
        expect(json(refused)).toMatchObject({ errorType: "Emulator.EnvironmentReset" })
        // a fresh runtime (on the fresh environment's address) gets the next event
        const fresh = yield* request(emulator.environment.AWS_LAMBDA_RUNTIME_API!, "GET", P.paths.next)
        expect(fresh.headers[P.headers.requestId]).toBe(second.requestId)
        expect(yield* emulator.nextRequests).toHaveLength(3)
      }))

    it.scoped("after a platform timeout, the runtime that was not stopped gets nothing on a new connection either", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 200 })
        const oldApi = emulator.environment.AWS_LAMBDA_RUNTIME_API!
        const first = yield* emulator.enqueue({})
        yield* next(emulator)
        expect((yield* first.result).outcome?._tag).toBe("Timeout")
        yield* emulator.awaitReset(1)
        const second = yield* emulator.enqueue({})
        // the runtime that timed out, started by hand and never stopped, posts late and asks again,
        // each time on a new connection to the address it was started with
        expect((yield* request(oldApi, "POST", P.paths.response(first.requestId), { body: "late" })).status).toBe(400)
        const refused = yield* request(oldApi, "GET", P.paths.next)
        expect(refused.status).toBe(500)
        expect(json(refused)).toMatchObject({ errorType: "Emulator.EnvironmentReset" })
        expect((yield* recordOf(emulator, second.requestId)).nextAnsweredAt).toBeUndefined()
        // a fresh runtime is started with the fresh environment, whose Runtime API has its own address
        const freshApi = emulator.environment.AWS_LAMBDA_RUNTIME_API!
        expect(freshApi).not.toBe(oldApi)
        const event = yield* request(freshApi, "GET", P.paths.next)
        expect(event.headers[P.headers.requestId]).toBe(second.requestId)
        // the invoke endpoint stays where it was
        expect(emulator.host).toBe(oldApi)
      }))

    it.scoped("gives a fresh init its own ten extension slots after the runtime exited", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const register = (name: string) =>
          request(emulator.host, "POST", P.paths.extensionRegister, {
            body: `{"events":[]}`,
            headers: { "lambda-extension-name": name }
          })
        for (let i = 0; i < 10; i++) expect((yield* register(`runtime-${i}`)).status).toBe(200)
        expect(json(yield* register("eleventh"))).toMatchObject({ errorType: "Extension.TooManyExtensions" })
        yield* emulator.runtimeExited({ code: 1, signal: null })
        expect((yield* register("after-restart")).status).toBe(200)
      }))
  })

  describe("invoke endpoint", () => {
    it.scoped("answers as soon as /response is posted, before the runtime asks for /next again", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const poll = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const invoke = yield* Effect.fork(request(emulator.host, "POST", P.paths.invoke, {
          body: `{"a":1}`,
          headers: { "x-amzn-trace-id": "Root=1-abc", "x-amz-tenant-id": "tenant-7" }
        }))
        const event = yield* Fiber.join(poll)
        expect(event.text).toBe(`{"a":1}`)
        expect(event.headers).toMatchObject({ [P.headers.traceId]: "Root=1-abc", [P.headers.tenantId]: "tenant-7" })
        const requestId = event.headers[P.headers.requestId] as string
        yield* respond(emulator, requestId, { body: "hi", headers: { "content-type": "text/plain" } })
        const reply = yield* Fiber.join(invoke)
        expect(reply.status).toBe(200)
        expect(reply.text).toBe("hi")
        expect(reply.headers["content-type"]).toBe("text/plain")
        expect(reply.headers["x-amzn-requestid"]).toBe(requestId)
        expect(yield* emulator.nextRequests).toHaveLength(1)
        // the runtime releases the environment afterwards
        yield* Effect.fork(next(emulator))
        const releasedAt = yield* emulator.awaitNextRequest(2)
        const record = yield* recordOf(emulator, requestId)
        expect(record.nextAfterResultAt).toBe(releasedAt)
        expect(record.nextAfterResultAt!).toBeGreaterThanOrEqual(record.resultAt!)
      }))

    it.scoped("returns a posted error with 200 and X-Amz-Function-Error", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const poll = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const invoke = yield* Effect.fork(request(emulator.host, "POST", P.paths.invoke, { body: "{}" }))
        const event = yield* Fiber.join(poll)
        yield* postError(emulator, event.headers[P.headers.requestId] as string, {
          body: JSON.stringify(errorDocument)
        })
        const reply = yield* Fiber.join(invoke)
        expect(reply.status).toBe(200)
        expect(reply.headers["x-amz-function-error"]).toBe("Unhandled")
        expect(json(reply)).toEqual(errorDocument)
      }))

    it.scoped("returns the timeout message as plain text", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 100 })
        yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const reply = yield* request(emulator.host, "POST", P.paths.invoke, { body: "{}" })
        expect(reply.status).toBe(200)
        expect(reply.text).toBe("Task timed out after 0.10 seconds")
      }))

    it.scoped("decodes X-Amz-Client-Context from base64 and answers 500 when it is not base64", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const clientContext = JSON.stringify({ client: { app_title: "demo" }, custom: { k: "v" }, env: {} })
        const poll = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const invoke = yield* Effect.fork(request(emulator.host, "POST", P.paths.invoke, {
          body: "{}",
          headers: { "x-amz-client-context": Buffer.from(clientContext).toString("base64") }
        }))
        const event = yield* Fiber.join(poll)
        expect(event.headers[P.headers.clientContext]).toBe(clientContext)
        yield* respond(emulator, event.headers[P.headers.requestId] as string, { body: "null" })
        expect((yield* Fiber.join(invoke)).status).toBe(200)
        const invalid = yield* request(emulator.host, "POST", P.paths.invoke, {
          body: "{}",
          headers: { "x-amz-client-context": "not base64!" }
        })
        expect(invalid.status).toBe(500)
        expect(yield* emulator.invocations).toHaveLength(1)
      }))

    it.scoped("answers 502 with Runtime.ExitError when the runtime exits before answering", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const poll = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        const invoke = yield* Effect.fork(request(emulator.host, "POST", P.paths.invoke, { body: "{}" }))
        const event = yield* Fiber.join(poll)
        yield* emulator.runtimeExited({ code: 1, signal: null })
        const reply = yield* Fiber.join(invoke)
        expect(reply.status).toBe(502)
        const requestId = event.headers[P.headers.requestId] as string
        expect(json(reply)).toEqual({
          errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 1`,
          errorType: "Runtime.ExitError"
        })
        expect((yield* recordOf(emulator, requestId)).outcome?._tag).toBe("ExitError")
      }))
  })

  describe("extensions", () => {
    it.scoped("registers an internal extension whose event/next never answers", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionName: "demo" })
        const register = (events: ReadonlyArray<string>, name = "ts-runtime-sigterm") =>
          request(emulator.host, "POST", P.paths.extensionRegister, {
            body: JSON.stringify({ events }),
            headers: { "lambda-extension-name": name, "content-type": "application/json" }
          })
        const registered = yield* register([])
        expect(registered.status).toBe(200)
        const id = registered.headers[P.headers.extensionIdentifier] as string
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
        expect(json(registered)).toEqual({ functionName: "demo", functionVersion: "$LATEST", handler: "index.handler" })
        expect(yield* emulator.extensions).toMatchObject([{ name: "ts-runtime-sigterm", id, events: [] }])

        const shutdown = yield* register(["SHUTDOWN"], "other")
        expect(shutdown.status).toBe(403)
        expect(json(shutdown)).toMatchObject({ errorType: "Extension.InvalidEventType" })

        const eventNext = (headers: Record<string, string>) =>
          request(emulator.host, "GET", P.paths.extensionNext, { headers })
        expect((yield* eventNext({})).status).toBe(403)
        expect(json(yield* eventNext({ "lambda-extension-identifier": "not-a-uuid" }))).toMatchObject({
          errorType: "Extension.InvalidExtensionIdentifier"
        })
        expect(json(yield* eventNext({ "lambda-extension-identifier": crypto.randomUUID() }))).toMatchObject({
          errorType: "Extension.UnknownExtensionIdentifier"
        })
        const parked = yield* Effect.fork(eventNext({ "lambda-extension-identifier": id }))
        // the runtime's loop goes on beside the parked extension poll
        yield* emulator.enqueue({})
        expect((yield* next(emulator)).status).toBe(200)
        expect(Option.isNone(yield* Fiber.poll(parked))).toBe(true)
        const closed = yield* register([], "late")
        expect(closed.status).toBe(403)
        expect(json(closed)).toMatchObject({ errorType: "Extension.RegistrationClosed" })
      }))
  })

  it.effect("closes without hanging on pending long polls", () =>
    Effect.gen(function*() {
      const polls = yield* Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const id = (yield* request(emulator.host, "POST", P.paths.extensionRegister, {
          body: `{"events":[]}`,
          headers: { "lambda-extension-name": "x" }
        })).headers[P.headers.extensionIdentifier] as string
        const extension = yield* Effect.fork(
          request(emulator.host, "GET", P.paths.extensionNext, { headers: { "lambda-extension-identifier": id } })
        )
        const runtime = yield* Effect.fork(next(emulator))
        yield* emulator.awaitNextRequest(1)
        return [extension, runtime] as const
      }))
      for (const poll of polls) expect(Exit.isFailure(yield* Fiber.await(poll))).toBe(true)
    }))
})

layer(Emulator.layer({ functionName: "from-layer" }))("Emulator.layer", (it) => {
  it.effect("provides the service", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      expect(emulator.environment.AWS_LAMBDA_FUNCTION_NAME).toBe("from-layer")
      const pending = yield* emulator.enqueue(new TextEncoder().encode("bytes"))
      const event = yield* next(emulator)
      expect(event.text).toBe("bytes")
      yield* respond(emulator, pending.requestId, { body: "done" })
      expect((yield* pending.result).outcome).toMatchObject({ _tag: "Response", text: "done" })
    }))
})
