/**
 * The Effect 4 line's LambdaHttp through the real protocol: the project's emulator on loopback
 * (test/toolBridge.ts), the loop in this process, HTTP events in every shape. The cases are the
 * Effect 3 line's (root test/LambdaHttp.test.ts), on the same captured-style events
 * (test/fixtures/http), so that both lines pin the same rules; the shared core's samples (what
 * `effect-lambda event` prints) are served too.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Deferred, Effect, Layer, Schema, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { samples } from "../../../src/internal/core/samples/index.js"
import { decodedBody, fixture, v1Post, withPath } from "../../../test/httpFixtures.js"
import type { Json } from "../../../test/httpFixtures.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHttp from "../src/LambdaHttp.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { answer, echo, emulatorScoped, router, start } from "./httpSupport.js"

describe("Effect 4: LambdaHttp requests", () => {
  it.live("API Gateway REST (1.0): method, stage-less path, multi-value query and headers, body, source IP", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(echo))
      const seen = JSON.parse(answer(yield* invoke(v1Post)).body)
      expect(seen).toMatchObject({
        source: "ApiGatewayV1",
        method: "POST",
        url: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        remoteAddress: "192.0.2.1",
        body: "Hello from Lambda!"
      })
      expect(seen.headers).toMatchObject({ header1: "value1", header2: "value1, value2" })
    }))

  it.live("HTTP API (2.0): raw query string, cookies array, body, source IP; a named stage's prefix is removed", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(echo))
      const event = { ...fixture("apigw-v2"), cookies: ["a=1", "b=two"] }
      const seen = JSON.parse(answer(yield* invoke(event)).body)
      expect(seen).toMatchObject({
        source: "ApiGatewayV2",
        method: "POST",
        url: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        cookies: { a: "1", b: "two" },
        remoteAddress: "192.0.2.1",
        body: "Hello from Lambda"
      })
      expect(seen.headers).toMatchObject({ header1: "value1", header2: "value1,value2", cookie: "a=1; b=two" })
      const base = fixture("apigw-v2")
      const staged = { ...base, rawPath: "/prod/my/path", requestContext: { ...base.requestContext, stage: "prod" } }
      expect(JSON.parse(answer(yield* invoke(staged)).body).url).toMatch(/^\/my\/path\?/)
      const root = { ...staged, rawPath: "/prod", rawQueryString: "" }
      expect(JSON.parse(answer(yield* invoke(root)).body).url).toBe("/")
    }))

  it.live("Function URL and ALB (single- and multi-value): source, query, client IP, cookies", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(echo))
      expect(JSON.parse(answer(yield* invoke(fixture("function-url"))).body)).toMatchObject({
        source: "FunctionUrl",
        method: "POST",
        url: "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        remoteAddress: "123.123.123.123",
        body: "Hello from client!"
      })
      const alb = answer(yield* invoke({ ...fixture("alb"), queryStringParameters: { query: "1234ABCD", q: "a%20b" } }))
      expect(alb.statusDescription).toBe("200 OK")
      expect(alb.multiValueHeaders).toBeUndefined()
      const seen = JSON.parse(alb.body)
      expect(seen).toMatchObject({
        source: "Alb",
        method: "GET",
        url: "/lambda?query=1234ABCD&q=a%20b",
        remoteAddress: "72.12.164.125"
      })
      expect(seen.headers.host).toBe("lambda-alb-123578498.us-east-1.elb.amazonaws.com")
      const multi = answer(yield* invoke(fixture("alb-multi-value")))
      expect(multi.headers).toBeUndefined()
      expect(multi.multiValueHeaders["content-type"]).toEqual(["application/json"])
      expect(JSON.parse(multi.body)).toMatchObject({
        source: "AlbMultiValue",
        url: "/lambda?myKey=val1&myKey=val2",
        cookies: { name1: "value1", name2: "value2" },
        remoteAddress: "72.12.164.125"
      })
    }))

  it.live("a base64 request body reaches the app as the original bytes, in every shape", () =>
    Effect.gen(function*() {
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
      const app = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = new Uint8Array(yield* request.arrayBuffer)
        return HttpServerResponse.uint8Array(body, { contentType: "application/octet-stream" })
      })
      const { invoke } = yield* start(LambdaHttp.toHandler(app))
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
        const doc = answer(yield* invoke(event))
        expect(doc.isBase64Encoded).toBe(true)
        expect([...decodedBody(doc)]).toEqual([...bytes])
      }
    }))

  it.live("a route may use LambdaContext as a service (it runs in the handler's fiber); the core's samples are served", () =>
    Effect.gen(function*() {
      const app = yield* router(
        HttpRouter.add("*", "/*", LambdaContext.useSync((context) => HttpServerResponse.text(context.requestId)))
      )
      const { invoke } = yield* start(LambdaHttp.toHandler(app))
      for (const name of ["apigw-v1", "apigw-v2", "function-url", "alb"] as const) {
        const record = yield* invoke(samples[name])
        expect(answer(record)).toMatchObject({ statusCode: 200, body: record.requestId })
      }
    }))

  it.live("an event that is not HTTP fails the invocation with Runtime.UnmarshalError", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(echo))
      const record = yield* invoke({ orderId: "o-1" })
      expect(record.outcome).toMatchObject({ _tag: "Error", errorTypeHeader: "Runtime.UnmarshalError" })
    }))
})

const responses = router(Layer.mergeAll(
  HttpRouter.add(
    "GET",
    "/my/path",
    HttpServerResponse.text("created", { status: 201, headers: { "x-multi": "a, b" } }).pipe(
      HttpServerResponse.setCookieUnsafe("session", "abc", { path: "/", httpOnly: true }),
      HttpServerResponse.setCookieUnsafe("theme", "dark")
    )
  ),
  HttpRouter.add("POST", "/my/path", HttpServerResponse.empty({ status: 204 })),
  HttpRouter.add("PUT", "/my/path", HttpServerResponse.jsonUnsafe({ ok: true })),
  HttpRouter.add(
    "GET",
    "/lambda",
    HttpServerResponse.html("<p>hi</p>").pipe(
      HttpServerResponse.setCookieUnsafe("a", "1"),
      HttpServerResponse.setCookieUnsafe("b", "2")
    )
  ),
  HttpRouter.add("GET", "/svg", HttpServerResponse.text("<svg/>", { contentType: "image/svg+xml" })),
  HttpRouter.add(
    "GET",
    "/png",
    HttpServerResponse.uint8Array(new Uint8Array([137, 80, 78, 71, 0, 255]), { contentType: "image/png" })
  ),
  HttpRouter.add("GET", "/boom", Effect.die(new Error("secret detail of the failure")))
))

describe("Effect 4: LambdaHttp responses", () => {
  it.live("status, headers and Set-Cookie go where each shape expects them", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(yield* responses))
      const cookies = ["session=abc; Path=/; HttpOnly", "theme=dark"]

      const v2 = answer(yield* invoke(withPath(fixture("apigw-v2"), "/my/path")))
      expect(v2).toEqual({
        statusCode: 201,
        headers: { "x-multi": "a, b", "content-type": "text/plain", "content-length": "7" },
        cookies,
        body: "created",
        isBase64Encoded: false
      })
      expect(answer(yield* invoke(withPath(fixture("function-url"), "/my/path"))).cookies).toEqual(cookies)
      expect(answer(yield* invoke(withPath(fixture("apigw-v1"), "/my/path")))).toEqual({
        statusCode: 201,
        headers: { "x-multi": "a, b", "content-type": "text/plain", "content-length": "7" },
        multiValueHeaders: { "set-cookie": cookies },
        body: "created",
        isBase64Encoded: false
      })
      const albMulti = answer(yield* invoke(fixture("alb-multi-value")))
      expect(albMulti.multiValueHeaders["set-cookie"]).toEqual(["a=1", "b=2"])
      expect(albMulti.multiValueHeaders["content-type"]).toEqual(["text/html"])
      // Single-value ALB keeps one value per exact name: each cookie under its own capitalisation.
      const alb = answer(yield* invoke(fixture("alb")))
      const setCookies = Object.entries(alb.headers).filter(([key]) => key.toLowerCase() === "set-cookie")
      expect(setCookies.map(([, value]) => value)).toEqual(["a=1", "b=2"])
      expect(alb.body).toBe("<p>hi</p>")
    }))

  it.live("bodies are text for textual types and base64 for everything else; empty bodies are empty; HEAD has none", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(yield* responses))
      const base = fixture("apigw-v2")
      expect(answer(yield* invoke(withPath(base, "/my/path", "PUT")))).toMatchObject({
        body: `{"ok":true}`,
        isBase64Encoded: false,
        headers: { "content-type": "application/json" }
      })
      expect(answer(yield* invoke(withPath(base, "/svg")))).toMatchObject({ body: "<svg/>", isBase64Encoded: false })
      const png = answer(yield* invoke(withPath(base, "/png")))
      expect(png.isBase64Encoded).toBe(true)
      expect([...decodedBody(png)]).toEqual([137, 80, 78, 71, 0, 255])
      expect(answer(yield* invoke(withPath(base, "/my/path", "POST")))).toMatchObject({
        statusCode: 204,
        body: "",
        isBase64Encoded: false
      })
      // HEAD: the GET route's status and headers, no body.
      expect(answer(yield* invoke(withPath(fixture("apigw-v1"), "/lambda", "HEAD")))).toMatchObject({
        statusCode: 200,
        body: "",
        isBase64Encoded: false,
        headers: { "content-type": "text/html" }
      })
    }))

  it.live("an uncaught error is a 500 without its detail, logged with the request id; no route is a 404", () =>
    Effect.gen(function*() {
      const { invoke, logs } = yield* start(LambdaHttp.toHandler(yield* responses))
      const record = yield* invoke(withPath(fixture("apigw-v2"), "/boom"))
      const doc = answer(record)
      expect(doc.statusCode).toBe(500)
      expect(JSON.stringify(doc)).not.toContain("secret")
      const logged = logs.find((entry) =>
        entry.level === "Error" && entry.cause.includes("secret detail of the failure")
      )
      expect(logged?.requestId).toBe(record.requestId)
      expect(answer(yield* invoke(withPath(fixture("apigw-v2"), "/nowhere"))).statusCode).toBe(404)
    }))

  it.live("a buffered body stream that fails is a 500, logged; an event the web platform refuses is a 400", () =>
    Effect.gen(function*() {
      const app = HttpServerResponse.stream(Stream.fail(new Error("disk gone")), { contentType: "text/csv" })
      const { invoke, logs } = yield* start(LambdaHttp.toHandler(Effect.succeed(app)))
      const record = yield* invoke(withPath(fixture("apigw-v2"), "/my/path"))
      expect(answer(record)).toMatchObject({ statusCode: 500, body: "" })
      expect(logs.find((entry) => entry.level === "Error" && entry.cause.includes("disk gone"))?.requestId).toBe(
        record.requestId
      )
      const refused = answer(yield* invoke({ ...fixture("apigw-v2"), headers: { "bad header name": "x" } }))
      expect(refused).toMatchObject({ statusCode: 400, body: "Bad Request" })
    }))
})

// --- HttpApi -------------------------------------------------------------------------------

class ItemNotFound extends Schema.TaggedError<ItemNotFound>()("ItemNotFound", { id: Schema.String }, {
  httpApiStatus: 404
}) {}

const Item = Schema.Struct({
  id: Schema.String,
  requestId: Schema.String,
  source: Schema.String,
  stage: Schema.NullOr(Schema.String)
})

const Api = HttpApi.make("api").add(
  HttpApiGroup.make("items")
    .add(
      HttpApiEndpoint.get("get", "/items/:id", { params: { id: Schema.String }, success: Item, error: ItemNotFound })
    )
    .add(
      HttpApiEndpoint.post("create", "/items", {
        payload: Schema.Struct({ name: Schema.String }),
        success: Schema.Struct({ name: Schema.String }).pipe(HttpApiSchema.status(201))
      })
    )
)

class Audit
  extends Context.Service<Audit, { readonly record: (line: string) => Effect.Effect<void> }>()("test/Audit")
{}

const ItemsLive = HttpApiBuilder.group(Api, "items", (handlers) =>
  Effect.gen(function*() {
    const audit = yield* Audit
    return handlers
      .handle("get", ({ params }) =>
        Effect.gen(function*() {
          if (params.id === "missing") return yield* new ItemNotFound({ id: params.id })
          const context = yield* LambdaHttp.context
          const http = yield* LambdaHttp.event
          yield* LambdaHttp.detach(audit.record(`read ${params.id}`))
          return {
            id: params.id,
            requestId: context.requestId,
            source: http.source,
            stage: http.source === "ApiGatewayV1" ? http.event.requestContext.stage ?? null : null
          }
        }))
      .handle("create", ({ payload }) => Effect.succeed(payload))
  }))

const ApiLive = HttpApiBuilder.layer(Api).pipe(Layer.provide(ItemsLive))

/** `LambdaRuntime.serve` of the HttpApi on a fresh emulator, the API's layer built with `audit`. */
const serveApi = <E>(layer: Layer.Layer<Audit, E>) =>
  Effect.gen(function*() {
    const emulator = yield* emulatorScoped
    const http = LambdaHttp.fromHttpApi(ApiLive)
    yield* LambdaRuntime.serve(http.handler, { layer: Layer.provide(http.layer, layer), registerExtension: false })
      .pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(emulator.environment)),
        Effect.forkScoped
      )
    return { emulator, invoke: (event: Json) => Effect.promise(() => emulator.invoke(event)) }
  })

