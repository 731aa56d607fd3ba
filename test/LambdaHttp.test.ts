import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpRouter,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Layer, Schema, Stream } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext, LambdaHttp, LambdaRuntime } from "../src/index.js"
import {
  albSetCookies,
  allBytes,
  base64Events,
  echoCases,
  exactAnswers,
  itemAnswers,
  itemRead,
  partialAnswers
} from "./httpCases.js"
import { answer, asResponse, decodedBody, echo, fixture, start, withPath } from "./httpSupport.js"
import { inProcess, now, serveOn } from "./support.js"

describe("LambdaHttp requests", () => {
  for (const { absent = [], answer: expected = {}, event, name, seen } of echoCases) {
    it.scopedLive(name, () =>
      Effect.gen(function*() {
        const { emulator } = yield* start(LambdaHttp.toHandler(echo))
        const doc = answer(yield* emulator.invoke(event))
        expect(doc).toMatchObject(expected)
        for (const field of absent) expect(doc).not.toHaveProperty(field)
        expect(JSON.parse(doc.body)).toMatchObject(seen)
      }))
  }

  it.scopedLive("a base64 request body reaches the app as the original bytes", () =>
    Effect.gen(function*() {
      const app = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = new Uint8Array(yield* request.arrayBuffer)
        return HttpServerResponse.uint8Array(body, { contentType: "application/octet-stream" })
      })
      const { emulator } = yield* start(LambdaHttp.toHandler(app))
      for (const event of base64Events) {
        const doc = answer(yield* emulator.invoke(event))
        expect(doc.isBase64Encoded).toBe(true)
        expect(decodedBody(doc)).toEqual(Buffer.from(allBytes))
      }
    }))

  it.scopedLive("a plain HttpApp route may use LambdaContext as a service (it runs in the handler's fiber)", () =>
    Effect.gen(function*() {
      const app = HttpRouter.empty.pipe(
        HttpRouter.get(
          "/my/path",
          Effect.flatMap(LambdaContext, (context) => HttpServerResponse.text(context.requestId))
        )
      )
      const { emulator } = yield* start(LambdaHttp.toHandler(app))
      const record = yield* emulator.invoke(fixture("apigw-v1"))
      expect(answer(record).body).toBe(record.requestId)
    }))

  it.scopedLive("an event that is not HTTP fails the invocation with Runtime.UnmarshalError", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      const record = yield* emulator.invoke({ orderId: "o-1" })
      expect(record.outcome).toMatchObject({ _tag: "Error", errorTypeHeader: "Runtime.UnmarshalError" })
    }))
})

const responses = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/my/path",
    HttpServerResponse.text("created", { status: 201, headers: { "x-multi": "a, b" } }).pipe(
      HttpServerResponse.setCookie("session", "abc", { path: "/", httpOnly: true }),
      Effect.flatMap(HttpServerResponse.setCookie("theme", "dark"))
    )
  ),
  HttpRouter.post("/my/path", HttpServerResponse.empty({ status: 204 })),
  HttpRouter.put("/my/path", HttpServerResponse.json({ ok: true })),
  HttpRouter.get(
    "/lambda",
    HttpServerResponse.html("<p>hi</p>").pipe(
      Effect.flatMap(HttpServerResponse.setCookie("a", "1")),
      Effect.flatMap(HttpServerResponse.setCookie("b", "2"))
    )
  ),
  HttpRouter.get("/svg", HttpServerResponse.text("<svg/>", { contentType: "image/svg+xml" })),
  HttpRouter.get(
    "/png",
    HttpServerResponse.uint8Array(new Uint8Array([137, 80, 78, 71, 0, 255]), { contentType: "image/png" })
  ),
  HttpRouter.get("/boom", Effect.die(new Error("secret detail of the failure")))
)

