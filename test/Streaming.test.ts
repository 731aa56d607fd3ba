import { describe, expect, it } from "@effect/vitest"
import { Context, Data, Deferred, Effect, Fiber, Layer, Stream } from "effect"
import * as Emulator from "../src/Emulator.js"
import * as P from "../src/internal/core/protocol.js"
import { maxStreamedBytes } from "../src/internal/runtime/streaming.js"
import { LambdaContext, LambdaHandler, LambdaRuntime } from "../src/index.js"
import { startEarlyAnswerApi } from "./earlyAnswerApi.js"
import { spawnFunction } from "./process.js"
import { csvAuditLine, csvEvent, csvExpected, csvSeen } from "./streamingExample.js"
import { inProcess, now, request, serveOn } from "./support.js"

const MB = 1024 * 1024

class CsvBroken extends Data.TaggedError("CsvBroken")<{ readonly line: number }> {
  override get message() {
    return `line ${this.line} has no closing quote`
  }
}

interface ErrorOutcome {
  readonly _tag: "Error"
  readonly errorTypeHeader?: string
  readonly document: { readonly errorType: string; readonly errorMessage: string; readonly stackTrace: Array<string> }
  readonly streamedBody?: Uint8Array
}

const asError = (record: Emulator.InvocationRecord): ErrorOutcome => {
  expect(record.outcome?._tag).toBe("Error")
  return record.outcome as ErrorOutcome
}

const asResponse = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Response")
  return record.outcome as Extract<Emulator.InvocationOutcome, { _tag: "Response" }>
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString()

/** Invokes through the RIE-compatible endpoint, as curl would. */
const invokeEndpoint = (emulator: Emulator.EmulatorService, options: Parameters<typeof request>[3] = {}) =>
  request(emulator.host, "POST", P.paths.invoke, { body: "{}", ...options })