describe("Effect 4: LambdaHttp.fromHttpApi", () => {
  it.live("LambdaContext and the raw event inside a route; detached work runs after the response, before /next", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const audited: Array<{ readonly line: string; readonly at: number }> = []
      const { emulator, invoke } = yield* serveApi(Layer.succeed(Audit, {
        record: (line) =>
          Effect.flatMap(
            Deferred.await(gate),
            () => Effect.sync(() => void audited.push({ line, at: performance.timeOrigin + performance.now() }))
          )
      }))
      const record = yield* invoke(withPath(fixture("apigw-v1"), "/items/42"))
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
      const nextAt = yield* Effect.promise(() => emulator.awaitNextRequest(2))
      expect(audited.map((a) => a.line)).toEqual(["read 42"])
      expect(audited[0]!.at).toBeGreaterThan(record.resultAt!)
      expect(nextAt).toBeGreaterThanOrEqual(audited[0]!.at)
    }))

  it.live("typed errors keep their status and schema; payloads are decoded", () =>
    Effect.gen(function*() {
      const { invoke } = yield* serveApi(Layer.succeed(Audit, { record: () => Effect.void }))
      const missing = answer(yield* invoke(withPath(fixture("apigw-v2"), "/items/missing")))
      expect(missing.statusCode).toBe(404)
      expect(JSON.parse(missing.body)).toEqual({ _tag: "ItemNotFound", id: "missing" })
      const post = (body: unknown) =>
        invoke({
          ...withPath(fixture("apigw-v2"), "/items", "POST"),
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body)
        })
      expect(answer(yield* post({ name: "pen" }))).toMatchObject({ statusCode: 201, body: `{"name":"pen"}` })
      expect(answer(yield* post({ nom: "pen" })).statusCode).toBe(400)
    }))

  it.live("the API layer is built once, before the first invocation, and a failing one is the init error", () =>
    Effect.gen(function*() {
      let builds = 0
      const { emulator, invoke } = yield* serveApi(Layer.effect(
        Audit,
        Effect.sync(() => {
          builds++
          return Audit.of({ record: () => Effect.void })
        })
      ))
      yield* Effect.promise(() => emulator.awaitNextRequest(1))
      expect(builds).toBe(1)
      yield* invoke(withPath(fixture("apigw-v2"), "/items/1"))
      yield* invoke(withPath(fixture("apigw-v2"), "/items/2"))
      expect(builds).toBe(1)

      const failing = yield* serveApi(Layer.effect(Audit, Effect.fail("no database")))
      const initError = yield* Effect.promise(() => failing.emulator.awaitInitError())
      expect(initError.text).toContain("no database")
    }))
})
