/**
 * The Effect 4 line's LambdaHttp through the real protocol: the project's emulator on loopback
 * (test/toolBridge.ts), the loop in this process, HTTP events in every shape. The cases are the
 * Effect 3 line's (root test/LambdaHttp.test.ts), on the same captured-style events
 * (test/fixtures/http), so that both lines pin the same rules; the shared core's samples (what
 * `effect-lambda event` prints) are served too.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Deferred, Effect, Layer, Schema, Stream } from "effect"
import { HttpEffect, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { samples } from "../../../src/internal/core/samples/index.js"
import * as Cases from "../../../test/httpCases.js"
import { decodedBody, fixture, withPath } from "../../../test/httpFixtures.js"
import type { Json } from "../../../test/httpFixtures.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHttp from "../src/LambdaHttp.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { answer, echo, emulatorScoped, responses, router, start } from "./httpSupport.js"

describe("Effect 4: LambdaHttp requests", () => {
  for (const c of Cases.echoCases) {
    it.live(c.name, () =>
      Effect.gen(function*() {
        const { invoke } = yield* start(LambdaHttp.toHandler(echo))
        const doc = answer(yield* invoke(c.event))
        expect(doc).toMatchObject(c.answer ?? {})
        expect(Object.keys(doc).filter((field) => c.absent?.includes(field))).toEqual([])
        expect(JSON.parse(doc.body)).toMatchObject(c.seen)
      }))
  }

  it.live("a base64 request body reaches the app as the original bytes, in every shape", () =>
    Effect.gen(function*() {
      // Answers the bytes it read, as bytes.
      const bounce = HttpServerRequest.HttpServerRequest.use(({ arrayBuffer }) =>
        Effect.map(arrayBuffer, (read) => HttpServerResponse.uint8Array(new Uint8Array(read)))
      )
      const { invoke } = yield* start(LambdaHttp.toHandler(bounce))
      const docs = yield* Effect.forEach(Cases.base64Events, (event) => Effect.map(invoke(event), answer))
      expect(docs.map((doc) => [doc.isBase64Encoded, decodedBody(doc).equals(Buffer.from(Cases.allBytes))])).toEqual(
        Cases.base64Events.map(() => [true, true])
      )
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

  it.live("an app that does not answer is interrupted at the deadline (Runtime.HandlerTimeout), though effect/http runs apps uninterruptibly", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const stuck = Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)))
      const { invoke } = yield* start(LambdaHttp.toHandler(stuck), 1000)
      const record = yield* invoke(Cases.echoCases[0]!.event)
      expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      yield* Deferred.await(interrupted)
    }))

  it.live("an event that is not HTTP fails the invocation with Runtime.UnmarshalError", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(echo))
      const record = yield* invoke({ orderId: "o-1" })
      expect(record.outcome).toMatchObject({ _tag: "Error", errorTypeHeader: "Runtime.UnmarshalError" })
    }))
})

describe("Effect 4: LambdaHttp responses", () => {
  it.live("status, headers, Set-Cookie and bodies go where each shape expects them; text or base64; HEAD without a body", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(yield* responses))
      const answers = (cases: ReadonlyArray<readonly [Json, Json]>) =>
        Effect.forEach(cases, ([event]) => Effect.map(invoke(event), answer))
      expect(yield* answers(Cases.exactAnswers)).toEqual(Cases.exactAnswers.map(([, expected]) => expected))
      expect(yield* answers(Cases.partialAnswers)).toMatchObject(Cases.partialAnswers.map(([, expected]) => expected))
      // Single-value ALB keeps one value per exact name: each cookie under its own capitalisation.
      const alb = answer(yield* invoke(fixture("alb")))
      expect({ cookies: Cases.albSetCookies(alb), body: alb.body }).toEqual({
        cookies: ["a=1", "b=2"],
        body: "<p>hi</p>"
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

  it.live("pre-response handlers (HttpApi security cookies, CORS) apply to the answer; one that fails is a 500, logged", () =>
    Effect.gen(function*() {
      const tagged = HttpEffect.appendPreResponseHandler((_request, response) =>
        Effect.succeed(HttpServerResponse.setHeader(response, "x-pre", "1"))
      )
      const failing = HttpEffect.appendPreResponseHandler(() => Effect.die(new Error("hook broke")))
      const app = (hook: typeof tagged) => Effect.as(hook, HttpServerResponse.text("ok"))
      const ok = yield* start(LambdaHttp.toHandler(app(tagged)))
      const tag = answer(yield* ok.invoke(withPath(fixture("apigw-v2"), "/")))
      expect(tag).toMatchObject({ statusCode: 200, body: "ok", headers: { "x-pre": "1" } })
      const broken = yield* start(LambdaHttp.toHandler(app(failing)))
      const record = yield* broken.invoke(withPath(fixture("apigw-v2"), "/"))
      expect(answer(record)).toMatchObject({ statusCode: 500, body: "" })
      expect(broken.logs.find(({ cause }) => cause.includes("hook broke"))?.requestId).toBe(record.requestId)
    }))

  it.live("a buffered body stream that fails is a 500, logged", () =>
    Effect.gen(function*() {
      const app = HttpServerResponse.stream(Stream.fail(new Error("disk gone")), { contentType: "text/csv" })
      const { invoke, logs } = yield* start(LambdaHttp.toHandler(Effect.succeed(app)))
      const record = yield* invoke(withPath(fixture("apigw-v2"), "/my/path"))
      expect(answer(record)).toMatchObject({ statusCode: 500, body: "" })
      expect(logs.find((entry) => entry.level === "Error" && entry.cause.includes("disk gone"))?.requestId).toBe(
        record.requestId
      )
    }))
})

// --- HttpApi -------------------------------------------------------------------------------

class ItemNotFound extends Schema.TaggedError<ItemNotFound>()("ItemNotFound", { id: Schema.String }, {
  httpApiStatus: 404
}) {}

const Text = Schema.String
/** An item, with what LambdaHttp told its route of the invocation. */
const Item = Schema.Struct({ id: Text, requestId: Text, source: Text, stage: Schema.NullOr(Text) })

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

