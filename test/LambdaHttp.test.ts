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
import { answer, asResponse, decodedBody, echo, fixture, start, v1Post, withPath } from "./httpSupport.js"
import type { Json } from "./httpSupport.js"
import { inProcess, now, serveOn } from "./support.js"

describe("LambdaHttp requests", () => {
  it.scopedLive("API Gateway REST (1.0): method, stage-less path, multi-value query and headers, body, source IP", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      const seen = JSON.parse(answer(yield* emulator.invoke(v1Post)).body)
      expect(seen).toMatchObject({
        source: "ApiGatewayV1",
        method: "POST",
        url: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        remoteAddress: "192.0.2.1",
        body: "Hello from Lambda!"
      })
      expect(seen.headers).toMatchObject({ header1: "value1", header2: "value1, value2" })
    }))

  it.scopedLive("HTTP API (2.0): raw query string, cookies array, body, source IP", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      const event = { ...fixture("apigw-v2"), cookies: ["a=1", "b=two"] }
      const seen = JSON.parse(answer(yield* emulator.invoke(event)).body)
      expect(seen).toMatchObject({
        source: "ApiGatewayV2",
        method: "POST",
        url: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        cookies: { a: "1", b: "two" },
        remoteAddress: "192.0.2.1",
        body: "Hello from Lambda"
      })
      expect(seen.headers).toMatchObject({ header1: "value1", header2: "value1,value2", cookie: "a=1; b=two" })
    }))

  it.scopedLive("HTTP API (2.0): a named stage's prefix is removed from the path, $default has none", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      const base = fixture("apigw-v2")
      const staged = { ...base, rawPath: "/prod/my/path", requestContext: { ...base.requestContext, stage: "prod" } }
      expect(JSON.parse(answer(yield* emulator.invoke(staged)).body).url).toMatch(/^\/my\/path\?/)
      const root = {
        ...base,
        rawPath: "/prod",
        rawQueryString: "",
        requestContext: { ...base.requestContext, stage: "prod" }
      }
      expect(JSON.parse(answer(yield* emulator.invoke(root)).body).url).toBe("/")
    }))

  it.scopedLive("Function URL: told apart from HTTP API by its domain, with its source IP", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      const seen = JSON.parse(answer(yield* emulator.invoke(fixture("function-url"))).body)
      expect(seen).toMatchObject({
        source: "FunctionUrl",
        method: "POST",
        url: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        remoteAddress: "123.123.123.123",
        body: "Hello from client!"
      })
    }))

  it.scopedLive("ALB single-value: query passed verbatim, client IP from X-Forwarded-For", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      const event = { ...fixture("alb"), queryStringParameters: { query: "1234ABCD", q: "a%20b" } }
      const doc = answer(yield* emulator.invoke(event))
      expect(doc.statusDescription).toBe("200 OK")
      expect(doc.multiValueHeaders).toBeUndefined()
      const seen = JSON.parse(doc.body)
      expect(seen).toMatchObject({
        source: "Alb",
        method: "GET",
        url: "/lambda?query=1234ABCD&q=a%20b",
        remoteAddress: "72.12.164.125"
      })
      expect(seen.headers.host).toBe("lambda-alb-123578498.us-east-1.elb.amazonaws.com")
    }))

  it.scopedLive("ALB multi-value: every query value, cookies joined into one Cookie header", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      const doc = answer(yield* emulator.invoke(fixture("alb-multi-value")))
      expect(doc.headers).toBeUndefined()
      expect(doc.multiValueHeaders["content-type"]).toEqual(["application/json"])
      const seen = JSON.parse(doc.body)
      expect(seen).toMatchObject({
        source: "AlbMultiValue",
        url: "/lambda?myKey=val1&myKey=val2",
        cookies: { name1: "value1", name2: "value2" },
        remoteAddress: "72.12.164.125"
      })
    }))

  it.scopedLive("a base64 request body reaches the app as the original bytes", () =>
    Effect.gen(function*() {
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
      const app = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = new Uint8Array(yield* request.arrayBuffer)
        return HttpServerResponse.uint8Array(body, { contentType: "application/octet-stream" })
      })
      const { emulator } = yield* start(LambdaHttp.toHandler(app))
      for (const name of ["apigw-v1", "apigw-v2", "function-url", "alb", "alb-multi-value"]) {
        const base = fixture(name)
        const event: Json = {
          ...base,
          httpMethod: "POST",
          body: Buffer.from(bytes).toString("base64"),
          isBase64Encoded: true
        }
        if (event.requestContext.http !== undefined) {
          event.requestContext = { ...base.requestContext, http: { ...base.requestContext.http, method: "PUT" } }
        }
        const doc = answer(yield* emulator.invoke(event))
        expect(doc.isBase64Encoded).toBe(true)
        expect([...decodedBody(doc)]).toEqual([...bytes])
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
  it.scopedLive("status, headers and Set-Cookie go where each shape expects them", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(responses))
      const cookies = ["session=abc; Path=/; HttpOnly", "theme=dark"]

      const v2 = answer(yield* emulator.invoke(withPath(fixture("apigw-v2"), "/my/path")))
      expect(v2).toEqual({
        statusCode: 201,
        headers: { "x-multi": "a, b", "content-type": "text/plain", "content-length": "7" },
        cookies,
        body: "created",
        isBase64Encoded: false
      })
      const url = answer(yield* emulator.invoke(withPath(fixture("function-url"), "/my/path")))
      expect(url.cookies).toEqual(cookies)

      const v1 = answer(yield* emulator.invoke(withPath(fixture("apigw-v1"), "/my/path")))
      expect(v1).toEqual({
        statusCode: 201,
        headers: { "x-multi": "a, b", "content-type": "text/plain", "content-length": "7" },
        multiValueHeaders: { "set-cookie": cookies },
        body: "created",
        isBase64Encoded: false
      })

      const albMulti = answer(yield* emulator.invoke(fixture("alb-multi-value")))
      expect(albMulti.multiValueHeaders["set-cookie"]).toEqual(["a=1", "b=2"])
      expect(albMulti.multiValueHeaders["content-type"]).toEqual(["text/html"])
      // Single-value ALB keeps one value per exact name: each cookie under its own capitalisation.
      const alb = answer(yield* emulator.invoke(fixture("alb")))
      const setCookies = Object.entries(alb.headers).filter(([key]) => key.toLowerCase() === "set-cookie").map((
        [, v]
      ) => v)
      expect(setCookies).toEqual(["a=1", "b=2"])
      expect(alb.body).toBe("<p>hi</p>")
    }))

  it.scopedLive("bodies are text for textual types and base64 for everything else; empty bodies are empty", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(responses))
      const base = fixture("apigw-v2")
      const json = answer(yield* emulator.invoke(withPath(base, "/my/path", "PUT")))
      expect(json).toMatchObject({
        body: `{"ok":true}`,
        isBase64Encoded: false,
        headers: { "content-type": "application/json" }
      })
      const svg = answer(yield* emulator.invoke(withPath(base, "/svg")))
      expect(svg).toMatchObject({ body: "<svg/>", isBase64Encoded: false })
      const png = answer(yield* emulator.invoke(withPath(base, "/png")))
      expect(png.isBase64Encoded).toBe(true)
      expect([...decodedBody(png)]).toEqual([137, 80, 78, 71, 0, 255])
      const empty = answer(yield* emulator.invoke(withPath(base, "/my/path", "POST")))
      expect(empty).toMatchObject({ statusCode: 204, body: "", isBase64Encoded: false })
    }))

  it.scopedLive("HEAD answers with the GET route's status and headers and no body", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(
        LambdaHttp.toHandler(HttpRouter.empty.pipe(HttpRouter.all("/page", HttpServerResponse.html("<h1>big</h1>"))))
      )
      const doc = answer(yield* emulator.invoke(withPath(fixture("apigw-v1"), "/page", "HEAD")))
      expect(doc).toMatchObject({
        statusCode: 200,
        body: "",
        isBase64Encoded: false,
        headers: { "content-type": "text/html" }
      })
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

  it.scopedLive("a buffered body stream that fails is a 500, logged; an event the web platform refuses is a 400", () =>
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
      const refused = answer(yield* emulator.invoke({ ...fixture("apigw-v2"), headers: { "bad header name": "x" } }))
      expect(refused).toMatchObject({ statusCode: 400, body: "Bad Request" })
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
      const record = yield* emulator.invoke(withPath(fixture("apigw-v1"), "/items/42"))
      const doc = answer(record)
      expect(doc.statusCode).toBe(200)
      expect(JSON.parse(doc.body)).toEqual({
        id: "42",
        requestId: record.requestId,
        source: "ApiGatewayV1",
        stage: "prod"
      })
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
      const missing = answer(yield* emulator.invoke(withPath(fixture("apigw-v2"), "/items/missing")))
      expect(missing.statusCode).toBe(404)
      expect(JSON.parse(missing.body)).toEqual({ _tag: "ItemNotFound", id: "missing" })
      const created = answer(
        yield* emulator.invoke({
          ...withPath(fixture("apigw-v2"), "/items", "POST"),
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "pen" })
        })
      )
      expect(created).toMatchObject({ statusCode: 201, body: `{"name":"pen"}` })
      const invalid = answer(
        yield* emulator.invoke({
          ...withPath(fixture("apigw-v2"), "/items", "POST"),
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ nom: "pen" })
        })
      )
      expect(invalid.statusCode).toBe(400)
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
