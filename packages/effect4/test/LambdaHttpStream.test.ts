/**
 * The Effect 4 line's LambdaHttp with streamed responses (`{ stream: true }`, a Function URL in
 * `RESPONSE_STREAM` mode) through the real protocol: the project's emulator on loopback decodes
 * the HTTP integration stream (prelude, delimiter, body) of each `/response`. The first two cases
 * are the Effect 3 line's (root test/LambdaHttp.test.ts, "LambdaHttp streaming"); the others pin
 * what a stream does when it fails and what its request's scope is while it runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Schema, Stream } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { fixture, withPath } from "../../../test/httpFixtures.js"
import type * as Emulator from "../src/Emulator.js"
import * as LambdaHttp from "../src/LambdaHttp.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { Protocol } from "../src/internal/core.js"
import { emulatorScoped, responses, router, start } from "./httpSupport.js"
import { asError, asResponse, inProcess, serveOn, text } from "./support.js"

type Decoded = Extract<Emulator.HttpIntegrationResponse, { _tag: "Decoded" }>

/** The HTTP response the caller of the Function URL gets from a streamed invocation. */
const decoded = (record: Emulator.InvocationRecord): Decoded => {
  const outcome = asResponse(record)
  expect({ streaming: outcome.streaming, contentType: outcome.contentType, decoded: outcome.http?._tag }).toEqual({
    streaming: true,
    contentType: Protocol.contentTypes.httpIntegration,
    decoded: "Decoded"
  })
  return outcome.http as Decoded
}

const encoder = new TextEncoder()

