/**
 * Response streaming on the Effect 4 line, through the emulator: the shared core's `node:http`
 * writer driven by the handler's fiber. The cases are the Effect 3 line's (test/Streaming.test.ts),
 * so both lines pin the same rules: chunks and content type, the first byte before the stream
 * ends, error trailers after the first byte and `/error` before it, the deadline, the size limit
 * and the HTTP integration prelude.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Data, Deferred, Effect, Fiber, Layer, Stream } from "effect"
import * as http from "node:http"
import { startEarlyAnswerApi } from "../../../test/earlyAnswerApi.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { Protocol } from "../src/internal/core.js"
import { maxStreamedBytes } from "../src/internal/streaming.js"
import { asError, asResponse, emulatorScoped, inProcess, linesAt, loopOn, serveOn, text } from "./support.js"

class CsvBroken extends Data.TaggedError("CsvBroken")<{ readonly line: number }> {
  override get message() {
    return `line ${this.line} has no closing quote`
  }
}

class Rows extends Context.Service<Rows, { readonly page: (n: number) => Effect.Effect<string> }>()("test/Rows") {}

const prelude = (json: string) => Buffer.concat([Buffer.from(json), Buffer.alloc(8)])

/**
 * A POST to the emulator's invoke endpoint, as curl would send it; the reply's head is reported
 * as it arrives, and each chunk of its body to `onData` (a reader that can pause the reply).
 */
const invokeEndpoint = (
  host: string,
  body: string,
  onHead: (res: http.IncomingMessage) => void = () => {},
  onData: (chunk: Buffer, res: http.IncomingMessage) => void = () => {}
) =>
  Effect.callback<
    {
      readonly status: number | undefined
      readonly body: Buffer
      readonly text: string
      readonly headers: http.IncomingHttpHeaders
      readonly trailers: NodeJS.Dict<string>
    }
  >(
    (resume) => {
      const [hostname, port] = host.split(":")
      const req = http.request(
        { host: hostname, port: Number(port), method: "POST", path: Protocol.paths.invoke, agent: false },
        (res) => {
          onHead(res)
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => {
            chunks.push(chunk)
            onData(chunk, res)
          })
          res.on("end", () => {
            const body = Buffer.concat(chunks)
            resume(Effect.succeed({
              status: res.statusCode,
              body,
              text: body.toString(),
              headers: res.headers,
              trailers: res.trailers
            }))
          })
        }
      )
      req.on("error", (error) => resume(Effect.die(error)))
      req.end(body)
    }
  )

