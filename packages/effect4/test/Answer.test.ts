/**
 * The Effect 4 line's answers, through the emulator (and a scripted Runtime API where the
 * platform must misbehave): exactly one `/response` or `/error` per invocation, the JSON form with
 * its Schemas, the 6 MB limit, raw handlers, `fromInit`, and what a failed post means. The cases
 * are the Effect 3 line's (test/LambdaRuntime.test.ts "results and errors", test/Faults.test.ts),
 * so both lines pin the same rules.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Data, Deferred, Effect, Exit, Fiber, Layer, Schema } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type * as Emulator from "../src/Emulator.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { spawnFunction } from "./process.js"
import { emulatorScoped, errorDocument, inProcess, responseJson, serveOn } from "./support.js"

class PaymentDeclined extends Data.TaggedError("PaymentDeclined")<{ readonly amount: number }> {}
class Greeting extends Context.Service<Greeting, { readonly word: string }>()("test/Greeting") {}

describe("Effect 4: answers", () => {
  it.live("reports typed failures, defects and bad results with Lambda's error document (one post each)", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      const circular: Record<string, unknown> = {}
      circular.self = circular
      yield* serveOn(
        emulator,
        LambdaRuntime.serve((event: { readonly kind: string }) => {
          switch (event.kind) {
            case "tagged":
              return Effect.fail(new PaymentDeclined({ amount: 42 }))
            case "typeError":
              return Effect.die(new TypeError("x is not a function"))
            case "string":
              return Effect.die("just a string")
            case "bigint":
              return Effect.succeed({ n: 10n })
            case "circular":
              return Effect.succeed(circular)
            case "throwingToJson":
              return Effect.succeed({
                toJSON: () => {
                  throw null
                }
              })
            case "undefined":
              return Effect.succeed(undefined)
            case "throw":
              return Effect.sync(() => {
                throw new RangeError("thrown synchronously")
              })
            case "throwOutside":
              // Thrown by the handler function itself, before it returns an Effect.
              throw new SyntaxError("thrown before any Effect")
            default:
              return Effect.succeed({ kind: event.kind })
          }
        }, inProcess)
      )
      const records: Array<Emulator.InvocationRecord> = []
      const invoke = (kind: string) =>
        Effect.promise(() => emulator.invoke({ kind })).pipe(
          Effect.tap((record) => Effect.sync(() => records.push(record)))
        )

      const tagged = errorDocument(yield* invoke("tagged"))
      expect(tagged.errorType).toBe("PaymentDeclined")
      expect(tagged.errorMessage).toBe(`{"amount":42}`)
      expect(Array.isArray(tagged.stackTrace)).toBe(true)
      expect(tagged.stackTrace.every((line) => typeof line === "string")).toBe(true)
      const typeError = errorDocument(yield* invoke("typeError"))
      expect(typeError).toMatchObject({ errorType: "TypeError", errorMessage: "x is not a function" })
      expect(typeError.stackTrace[0]).toContain("TypeError: x is not a function")
      expect(errorDocument(yield* invoke("string"))).toMatchObject({
        errorType: "Runtime.Unhandled",
        errorMessage: "just a string"
      })
      expect(errorDocument(yield* invoke("throw")).errorType).toBe("RangeError")
      expect(errorDocument(yield* invoke("throwOutside")).errorType).toBe("SyntaxError")

      const bigint = errorDocument(yield* invoke("bigint"))
      expect(bigint.errorType).toBe("Runtime.MarshalError")
      expect(bigint.errorMessage).toMatch(/BigInt/)
      expect(errorDocument(yield* invoke("circular")).errorType).toBe("Runtime.MarshalError")
      expect(errorDocument(yield* invoke("throwingToJson")).errorType).toBe("Runtime.MarshalError")

      expect(responseJson(yield* invoke("undefined"))).toBeNull()
      expect(responseJson(yield* invoke("fine"))).toEqual({ kind: "fine" })
      // Exactly one post per invocation, whatever went wrong.
      expect(records).toHaveLength(10)
      for (const record of records) {
        expect(record.posts).toHaveLength(1)
        expect(record.posts.filter((post) => post.status === 202)).toHaveLength(1)
      }
    }))

  it.live("sends the X-Ray error cause with each error: type, message, frames with file and line, bounded", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve((event: { readonly size: number }) =>
          Effect.sync(() => {
            throw new TypeError(`broken ${"é".repeat(event.size)}`)
          }), inProcess)
      )
      const cause = (record: Emulator.InvocationRecord) => {
        expect(record.outcome?._tag).toBe("Error")
        return (record.outcome as { readonly xrayErrorCause?: unknown }).xrayErrorCause as {
          readonly working_directory: string
          readonly exceptions: ReadonlyArray<
            {
              readonly type: string
              readonly message: string
              readonly stack: ReadonlyArray<{ readonly path: string; readonly line: number }>
            }
          >
          readonly paths: ReadonlyArray<string>
        }
      }
      const small = cause(yield* Effect.promise(() => emulator.invoke({ size: 1 })))
      expect(small.working_directory).toBe(process.cwd())
      expect(small.exceptions).toHaveLength(1)
      expect(small.exceptions[0]).toMatchObject({ type: "TypeError", message: "broken é" })
      // The first frame is the line that threw, in this file.
      expect(small.exceptions[0]!.stack[0]).toMatchObject({ path: expect.stringContaining("Answer.test.ts") })
      expect(small.exceptions[0]!.stack[0]!.line).toBeGreaterThan(0)
      expect(small.paths).toContain(small.exceptions[0]!.stack[0]!.path)
      // A 16 KiB message does not fit a header: the cause is shortened, and still JSON.
      const big = cause(yield* Effect.promise(() => emulator.invoke({ size: 20_000 })))
      expect(big.exceptions[0]!.type).toBe("TypeError")
      expect(big.exceptions[0]!.message.startsWith("broken éé")).toBe(true)
      expect(JSON.stringify(big).length).toBeLessThanOrEqual(8 * 1024)
    }))

  it.live("never posts a response over 6,291,556 bytes: Function.ResponseSizeTooLarge instead", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve((event: { readonly size: number }) => Effect.succeed("x".repeat(event.size)), inProcess)
      )
      const big = yield* Effect.promise(() => emulator.invoke({ size: 6_291_556 })) // + 2 quotes as JSON
      const document = errorDocument(big)
      expect(document.errorType).toBe("Function.ResponseSizeTooLarge")
      expect(document.errorMessage).toContain("6291558")
      expect(document.errorMessage).toContain("6291556")
      expect(big.posts.map((post) => post.kind)).toEqual(["error"])
      const justFits = yield* Effect.promise(() => emulator.invoke({ size: 6_291_554 }))
      expect(justFits.outcome?._tag).toBe("Response")
    }))

  it.live("decodes the event with a Schema and names the failing path; encodes the output with one", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      const Order = Schema.Struct({ id: Schema.String, items: Schema.Array(Schema.Struct({ qty: Schema.Number })) })
      const Out = Schema.Struct({ total: Schema.NumberFromString })
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          (order) => Effect.succeed({ total: order.items.reduce((sum, item) => sum + item.qty, 0) }),
          { ...inProcess, event: Order, output: Out }
        )
      )
      const good = yield* Effect.promise(() => emulator.invoke({ id: "a", items: [{ qty: 2 }, { qty: 3 }] }))
      expect(responseJson(good)).toEqual({ total: "5" })
      const bad = errorDocument(yield* Effect.promise(() => emulator.invoke({ id: "a", items: [{ qty: "2" }] })))
      expect(bad.errorType).toBe("Runtime.UnmarshalError")
      expect(bad.errorMessage).toContain(`["items"]`)
      expect(bad.errorMessage).toContain(`["qty"]`)
      const notJson = errorDocument(yield* Effect.promise(() => emulator.invoke(Buffer.from("{not json"))))
      expect(notJson.errorType).toBe("Runtime.UnmarshalError")
      expect(notJson.errorMessage).toContain("not valid JSON")
    }))

  it.live("reports an output Schema that refuses the result as Runtime.MarshalError", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      const Positive = Schema.Struct({ n: Schema.Number.check(Schema.isGreaterThan(0)) })
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.json((event: { readonly n: number }) => Effect.succeed(event), {
            output: Positive
          }),
          inProcess
        )
      )
      const document = errorDocument(yield* Effect.promise(() => emulator.invoke({ n: -1 })))
      expect(document.errorType).toBe("Runtime.MarshalError")
      expect(document.errorMessage).toContain(`["n"]`)
    }))

  it.live("serves raw handlers byte for byte", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.raw((invocation) => Effect.succeed(LambdaHandler.buffered(invocation.body, "text/plain"))),
          inProcess
        )
      )
      const record = yield* Effect.promise(() => emulator.invoke(Buffer.from("plain text, not JSON")))
      expect(record.outcome).toMatchObject({
        _tag: "Response",
        text: "plain text, not JSON",
        contentType: "text/plain"
      })
      const bytes = Uint8Array.from([0, 255, 1, 254])
      const binary = yield* Effect.promise(() => emulator.invoke(bytes))
      expect(binary.outcome?._tag === "Response" && Buffer.from(binary.outcome.body).equals(Buffer.from(bytes)))
        .toBe(true)
    }))

  it.live("a raw handler's response that is not one is reported as the handler's defect", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.raw(() =>
            Effect.succeed(
              { _tag: "Buffered", body: 42, contentType: "text/plain" } as unknown as LambdaHandler.Response
            )
          ),
          inProcess
        )
      )
      const record = yield* Effect.promise(() => emulator.invoke({}))
      expect(errorDocument(record)).toMatchObject({ errorType: "TypeError" })
      expect(record.posts.map((post) => post.kind)).toEqual(["error"])
    }))

  it.live("fromInit builds the handler once at init, with the layer's services", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      let inits = 0
      const handler = LambdaHandler.fromInit(Effect.gen(function*() {
        inits++
        const greeting = yield* Greeting
        const word = greeting.word.toUpperCase() // computed once
        return LambdaHandler.json((event: { readonly name: string }) => Effect.succeed(`${word} ${event.name}`))
      }))
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(handler, { ...inProcess, layer: Layer.succeed(Greeting, Greeting.of({ word: "hello" })) })
      )
      expect(responseJson(yield* Effect.promise(() => emulator.invoke({ name: "a" })))).toBe("HELLO a")
      expect(responseJson(yield* Effect.promise(() => emulator.invoke({ name: "b" })))).toBe("HELLO b")
      expect(inits).toBe(1)
    }))

  it.live("a fromInit whose init fails is the init error, under its _tag, and the runtime stops", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      const fiber = yield* serveOn(
        emulator,
        LambdaRuntime.serve(LambdaHandler.fromInit(Effect.fail(new PaymentDeclined({ amount: 1 }))), inProcess)
      )
      const initError = yield* Effect.promise(() => emulator.awaitInitError())
      expect(initError.document).toMatchObject({ errorType: "PaymentDeclined" })
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("PaymentDeclined")
    }))
})

/**
 * A Runtime API that answers `/next` with invocations (one per `/next`, `limit` of them, then
 * parks the poll) and every `/response` with `status`; `"drop"` drops its connection instead.
 */