/** An item with what LambdaHttp tells of the invocation serving it; its read is audited after the response. */
const readItem = (audit: Context.Service.Shape<typeof Audit>, id: string) =>
  Effect.all([LambdaHttp.context, LambdaHttp.event]).pipe(
    Effect.tap(() => LambdaHttp.detach(audit.record(`read ${id}`))),
    Effect.map(([{ requestId }, http]) => ({
      id,
      requestId,
      source: http.source,
      stage: http.source === "ApiGatewayV1" ? http.event.requestContext.stage ?? null : null
    }))
  )

const ItemsLive = HttpApiBuilder.group(Api, "items", (handlers) =>
  Audit.use((audit) =>
    Effect.succeed(
      handlers
        .handle(
          "get",
          ({ params: { id } }) => id === "missing" ? Effect.fail(new ItemNotFound({ id })) : readItem(audit, id)
        )
        .handle("create", ({ payload }) => Effect.succeed(payload))
    )
  ))

const ApiLive = HttpApiBuilder.layer(Api).pipe(Layer.provide(ItemsLive))

/** `LambdaRuntime.serve` of the HttpApi on a fresh emulator, the API's layer built with `audit`. */
const serveApi = <E>(layer: Layer.Layer<Audit, E>) =>
  Effect.gen(function*() {
    const emulator = yield* emulatorScoped()
    yield* LambdaRuntime.serve(LambdaHttp.fromHttpApi(ApiLive), { layer, registerExtension: false })
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
      const record = yield* invoke(Cases.itemRead.event)
      expect(answer(record)).toMatchObject({
        statusCode: 200,
        body: JSON.stringify(Cases.itemRead.item(record.requestId))
      })
      // Posted while the audit still waited for the gate; the audit ran before the next /next.
      const auditedWhenAnswered = [...audited]
      yield* Deferred.succeed(gate, undefined)
      const nextAt = yield* Effect.promise(() => emulator.awaitNextRequest(2))
      expect({ auditedWhenAnswered, lines: audited.map(({ line }) => line) }).toEqual({
        auditedWhenAnswered: [],
        lines: ["read 42"]
      })
      const at = audited[0]!.at
      expect(record.resultAt! < at && at <= nextAt).toBe(true)
    }))

  it.live("typed errors keep their status and schema; payloads are decoded", () =>
    Effect.gen(function*() {
      const { invoke } = yield* serveApi(Layer.succeed(Audit, { record: () => Effect.void }))
      const answers = yield* Effect.forEach(Cases.itemAnswers, ([event]) => Effect.map(invoke(event), answer))
      expect(answers.map(({ statusCode }) => statusCode)).toEqual(Cases.itemAnswers.map(([, status]) => status))
      Cases.itemAnswers.forEach(([, , json], i) =>
        json === undefined || expect(JSON.parse(answers[i]!.body)).toEqual(json)
      )
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