describe("Effect 4: LambdaHttp streaming", () => {
  it.live("server-sent events arrive incrementally after the prelude (TTFB before the body ends)", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const events = Stream.concat(
        Stream.make("data: 1\n\n"),
        Stream.fromEffect(Effect.as(Deferred.await(gate), "data: 2\n\n"))
      ).pipe(Stream.encodeText)
      const app = yield* router(HttpRouter.add(
        "GET",
        "/events",
        HttpServerResponse.stream(events, {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-cache" }
        }).pipe(HttpServerResponse.setCookieUnsafe("seen", "1"))
      ))
      const { emulator } = yield* start(LambdaHttp.toHandler(app, { stream: true }))
      const pending = yield* Effect.promise(() => emulator.enqueue(withPath(fixture("function-url"), "/events")))
      // The first event is on the wire while the second waits for the gate.
      const firstByteAt = yield* Effect.promise(() => emulator.awaitFirstByte(pending.requestId))
      const progress = yield* Effect.promise(() => emulator.streamProgress(pending.requestId))
      expect(progress.bytes).toBeGreaterThan(0)
      yield* Deferred.succeed(gate, undefined)
      const record = yield* Effect.promise(pending.result)
      const http = decoded(record)
      expect(http.statusCode).toBe(200)
      expect(http.headers).toMatchObject({ "content-type": "text/event-stream", "cache-control": "no-cache" })
      expect(http.cookies).toEqual(["seen=1"])
      expect(text(http.body)).toBe("data: 1\n\ndata: 2\n\n")
      expect(record.lastByteAt!).toBeGreaterThan(firstByteAt)
    }))

  it.live("buffered bodies, empty bodies and HEAD are framed too; an HttpApi streams with the same option", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(yield* responses, { stream: true }))
      const png = decoded(yield* invoke(withPath(fixture("function-url"), "/png")))
      expect(png.headers["content-type"]).toBe("image/png")
      expect([...png.body]).toEqual([137, 80, 78, 71, 0, 255])
      const empty = decoded(yield* invoke(withPath(fixture("function-url"), "/my/path", "POST")))
      expect(empty).toMatchObject({ statusCode: 204 })
      expect(empty.body.byteLength).toBe(0)
      const head = decoded(yield* invoke(withPath(fixture("function-url"), "/lambda", "HEAD")))
      expect(head.body.byteLength).toBe(0)
      expect(head.cookies).toEqual(["a=1", "b=2"])
      // A route that does not exist is answered 404, framed as well.
      expect(decoded(yield* invoke(withPath(fixture("function-url"), "/nowhere"))).statusCode).toBe(404)

      class Missing extends Schema.TaggedError<Missing>()("Missing", { id: Schema.String }, {
        httpApiStatus: 404
      }) {}
      const Api = HttpApi.make("api").add(
        HttpApiGroup.make("things").add(
          HttpApiEndpoint.get("get", "/things/:id", { params: { id: Schema.String }, error: Missing })
        )
      )
      const ThingsLive = HttpApiBuilder.group(
        Api,
        "things",
        (handlers) => handlers.handle("get", ({ params: { id } }) => Effect.fail(new Missing({ id })))
      )
      const served = yield* emulatorScoped()
      const http = LambdaHttp.fromHttpApi(HttpApiBuilder.layer(Api).pipe(Layer.provide(ThingsLive)), { stream: true })
      yield* serveOn(served, LambdaRuntime.serve(http, inProcess))
      const missing = decoded(
        yield* Effect.promise(() => served.invoke(withPath(fixture("function-url"), "/things/t-1")))
      )
      expect(missing.statusCode).toBe(404)
      expect(JSON.parse(text(missing.body))).toEqual({ _tag: "Missing", id: "t-1" })
    }))

  it.live("a body that fails after its first byte ends the response with the error in the trailers; before it, /error", () =>
    Effect.gen(function*() {
      const app = yield* router(Layer.mergeAll(
        HttpRouter.add(
          "GET",
          "/late",
          HttpServerResponse.stream(
            Stream.concat(Stream.make(encoder.encode("row 1\n")), Stream.fail(new Error("disk gone"))),
            { contentType: "text/csv" }
          )
        ),
        HttpRouter.add(
          "GET",
          "/early",
          HttpServerResponse.stream(Stream.fail(new Error("no disk")), { contentType: "text/csv" })
        )
      ))
      const { invoke, logs } = yield* start(LambdaHttp.toHandler(app, { stream: true }))
      const late = yield* invoke(withPath(fixture("function-url"), "/late"))
      const trailers = asError(late)
      expect(trailers.document).toMatchObject({ errorType: "Error", errorMessage: "disk gone" })
      // The caller had the head and the first row already.
      const body = text(trailers.streamedBody)
      expect(body.startsWith(`{"statusCode":200,"headers":{"content-type":"text/csv"}}`)).toBe(true)
      expect(body.endsWith("\0".repeat(8) + "row 1\n")).toBe(true)
      expect(logs.find(({ cause }) => cause.includes("disk gone"))?.requestId).toBe(late.requestId)

      // Nothing on the wire: a plain /error, the prelude never sent.
      const early = asError(yield* invoke(withPath(fixture("function-url"), "/early")))
      expect(early.document).toMatchObject({ errorType: "Error", errorMessage: "no disk" })
      expect(early.streamedBody).toBeUndefined()
    }))

  it.live("a resource of the request's scope stays open while its body streams, and is released when the body ends", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const app = Effect.gen(function*() {
        // Acquired in the request's scope, which effect/http closes after the response.
        yield* Effect.acquireRelease(
          Effect.sync(() => events.push("opened")),
          () => Effect.sync(() => events.push("released"))
        )
        const rows = Stream.make("a", "b").pipe(
          Stream.tap((row) => Effect.sync(() => events.push(`row ${row}`))),
          Stream.encodeText
        )
        return HttpServerResponse.stream(rows)
      })
      const { invoke } = yield* start(LambdaHttp.toHandler(app, { stream: true }))
      const record = yield* invoke(withPath(fixture("function-url"), "/rows"))
      expect(text(decoded(record).body)).toBe("ab")
      expect(events).toEqual(["opened", "row a", "row b", "released"])
    }))

  it.live("a body that stalls after its first byte is cut at the deadline: a Runtime.HandlerTimeout trailer, the request's resource released", () =>
    Effect.gen(function*() {
      const released = yield* Deferred.make<void>()
      const app = Effect.gen(function*() {
        yield* Effect.acquireRelease(Effect.void, () => Deferred.succeed(released, undefined))
        return HttpServerResponse.stream(Stream.concat(Stream.make(encoder.encode("first")), Stream.never))
      })
      const { invoke } = yield* start(LambdaHttp.toHandler(app, { stream: true }), 1000)
      const record = yield* invoke(withPath(fixture("function-url"), "/stalls"))
      const trailers = asError(record)
      expect(trailers.errorTypeHeader).toBe("Runtime.HandlerTimeout")
      expect(text(trailers.streamedBody).endsWith("\0".repeat(8) + "first")).toBe(true)
      expect(record.resultAt!).toBeLessThan(record.deadlineMs)
      yield* Deferred.await(released)
    }))

  it.live("an event that is not HTTP fails with Runtime.UnmarshalError, one that is not JSON too", () =>
    Effect.gen(function*() {
      const { emulator, invoke } = yield* start(
        LambdaHttp.toHandler(Effect.succeed(HttpServerResponse.text("hi")), { stream: true })
      )
      expect(asError(yield* invoke({ orderId: "o-1" })).errorTypeHeader).toBe("Runtime.UnmarshalError")
      const raw = yield* Effect.promise(() => emulator.invoke(Buffer.from("plain text, not JSON")))
      expect(asError(raw).errorTypeHeader).toBe("Runtime.UnmarshalError")
    }))
})