describe("Effect 4: streaming", () => {
  it.live("streams with the response-mode header and chunked encoding; strings are UTF-8", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(
            (event: { readonly name: string }) => Stream.make("héllo ", new TextEncoder().encode(event.name)),
            { contentType: "text/plain; charset=utf-8" }
          ),
          inProcess
        )
      )
      const record = yield* Effect.promise(() => emulator.invoke({ name: "world" }))
      expect(asResponse(record)).toMatchObject({
        text: "héllo world",
        streaming: true,
        contentType: "text/plain; charset=utf-8"
      })
      expect(record.posts).toEqual([expect.objectContaining({ kind: "response", status: 202 })])
    }))

  it.live("delivers the first byte before the handler's stream has finished (TTFB)", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      const gate = yield* Deferred.make<void>()
      const producerDone = yield* Deferred.make<number>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.concat(
              Stream.make("first;"),
              // The rest only comes once the test has seen the first byte arrive.
              Stream.fromEffect(Effect.as(Deferred.await(gate), "second"))
            ).pipe(
              // The emulator's clock (sub-millisecond): with Date.now() a stream that ends within
              // the first byte's millisecond would read as ending before it.
              Stream.ensuring(
                Effect.suspend(() => Deferred.succeed(producerDone, performance.timeOrigin + performance.now()))
              )
            )
          ),
          inProcess
        )
      )
      const pending = yield* Effect.promise(() => emulator.enqueue({}))
      const firstByteAt = yield* Effect.promise(() => emulator.awaitFirstByte(pending.requestId))
      expect(yield* Deferred.isDone(producerDone)).toBe(false)
      yield* Deferred.succeed(gate, undefined)
      const record = yield* Effect.promise(pending.result)
      expect(asResponse(record).text).toBe("first;second")
      expect(firstByteAt).toBeLessThan(yield* Deferred.await(producerDone))
    }))

  it.live("a 50 MB stream arrives whole, produced incrementally under backpressure", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 60_000 })
      const chunk = new Uint8Array(64 * 1024).fill(120)
      const total = 50 * 1024 * 1024
      let produced = 0
      let maxAhead = 0
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream((_: unknown, context) =>
            Stream.range(1, total / chunk.byteLength).pipe(
              // Every pull compares what was produced with what the emulator has received.
              Stream.mapEffect(() =>
                Effect.map(Effect.promise(() => emulator.streamProgress(context.requestId)), (progress) => {
                  maxAhead = Math.max(maxAhead, produced - progress.bytes)
                  produced += chunk.byteLength
                  return chunk
                })
              )
            )
          ),
          inProcess
        )
      )
      const record = yield* Effect.promise(() => emulator.invoke({}))
      expect(asResponse(record).body.byteLength).toBe(total)
      expect(produced).toBe(total)
      // Without backpressure the producer would run ahead by most of the 50 MB; with it, by no
      // more than what the writer's buffer and the sockets between the two hold.
      expect(maxAhead).toBeLessThan(24 * 1024 * 1024)
    }), { timeout: 60_000 })

  it.live("a slow invoke caller slows the producer (backpressure through the emulator)", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 60_000 })
      const chunk = new Uint8Array(64 * 1024).fill(121)
      const total = 48 * 1024 * 1024
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
      yield* Effect.promise(() => emulator.awaitNextRequest(1))
      // A reader that takes a macrotask break after every chunk it reads.
      const reply = yield* invokeEndpoint(emulator.host, "{}", undefined, (data, res) => {
        received += data.byteLength
        res.pause()
        setImmediate(() => res.resume())
      })
      expect(reply.body.byteLength).toBe(total)
      expect(maxAhead).toBeLessThan(32 * 1024 * 1024)
    }), { timeout: 60_000 })

  it.live("a failure after the first byte ends the stream with trailers that decode to the error", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
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
      const record = yield* Effect.promise(() => emulator.invoke({}))
      const outcome = asError(record)
      expect(outcome.errorTypeHeader).toBe("CsvBroken")
      expect(outcome.document).toMatchObject({ errorType: "CsvBroken", errorMessage: "line 3 has no closing quote" })
      expect(Array.isArray(outcome.document.stackTrace)).toBe(true)
      expect(text(outcome.streamedBody)).toBe("id,name\n1,ok\n")
      expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["response", 202]])
      expect(yield* Deferred.isDone(released)).toBe(true)
    }))

  it.live("a defect after the first byte keeps its Error name; the invoke caller gets the trailers", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.make("partial").pipe(Stream.concat(Stream.die(new TypeError("x is not a function"))))
          ),
          inProcess
        )
      )
      yield* Effect.promise(() => emulator.awaitNextRequest(1))
      const reply = yield* invokeEndpoint(emulator.host, "{}")
      expect(reply.status).toBe(200)
      expect(reply.text).toBe("partial")
      expect(reply.trailers["x-amz-function-error"]).toBe("Unhandled")
      expect(reply.trailers["lambda-runtime-function-error-type"]).toBe("TypeError")
      const document = JSON.parse(
        Buffer.from(reply.trailers["lambda-runtime-function-error-body"]!, "base64").toString()
      )
      expect(document).toMatchObject({ errorType: "TypeError", errorMessage: "x is not a function" })
    }))

  it.live("a failure before the first byte posts /error (nothing was streamed)", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(LambdaHandler.stream(() => Stream.fail(new CsvBroken({ line: 1 }))), inProcess)
      )
      const record = yield* Effect.promise(() => emulator.invoke({}))
      expect(asError(record)).toMatchObject({
        errorTypeHeader: "CsvBroken",
        document: { errorType: "CsvBroken", errorMessage: "line 1 has no closing quote" }
      })
      expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["error", 202]])
      expect(record.firstByteAt).toBeUndefined()
    }))

  it.live("an empty stream is an empty streamed response; a raw handler streams with LambdaHandler.streamed", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.raw((invocation) =>
            Effect.succeed(
              invocation.body.byteLength === 2
                ? LambdaHandler.streamed(Stream.empty)
                : LambdaHandler.streamed(Stream.make("a,b\n", "1,2\n"), "text/csv")
            )
          ),
          inProcess
        )
      )
      const empty = yield* Effect.promise(() => emulator.invoke({}))
      expect(asResponse(empty)).toMatchObject({ text: "", streaming: true, contentType: "application/octet-stream" })
      const csv = yield* Effect.promise(() => emulator.invoke({ rows: 2 }))
      expect(asResponse(csv)).toMatchObject({ text: "a,b\n1,2\n", streaming: true, contentType: "text/csv" })
    }))

  describe("HTTP integration", () => {
    it.live("writes the JSON prelude, eight NUL bytes and the body, byte for byte", () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped()
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
        const outcome = asResponse(yield* Effect.promise(() => emulator.invoke({})))
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
          cookies: ["a=1; Path=/", "b=2; HttpOnly"]
        })
      }))

    it.live("writes the prelude even when the body is empty", () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped()
        yield* serveOn(emulator, LambdaRuntime.serve(LambdaHandler.httpStream(() => ({ statusCode: 204 })), inProcess))
        const record = yield* Effect.promise(() => emulator.invoke({}))
        expect(Buffer.from(asResponse(record).body).equals(prelude(`{"statusCode":204}`))).toBe(true)
        expect(LambdaHandler.httpPrelude({})).toEqual(new Uint8Array(prelude(`{"statusCode":200}`)))
      }))

    it.live("the invoke endpoint turns the prelude into the status line, headers and cookies", () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped()
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
                body: Stream.concat(Stream.make("not "), Stream.fromEffect(Effect.as(Deferred.await(gate), "found")))
              })
            ),
            inProcess
          )
        )
        yield* Effect.promise(() => emulator.awaitNextRequest(1))
        const call = yield* Effect.forkChild(invokeEndpoint(emulator.host, `{"page":"/x"}`, (res) => {
          Deferred.doneUnsafe(
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
    it.live("a stream still open at deadline - margin ends with a timeout trailer and its finalizers run", () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped({ functionTimeoutMs: 1000 })
        const finalized = yield* Deferred.make<number>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            LambdaHandler.stream(() =>
              Stream.concat(Stream.make("tick\n"), Stream.never).pipe(
                Stream.ensuring(Effect.suspend(() => Deferred.succeed(finalized, Date.now())))
              )
            ),
            { ...inProcess, timeoutMargin: "200 millis" }
          )
        )
        const record = yield* Effect.promise(() => emulator.invoke({}))
        const outcome = asError(record)
        expect(outcome.errorTypeHeader).toBe("Runtime.HandlerTimeout")
        expect(outcome.document.errorMessage).toMatch(/^Task timed out after 0\.\d\d seconds/)
        expect(text(outcome.streamedBody)).toBe("tick\n")
        expect(yield* Deferred.await(finalized)).toBeGreaterThanOrEqual(record.deadlineMs - 200)
        expect(record.resultAt!).toBeLessThan(record.deadlineMs)
        expect(record.posts.map((post) => post.kind)).toEqual(["response"])
        expect(yield* Effect.promise(() => emulator.awaitNextRequest(2))).toBeLessThan(record.deadlineMs)
      }))

    it.live("a stream over the size limit ends with a Function.ResponseSizeTooLarge trailer", () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped()
        const released = yield* Deferred.make<void>()
        let pulled = 0
        // The limit is lowered through the internal reference instead of streaming 200 MB.
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
          ).pipe(Effect.provideService(maxStreamedBytes, 1000))
        )
        const outcome = asError(yield* Effect.promise(() => emulator.invoke({})))
        expect(outcome.errorTypeHeader).toBe("Function.ResponseSizeTooLarge")
        expect(outcome.document.errorMessage).toBe(
          "Streamed response size (at least 1200 bytes) exceeded maximum allowed payload size (1000 bytes)."
        )
        expect(outcome.streamedBody?.byteLength).toBe(800)
        expect(pulled).toBeLessThan(10)
        expect(yield* Deferred.isDone(released)).toBe(true)
      }))

    it.live("a stream that has produced nothing by the deadline is reported with /error", () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped({ functionTimeoutMs: 700 })
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(LambdaHandler.stream(() => Stream.never), { ...inProcess, timeoutMargin: "200 millis" })
        )
        const record = yield* Effect.promise(() => emulator.invoke({}))
        expect(asError(record).errorTypeHeader).toBe("Runtime.HandlerTimeout")
        expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["error", 202]])
      }))

    it.live("a first element over the limit is reported with /error", () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(LambdaHandler.stream(() => Stream.make(new Uint8Array(2000))), inProcess).pipe(
            Effect.provideService(maxStreamedBytes, 1000)
          )
        )
        const record = yield* Effect.promise(() => emulator.invoke({}))
        expect(asError(record).document.errorType).toBe("Function.ResponseSizeTooLarge")
        expect(record.posts.map((post) => [post.kind, post.status])).toEqual([["error", 202]])
      }))

    it.live("the default limit is the platform's 200 MB", () =>
      Effect.gen(function*() {
        expect(yield* maxStreamedBytes).toBe(200 * 1024 * 1024)
      }))
  })
  it.live("the stream uses services from the runtime's layer and runs with LambdaContext", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream(() =>
            Stream.range(1, 3).pipe(
              Stream.mapEffect((n) => Effect.flatMap(Effect.service(Rows), (rows) => rows.page(n))),
              Stream.concat(
                Stream.fromEffect(Effect.map(Effect.service(LambdaContext), (context) => context.requestId))
              )
            )
          ),
          { ...inProcess, layer: Layer.succeed(Rows, Rows.of({ page: (n) => Effect.succeed(`page ${n};`) })) }
        )
      )
      const record = yield* Effect.promise(() => emulator.invoke({}))
      expect(asResponse(record).text).toBe(`page 1;page 2;page 3;${record.requestId}`)
    }))

  it.live("a stream the platform answers early (400) stops, is logged, and the connection serves the next invocation", () =>
    Effect.gen(function*() {
      const stopped = yield* Deferred.make<void>()
      // This platform answers while the body is still coming.
      const api = yield* Effect.acquireRelease(
        Effect.promise(startEarlyAnswerApi),
        (api) => Effect.promise(api.close)
      )
      // The loop `serve` runs, with the lines it logs.
      const { lines } = yield* loopOn(
        api.host,
        LambdaHandler.stream((event: { readonly n: number }) =>
          event.n === 1
            ? Stream.ensuring(
              Stream.forever(Stream.succeed(new Uint8Array(64 * 1024))),
              Deferred.succeed(stopped, undefined)
            )
            : Stream.make("second")
        )
      )
      expect(yield* Effect.promise(() => api.secondBody)).toBe("second")
      yield* Effect.promise(() => api.thirdNext)
      expect(yield* Deferred.isDone(stopped)).toBe(true)
      expect(linesAt(lines, "WARN").join("\n")).toMatch(/\treq-1\tWARN\t.*HTTP 400 InvalidRequestID/)
    }))

  it.live("detached work forked from inside the stream runs after the stream ends and before /next", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
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
                      Effect.andThen(
                        Effect.suspend(() => Deferred.succeed(detachedDone, performance.timeOrigin + performance.now()))
                      )
                    )
                  )
                  : Effect.void
              )
            )
          ),
          inProcess
        )
      )
      const record = yield* Effect.promise(() => emulator.invoke({}))
      expect(asResponse(record).text).toBe("ab")
      expect(yield* Deferred.isDone(detachedDone)).toBe(false)
      yield* Deferred.succeed(gate, undefined)
      const finishedAt = yield* Deferred.await(detachedDone)
      const nextAt = yield* Effect.promise(() => emulator.awaitNextRequest(2))
      expect(nextAt).toBeGreaterThanOrEqual(finishedAt)
      expect(record.resultAt!).toBeLessThan(finishedAt)
    }))
})