describe("LambdaHttp responses", () => {
  it.scopedLive("status, headers, Set-Cookie and bodies go where each shape expects them; text or base64; HEAD without a body", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(responses))
      for (const [event, expected] of exactAnswers) expect(answer(yield* emulator.invoke(event))).toEqual(expected)
      for (const [event, expected] of partialAnswers) {
        expect(answer(yield* emulator.invoke(event))).toMatchObject(expected)
      }
      // Single-value ALB keeps one value per exact name: each cookie under its own capitalisation.
      const alb = answer(yield* emulator.invoke(fixture("alb")))
      expect(albSetCookies(alb)).toEqual(["a=1", "b=2"])
      expect(alb.body).toBe("<p>hi</p>")
    }))

  it.scopedLive("an uncaught error is a 500 without its detail, logged with the request id; no route is a 404", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start(LambdaHttp.toHandler(responses))
      const record = yield* emulator.invoke(withPath(fixture("apigw-v2"), "/boom"))
      const doc = answer(record)
      expect(doc.statusCode).toBe(500)
      expect(asResponse(record).text).not.toContain("secret")
      expect(asResponse(record).text).not.toContain("at ")
      const logged = logs.find((entry) =>
        entry.level === "ERROR" && entry.cause.includes("secret detail of the failure")
      )
      expect(logged?.annotations.requestId).toBe(record.requestId)
      expect(answer(yield* emulator.invoke(withPath(fixture("apigw-v2"), "/nowhere"))).statusCode).toBe(404)
    }))

  it.scopedLive("a buffered body stream that fails is a 500, logged", () =>
    Effect.gen(function*() {
      const app = HttpRouter.empty.pipe(
        HttpRouter.get(
          "/my/path",
          HttpServerResponse.stream(Stream.fail(new Error("disk gone")), { contentType: "text/csv" })
        )
      )
      const { emulator, logs } = yield* start(LambdaHttp.toHandler(app))
      const record = yield* emulator.invoke(withPath(fixture("apigw-v2"), "/my/path"))
      expect(answer(record)).toMatchObject({ statusCode: 500, body: "" })
      expect(logs.find((entry) => entry.level === "ERROR" && entry.cause.includes("disk gone"))?.annotations.requestId)
        .toBe(record.requestId)
    }))
})

// --- HttpApi -------------------------------------------------------------------------------

class ItemNotFound extends Schema.TaggedError<ItemNotFound>()("ItemNotFound", { id: Schema.String }) {}

const Item = Schema.Struct({
  id: Schema.String,
  requestId: Schema.String,
  source: Schema.String,
  stage: Schema.NullOr(Schema.String)
})

const Api = HttpApi.make("api").add(
  HttpApiGroup.make("items")
    .add(
      HttpApiEndpoint.get("get", "/items/:id")
        .setPath(Schema.Struct({ id: Schema.String }))
        .addSuccess(Item)
        .addError(ItemNotFound, { status: 404 })
    )
    .add(
      HttpApiEndpoint.post("create", "/items").setPayload(Schema.Struct({ name: Schema.String })).addSuccess(
        Schema.Struct({ name: Schema.String }),
        { status: 201 }
      )
    )
)

class Audit extends Context.Tag("test/Audit")<Audit, { readonly record: (line: string) => Effect.Effect<void> }>() {}

const ItemsLive = HttpApiBuilder.group(Api, "items", (handlers) =>
  Effect.gen(function*() {
    const audit = yield* Audit
    return handlers
      .handle("get", ({ path }) =>
        Effect.gen(function*() {
          if (path.id === "missing") return yield* new ItemNotFound({ id: path.id })
          const context = yield* LambdaHttp.context
          const http = yield* LambdaHttp.event
          yield* LambdaHttp.detach(audit.record(`read ${path.id}`))
          return {
            id: path.id,
            requestId: context.requestId,
            source: http.source,
            stage: http.source === "ApiGatewayV1" ? http.event.requestContext.stage ?? null : null
          }
        }))
      .handle("create", ({ payload }) => Effect.succeed(payload))
  }))

const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(ItemsLive))

describe("LambdaHttp.fromHttpApi", () => {
  it.scopedLive("LambdaContext and the raw event inside a route; detached work runs after the response, before /next", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const audited: Array<{ readonly line: string; readonly at: number }> = []
      const AuditLive = Layer.succeed(Audit, {
        record: (line) =>
          Effect.flatMap(Deferred.await(gate), () => Effect.sync(() => void audited.push({ line, at: now() })))
      })
      const emulator = yield* Emulator.make()
      yield* serveOn(emulator, LambdaRuntime.serve(LambdaHttp.fromHttpApi(ApiLive), { ...inProcess, layer: AuditLive }))
      const record = yield* emulator.invoke(itemRead.event)
      const doc = answer(record)
      expect(doc.statusCode).toBe(200)
      expect(JSON.parse(doc.body)).toEqual(itemRead.item(record.requestId))
      // The response was posted while the audit still waited for the gate.
      expect(audited).toEqual([])
      yield* Deferred.succeed(gate, undefined)
      const nextAt = yield* emulator.awaitNextRequest(2)
      expect(audited.map((a) => a.line)).toEqual(["read 42"])
      expect(audited[0]!.at).toBeGreaterThan(record.resultAt!)
      expect(nextAt).toBeGreaterThanOrEqual(audited[0]!.at)
    }))

  it.scopedLive("typed errors keep their status and schema; payloads are decoded", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const AuditLive = Layer.succeed(Audit, { record: () => Effect.void })
      yield* serveOn(emulator, LambdaRuntime.serve(LambdaHttp.fromHttpApi(ApiLive), { ...inProcess, layer: AuditLive }))
      for (const [event, status, json] of itemAnswers) {
        const doc = answer(yield* emulator.invoke(event))
        expect(doc.statusCode).toBe(status)
        if (json !== undefined) expect(JSON.parse(doc.body)).toEqual(json)
      }
    }))

  it.scopedLive("the API layer is built once, at init, and a failing one is the init error", () =>
    Effect.gen(function*() {
      let builds = 0
      const Counted = ApiLive.pipe(Layer.provide(Layer.effect(
        Audit,
        Effect.sync(() => {
          builds++
          return { record: () => Effect.void }
        })
      )))
      const emulator = yield* Emulator.make()
      yield* serveOn(emulator, LambdaRuntime.serve(LambdaHttp.fromHttpApi(Counted), inProcess))
      yield* emulator.awaitNextRequest(1)
      expect(builds).toBe(1)
      yield* emulator.invoke(withPath(fixture("apigw-v2"), "/items/1"))
      yield* emulator.invoke(withPath(fixture("apigw-v2"), "/items/2"))
      expect(builds).toBe(1)

      const failing = yield* Emulator.make()
      const Broken = ApiLive.pipe(Layer.provide(Layer.fail("no database")))
      yield* serveOn(failing, LambdaRuntime.serve(LambdaHttp.fromHttpApi(Broken), inProcess))
      const initError = yield* failing.awaitInitError
      expect(initError.text).toContain("no database")
    }))
})