const scriptedApi = (status: number | "drop", limit = 2) =>
  Effect.acquireRelease(
    Effect.callback<{
      readonly server: http.Server
      readonly host: string
      readonly nexts: Deferred.Deferred<void>
      readonly responses: () => number
    }>(
      (resume) => {
        const secondNext = Deferred.makeUnsafe<void>()
        let nexts = 0
        let responses = 0
        const server = http.createServer((req, res) => {
          req.resume()
          req.on("end", () => {
            if (req.url?.endsWith("/invocation/next")) {
              nexts++
              if (nexts === 2) Deferred.doneUnsafe(secondNext, Exit.void)
              if (nexts > limit) return // parked: closed with the server
              res.writeHead(200, {
                "lambda-runtime-aws-request-id": `req-${nexts}`,
                "lambda-runtime-deadline-ms": String(Date.now() + 10_000),
                "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:test-fn",
                "content-type": "application/json"
              })
              res.end("{}")
            } else if (status === "drop" && req.url?.endsWith("/response") === true) {
              responses++
              req.socket.destroy()
            } else {
              const refused = req.url?.endsWith("/response") === true
              res.writeHead(refused && status !== "drop" ? status : 202, { "content-type": "application/json" })
              res.end(refused ? `{"errorType":"InvalidRequestID","errorMessage":"scripted"}` : "{}")
            }
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          resume(Effect.succeed({ server, host: `127.0.0.1:${port}`, nexts: secondNext, responses: () => responses }))
        })
      }
    ),
    ({ server }) =>
      Effect.sync(() => {
        server.closeAllConnections()
        server.close()
      })
  )

describe("Effect 4: what a failed post means", () => {
  for (const status of [400, 403, 410, 413]) {
    it.live(`a /response answered ${status} is logged and the loop goes on to the next invocation`, () =>
      Effect.gen(function*() {
        const api = yield* scriptedApi(status)
        const fiber = yield* serveOn(
          { environment: { AWS_LAMBDA_RUNTIME_API: api.host } },
          LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess)
        )
        yield* Deferred.await(api.nexts)
        expect(fiber.pollUnsafe()).toBeUndefined()
      }))
  }

  for (const status of [500, 503]) {
    it.live(`a /response answered ${status} is fatal: the runtime stops with FatalRuntimeError`, () =>
      Effect.gen(function*() {
        const api = yield* scriptedApi(status)
        const fiber = yield* serveOn(
          { environment: { AWS_LAMBDA_RUNTIME_API: api.host } },
          LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess)
        )
        const exit = yield* Fiber.await(fiber)
        expect(Exit.isFailure(exit) && String(exit.cause)).toContain("FatalRuntimeError")
        expect(yield* Deferred.isDone(api.nexts)).toBe(false)
      }))
  }

  it.live("a /response whose connection drops is retried with the schedule (4 attempts), then fatal", () =>
    Effect.gen(function*() {
      const api = yield* scriptedApi("drop")
      const fiber = yield* serveOn(
        { environment: { AWS_LAMBDA_RUNTIME_API: api.host } },
        LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess)
      )
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("FatalRuntimeError")
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("unreachable")
      expect(api.responses()).toBe(4)
    }))
})

/**
 * A child process starts TypeScript through tsx: seconds on a loaded machine, past vitest's default
 * 5 s (the root suite's processes have 60 s, its config's `testTimeout`).
 */
const processTimeout = { timeout: 60_000 }

describe("Effect 4: the runtime as a process", () => {
  it.live("run(LambdaHandler.stream) serves the streamed response", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* spawnFunction("test/fixtures/streaming.ts", emulator.environment)
      const record = yield* Effect.promise(() => emulator.invoke({ rows: 2 }))
      expect(record.outcome).toMatchObject({ _tag: "Response", text: "row 1\nrow 2\n", contentType: "text/csv" })
    }), processTimeout)

  it.live("a streamed /response answered 500 makes the process exit 1", () =>
    Effect.gen(function*() {
      const api = yield* scriptedApi(500)
      const failing = yield* spawnFunction("test/fixtures/streaming.ts", { AWS_LAMBDA_RUNTIME_API: api.host })
      expect(yield* failing.exited).toBe(1)
      // The fatal error is logged where it happened (the process's handler does not print it again).
      expect(failing.stdout()).toMatch(/\tFATAL\t.*\(HTTP 500.*non-recoverable state, exiting/)
    }), processTimeout)
})