describe("Streaming", () => {
  it.scopedLive("streams with the response-mode header and chunked encoding; strings are UTF-8", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(
            (event: { readonly name: string }) => Stream.make("héllo ", new TextEncoder().encode(event.name)),
            {
              contentType: "text/plain; charset=utf-8"
            }
          ),
          inProcess
        )
      )
      const record = yield* emulator.invoke({ name: "world" })
      expect(asResponse(record)).toMatchObject({
        text: "héllo world",
        streaming: true,
        contentType: "text/plain; charset=utf-8"
      })
      expect(record.posts).toEqual([expect.objectContaining({ kind: "response", status: 202 })])
    }))

  it.scopedLive("delivers the first byte before the handler's stream has finished (TTFB)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const gate = yield* Deferred.make<void>()
      const producerDone = yield* Deferred.make<number>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.concat(
              Stream.make("first;"),
              // The rest only comes once the test has seen the first byte arrive.
              Stream.fromEffect(Deferred.await(gate).pipe(Effect.as("second")))
            ).pipe(Stream.ensuring(Effect.flatMap(Effect.sync(now), (at) => Deferred.succeed(producerDone, at))))
          ),
          inProcess
        )
      )
      const pending = yield* emulator.enqueue({})
      const firstByteAt = yield* emulator.awaitFirstByte(pending.requestId)
      expect(yield* Deferred.isDone(producerDone)).toBe(false)
      expect((yield* emulator.streamProgress(pending.requestId)).bytes).toBe("first;".length)
      yield* Deferred.succeed(gate, undefined)
      const record = yield* pending.result
      expect(asResponse(record).text).toBe("first;second")
      expect(firstByteAt).toBeLessThan(yield* Deferred.await(producerDone))
      expect(record.lastByteAt!).toBeGreaterThan(firstByteAt)
    }))

  it.scopedLive("the invoke endpoint passes chunks on to its caller as they arrive", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const gate = yield* Deferred.make<void>()
      const callerSawFirst = yield* Deferred.make<string>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.concat(
              Stream.make("data: 1\n\n"),
              Stream.fromEffect(Deferred.await(gate).pipe(Effect.as("data: 2\n\n")))
            ), {
            contentType: "text/event-stream"
          }),
          inProcess
        )
      )
      yield* emulator.awaitNextRequest(1)
      const call = yield* Effect.fork(invokeEndpoint(emulator, {
        onData: (chunk) => Deferred.unsafeDone(callerSawFirst, Effect.succeed(chunk.toString()))
      }))
      expect(yield* Deferred.await(callerSawFirst)).toBe("data: 1\n\n")
      yield* Deferred.succeed(gate, undefined)
      const reply = yield* Fiber.join(call)
      expect(reply.status).toBe(200)
      expect(reply.headers["content-type"]).toBe("text/event-stream")
      expect(reply.headers["transfer-encoding"]).toBe("chunked")
      expect(reply.text).toBe("data: 1\n\ndata: 2\n\n")
      expect(reply.trailers["x-amz-function-error"]).toBeUndefined()
    }))

  it.scopedLive("a 50 MB stream arrives whole, produced incrementally under backpressure", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 60_000 })
      const chunk = new Uint8Array(64 * 1024).fill(120)
      const total = 50 * MB
      const chunks = total / chunk.byteLength
      let produced = 0
      let maxAhead = 0
      let producedBeforeFirstByte: number | undefined
      let producerDoneAt = 0
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream((_: unknown, context: LambdaContext) =>
            Stream.range(1, chunks).pipe(
              // Every pull compares what was produced with what the emulator has received.
              Stream.mapEffect(() =>
                Effect.map(emulator.streamProgress(context.requestId), (progress) => {
                  if (progress.firstByteAt === undefined) producedBeforeFirstByte = produced
                  maxAhead = Math.max(maxAhead, produced - progress.bytes)
                  produced += chunk.byteLength
                  return chunk
                })
              ),
              Stream.ensuring(Effect.sync(() => (producerDoneAt = now())))
            )
          ),
          inProcess
        )
      )
      const record = yield* emulator.invoke({})
      const outcome = asResponse(record)
      expect(outcome.body.byteLength).toBe(total)
      expect(produced).toBe(total)
      expect(record.firstByteAt!).toBeLessThan(producerDoneAt)
      // Without backpressure the producer would run ahead by most of the 50 MB; with it, by
      // no more than what the socket buffers between the two hold.
      expect(maxAhead).toBeLessThan(24 * MB)
      expect(producedBeforeFirstByte!).toBeLessThan(24 * MB)
    }))

  it.scopedLive("a slow invoke caller slows the producer (backpressure through the emulator)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 60_000 })
      const chunk = new Uint8Array(64 * 1024).fill(121)
      const total = 48 * MB
      let produced = 0
      let received = 0
      let maxAhead = 0
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.range(1, total / chunk.byteLength).pipe(
              Stream.mapEffect(() =>
                Effect.sync(() => {
                  maxAhead = Math.max(maxAhead, produced - received)
                  produced += chunk.byteLength
                  return chunk
                })
              )
            )
          ),
          inProcess
        )
      )
      yield* emulator.awaitNextRequest(1)
      const reply = yield* invokeEndpoint(emulator, {
        // A reader that takes a macrotask break after every chunk it reads.
        onData: (data, res) => {
          received += data.byteLength
          res.pause()
          setImmediate(() => res.resume())
        }
      })
      expect(reply.body.byteLength).toBe(total)
      expect(maxAhead).toBeLessThan(32 * MB)
    }))

  it.scopedLive("a failure after the first byte ends the stream with trailers that decode to the error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const released = yield* Deferred.make<void>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.make("id,name\n", "1,ok\n").pipe(
              Stream.concat(Stream.fail(new CsvBroken({ line: 3 }))),
              Stream.ensuring(Deferred.succeed(released, undefined))
            ), { contentType: "text/csv" }),
          inProcess
        )
      )
      const record = yield* emulator.invoke({})
      const outcome = asError(record)
      expect(outcome.errorTypeHeader).toBe("CsvBroken")
      expect(outcome.document).toMatchObject({ errorType: "CsvBroken", errorMessage: "line 3 has no closing quote" })
      expect(Array.isArray(outcome.document.stackTrace)).toBe(true)
      expect(text(outcome.streamedBody)).toBe("id,name\n1,ok\n")
      expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["response", 202]])
      expect(yield* Deferred.isDone(released)).toBe(true)
    }))

  it.scopedLive("a defect after the first byte keeps its Error name; the invoke caller gets the trailers", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.make("partial").pipe(Stream.concat(Stream.die(new TypeError("x is not a function"))))
          ),
          inProcess
        )
      )
      yield* emulator.awaitNextRequest(1)
      const reply = yield* invokeEndpoint(emulator)
      expect(reply.status).toBe(200)
      expect(reply.text).toBe("partial")
      expect(reply.trailers["x-amz-function-error"]).toBe("Unhandled")
      expect(reply.trailers["lambda-runtime-function-error-type"]).toBe("TypeError")
      const document = JSON.parse(
        Buffer.from(reply.trailers["lambda-runtime-function-error-body"]!, "base64").toString()
      )
      expect(document).toMatchObject({ errorType: "TypeError", errorMessage: "x is not a function" })
    }))

  it.scopedLive("a failure before the first byte posts /error (nothing was streamed)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() => Stream.fail(new CsvBroken({ line: 1 }))),
          inProcess
        )
      )
      const record = yield* emulator.invoke({})
      expect(asError(record)).toMatchObject({
        errorTypeHeader: "CsvBroken",
        document: { errorType: "CsvBroken", errorMessage: "line 1 has no closing quote" }
      })
      expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["error", 202]])
      expect(record.firstByteAt).toBeUndefined()
    }))

  it.scopedLive("an empty stream is an empty streamed response", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(emulator, LambdaRuntime.serve(LambdaHandler.stream(() => Stream.empty), inProcess))
      const record = yield* emulator.invoke({})
      expect(asResponse(record)).toMatchObject({ text: "", streaming: true, contentType: P.contentTypes.octetStream })
    }))

  describe("HTTP integration", () => {
    const prelude = (json: string) => Buffer.concat([Buffer.from(json), Buffer.alloc(8)])

    it.scopedLive("writes the JSON prelude, eight NUL bytes and the body, byte for byte", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            LambdaHandler.httpStream(() => ({
              statusCode: 201,
              headers: { "content-type": "text/html" },
              cookies: ["a=1; Path=/", "b=2; HttpOnly"],
              body: Stream.make("<h1>", new TextEncoder().encode("hi</h1>"))
            })),
            inProcess
          )
        )
        const record = yield* emulator.invoke({})
        const outcome = asResponse(record)
        expect(outcome.contentType).toBe("application/vnd.awslambda.http-integration-response")
        expect(
          Buffer.from(outcome.body).equals(Buffer.concat([
            prelude(
              `{"statusCode":201,"headers":{"content-type":"text/html"},"cookies":["a=1; Path=/","b=2; HttpOnly"]}`
            ),
            Buffer.from("<h1>hi</h1>")
          ]))
        ).toBe(true)
        expect(outcome.http).toMatchObject({
          _tag: "Decoded",
          statusCode: 201,
          headers: { "content-type": "text/html" },
          cookies: ["a=1; Path=/", "b=2; HttpOnly"]
        })
      }))

    it.scopedLive("writes the prelude even when the body is empty", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(emulator, LambdaRuntime.serve(LambdaHandler.httpStream(() => ({ statusCode: 204 })), inProcess))
        const record = yield* emulator.invoke({})
        expect(Buffer.from(asResponse(record).body).equals(prelude(`{"statusCode":204}`))).toBe(true)
        expect(LambdaHandler.httpPrelude({})).toEqual(new Uint8Array(prelude(`{"statusCode":200}`)))
      }))

    it.scopedLive("the invoke endpoint turns the prelude into the status line, headers and cookies", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const gate = yield* Deferred.make<void>()
        const head = yield* Deferred.make<{ status: number; cookies: ReadonlyArray<string> }>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            LambdaHandler.httpStream((event: { readonly page: string }) =>
              Effect.succeed({
                statusCode: 404,
                headers: { "content-type": "text/plain", "x-page": event.page },
                cookies: ["seen=1"],
                body: Stream.concat(
                  Stream.make("not "),
                  Stream.fromEffect(Deferred.await(gate).pipe(Effect.as("found")))
                )
              })
            ),
            inProcess
          )
        )
        yield* emulator.awaitNextRequest(1)
        const call = yield* Effect.fork(invokeEndpoint(emulator, {
          body: `{"page":"/x"}`,
          onResponse: (res) =>
            Deferred.unsafeDone(
              head,
              Effect.succeed({ status: res.statusCode!, cookies: res.headers["set-cookie"] ?? [] })
            )
        }))
        // The head arrives while the body is still being produced.
        expect(yield* Deferred.await(head)).toEqual({ status: 404, cookies: ["seen=1"] })
        yield* Deferred.succeed(gate, undefined)
        const reply = yield* Fiber.join(call)
        expect(reply.headers).toMatchObject({ "content-type": "text/plain", "x-page": "/x" })
        expect(reply.text).toBe("not found")
      }))
  })

  describe("limits and the deadline", () => {
    it.scopedLive("a stream still open at deadline - margin ends with a timeout trailer and its finalizers run", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
        const finalized = yield* Deferred.make<number>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            LambdaHandler.stream(() =>
              Stream.concat(Stream.make("tick\n"), Stream.never).pipe(
                Stream.ensuring(Effect.flatMap(Effect.sync(now), (at) => Deferred.succeed(finalized, at)))
              )
            ),
            { ...inProcess, timeoutMargin: "200 millis" }
          )
        )
        const record = yield* emulator.invoke({})
        const outcome = asError(record)
        expect(outcome.errorTypeHeader).toBe("Runtime.HandlerTimeout")
        expect(outcome.document.errorMessage).toMatch(/^Task timed out after 0\.\d\d seconds/)
        expect(text(outcome.streamedBody)).toBe("tick\n")
        const finalizedAt = yield* Deferred.await(finalized)
        expect(finalizedAt).toBeGreaterThanOrEqual(record.deadlineMs - 200)
        expect(record.resultAt!).toBeLessThan(record.deadlineMs)
        const nextAt = yield* emulator.awaitNextRequest(2)
        expect(nextAt).toBeLessThan(record.deadlineMs)
      }))

    it.scopedLive("a stream over the size limit ends with a Function.ResponseSizeTooLarge trailer", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const released = yield* Deferred.make<void>()
        let pulled = 0
        // The limit is lowered through the internal FiberRef instead of streaming 200 MB.
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            LambdaHandler.stream(() =>
              Stream.range(1, 10).pipe(
                Stream.rechunk(1),
                Stream.map(() => {
                  pulled++
                  return new Uint8Array(400).fill(122)
                }),
                Stream.ensuring(Deferred.succeed(released, undefined))
              )
            ),
            inProcess
          ).pipe(Effect.locally(maxStreamedBytes, 1000))
        )
        const record = yield* emulator.invoke({})
        const outcome = asError(record)
        expect(outcome.errorTypeHeader).toBe("Function.ResponseSizeTooLarge")
        expect(outcome.document.errorMessage).toBe(
          "Streamed response size (at least 1200 bytes) exceeded maximum allowed payload size (1000 bytes)."
        )
        expect(outcome.streamedBody?.byteLength).toBe(800)
        expect(pulled).toBeLessThan(10)
        expect(yield* Deferred.isDone(released)).toBe(true)
      }))

    it.scopedLive("a stream that has produced nothing by the deadline is reported with /error", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 700 })
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(LambdaHandler.stream(() => Stream.never), { ...inProcess, timeoutMargin: "200 millis" })
        )
        const record = yield* emulator.invoke({})
        expect(asError(record).errorTypeHeader).toBe("Runtime.HandlerTimeout")
        expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["error", 202]])
      }))

    it.scopedLive("a first element over the limit is reported with /error", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(LambdaHandler.stream(() => Stream.make(new Uint8Array(2000))), inProcess).pipe(
            Effect.locally(maxStreamedBytes, 1000)
          )
        )
        const record = yield* emulator.invoke({})
        expect(asError(record).document.errorType).toBe("Function.ResponseSizeTooLarge")
        expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["error", 202]])
      }))

    it.scopedLive("the default limit is the platform's 200 MB", () =>
      Effect.sync(() => {
        expect(P.MAX_STREAMED_RESPONSE_BYTES).toBe(200 * MB)
      }))
  })

  it.scopedLive("detached work forked from inside the stream runs after the stream ends and before /next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const gate = yield* Deferred.make<void>()
      const detachedDone = yield* Deferred.make<number>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.make("a", "b").pipe(
              Stream.tap((item) =>
                item === "b"
                  ? LambdaContext.detach(
                    Deferred.await(gate).pipe(
                      Effect.zipRight(Effect.sync(now)),
                      Effect.flatMap((at) => Deferred.succeed(detachedDone, at))
                    )
                  )
                  : Effect.void
              )
            )
          ),
          inProcess
        )
      )
      const record = yield* emulator.invoke({})
      expect(asResponse(record).text).toBe("ab")
      expect(yield* Deferred.isDone(detachedDone)).toBe(false)
      yield* Deferred.succeed(gate, undefined)
      const finishedAt = yield* Deferred.await(detachedDone)
      const nextAt = yield* emulator.awaitNextRequest(2)
      expect(nextAt).toBeGreaterThanOrEqual(finishedAt)
      expect(record.resultAt!).toBeLessThan(finishedAt)
    }))

  it.scopedLive("examples/streaming.ts streams a CSV export through the invoke endpoint", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction("examples/streaming.ts", emulator.environment)
      yield* emulator.awaitNextRequest(1)
      const reply = yield* invokeEndpoint(emulator, { body: JSON.stringify(csvEvent) })
      // What both lines' streaming.ts examples stream alike (test/streamingExample.ts).
      const seen = csvSeen({
        statusCode: reply.status,
        contentType: reply.headers["content-type"] as string | undefined,
        cookies: reply.headers["set-cookie"],
        body: reply.text
      })
      expect(seen).toEqual(csvExpected(String(reply.headers["x-amzn-requestid"])))
      yield* fn.awaitOutput(csvAuditLine)
      yield* emulator.awaitNextRequest(2)
      const [record] = yield* emulator.invocations
      expect(record!.posts).toEqual([expect.objectContaining({ kind: "response", status: 202 })])
    }))

  it.scopedLive("a stream the platform answers early (400) stops, is logged, and frees the connection", () =>
    Effect.gen(function*() {
      const stopped = yield* Deferred.make<void>()
      // This platform answers while the body is still coming.
      const api = yield* Effect.acquireRelease(
        Effect.promise(startEarlyAnswerApi),
        (api) => Effect.promise(api.close)
      )
      const host = api.host
      const { logs } = yield* serveOn(
        { host, environment: {} } as unknown as Emulator.EmulatorService,
        LambdaRuntime.serve(
          LambdaHandler.stream((event: { readonly n: number }) =>
            event.n === 1
              ? Stream.repeatValue(new Uint8Array(64 * 1024)).pipe(
                Stream.ensuring(Deferred.succeed(stopped, undefined))
              )
              : Stream.make("second")
          ),
          inProcess
        )
      )
      expect(yield* Effect.promise(() => api.secondBody)).toBe("second")
      yield* Effect.promise(() => api.thirdNext)
      expect(yield* Deferred.isDone(stopped)).toBe(true)
      expect(logs.find((l) => l.level === "WARN" && l.message.includes("HTTP 400 InvalidRequestID"))).toBeDefined()
    }))

  it.scopedLive("the stream uses services from the runtime's layer", () =>
    Effect.gen(function*() {
      class Rows extends Context.Tag("test/Rows")<Rows, { readonly page: (n: number) => Effect.Effect<string> }>() {}
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.range(1, 3).pipe(Stream.mapEffect((n) => Effect.flatMap(Rows, (rows) => rows.page(n))))
          ),
          { ...inProcess, layer: Layer.succeed(Rows, { page: (n) => Effect.succeed(`page ${n};`) }) }
        )
      )
      expect(asResponse(yield* emulator.invoke({})).text).toBe("page 1;page 2;page 3;")
    }))

  it.scopedLive("the stream runs with the request id annotation and LambdaContext", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const { logs } = yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.make("x").pipe(
              Stream.tap(() =>
                Effect.flatMap(LambdaContext, (context) => Effect.log(`streaming for ${context.requestId}`))
              )
            )
          ),
          inProcess
        )
      )
      const record = yield* emulator.invoke({})
      const line = logs.find((l) => l.message.startsWith("streaming for"))
      expect(line?.message).toBe(`streaming for ${record.requestId}`)
      expect(Object.values(line!.annotations)).toContain(record.requestId)
    }))
})