// --- Streaming -----------------------------------------------------------------------------

describe("LambdaHttp streaming", () => {
  it.scopedLive("server-sent events arrive incrementally after the prelude (TTFB before the body ends)", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const app = HttpRouter.empty.pipe(
        HttpRouter.get(
          "/events",
          HttpServerResponse.stream(
            Stream.concat(Stream.make("data: 1\n\n"), Stream.fromEffect(Effect.as(Deferred.await(gate), "data: 2\n\n")))
              .pipe(
                Stream.encodeText
              ),
            { contentType: "text/event-stream", headers: { "cache-control": "no-cache" } }
          ).pipe(Effect.flatMap(HttpServerResponse.setCookie("seen", "1")))
        )
      )
      const { emulator } = yield* start(LambdaHttp.toHandler(app, { stream: true }))
      const pending = yield* emulator.enqueue(withPath(fixture("function-url"), "/events"))
      const firstByteAt = yield* emulator.awaitFirstByte(pending.requestId)
      const progress = yield* emulator.streamProgress(pending.requestId)
      expect(progress.bytes).toBeGreaterThan(0)
      yield* Deferred.succeed(gate, undefined)
      const record = yield* pending.result
      const outcome = asResponse(record)
      expect(outcome.streaming).toBe(true)
      expect(outcome.contentType).toBe("application/vnd.awslambda.http-integration-response")
      expect(outcome.http?._tag).toBe("Decoded")
      const http = outcome.http as Extract<Emulator.HttpIntegrationResponse, { _tag: "Decoded" }>
      expect(http.statusCode).toBe(200)
      expect(http.headers).toMatchObject({ "content-type": "text/event-stream", "cache-control": "no-cache" })
      expect(http.cookies).toEqual(["seen=1"])
      expect(Buffer.from(http.body).toString()).toBe("data: 1\n\ndata: 2\n\n")
      expect(record.lastByteAt!).toBeGreaterThan(firstByteAt)
    }))

  it.scopedLive("buffered bodies, empty bodies and HEAD are framed too; an HttpApi streams with the same option", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(responses, { stream: true }))
      const decoded = (record: Emulator.InvocationRecord) =>
        asResponse(record).http as Extract<Emulator.HttpIntegrationResponse, { _tag: "Decoded" }>
      const png = decoded(yield* emulator.invoke(withPath(fixture("function-url"), "/png")))
      expect(png.headers["content-type"]).toBe("image/png")
      expect([...png.body]).toEqual([137, 80, 78, 71, 0, 255])
      const empty = decoded(yield* emulator.invoke(withPath(fixture("function-url"), "/my/path", "POST")))
      expect(empty).toMatchObject({ statusCode: 204 })
      expect(empty.body.byteLength).toBe(0)
      const head = decoded(yield* emulator.invoke(withPath(fixture("function-url"), "/lambda", "HEAD")))
      expect(head.body.byteLength).toBe(0)
      expect(head.cookies).toEqual(["a=1", "b=2"])

      const api = yield* Emulator.make()
      yield* serveOn(
        api,
        LambdaRuntime.serve(LambdaHttp.fromHttpApi(ApiLive, { stream: true }), {
          ...inProcess,
          layer: Layer.succeed(Audit, { record: () => Effect.void })
        })
      )
      const missing = decoded(yield* api.invoke(withPath(fixture("function-url"), "/items/missing")))
      expect(missing.statusCode).toBe(404)
      expect(JSON.parse(Buffer.from(missing.body).toString())).toEqual({ _tag: "ItemNotFound", id: "missing" })
    }))
})
