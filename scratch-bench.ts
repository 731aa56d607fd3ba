import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Layer, Logger, LogLevel, Schema, ConfigProvider } from "effect"
import { readFileSync } from "node:fs"
import * as Emulator from "./src/Emulator.js"
import { LambdaHttp, LambdaRuntime, LambdaHandler } from "./src/index.js"

const event = { ...JSON.parse(readFileSync("test/fixtures/http/apigw-v2.json", "utf8")), rawPath: "/items/42", rawQueryString: "" }
event.requestContext.http.method = "GET"
const router = HttpRouter.empty.pipe(HttpRouter.get("/items/:id", Effect.flatMap(HttpRouter.params, (p) => HttpServerResponse.json({ id: p.id }))))
const Api = HttpApi.make("a").add(HttpApiGroup.make("g").add(HttpApiEndpoint.get("get", "/items/:id").setPath(Schema.Struct({ id: Schema.String })).addSuccess(Schema.Struct({ id: Schema.String }))))
const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(HttpApiBuilder.group(Api, "g", (h) => h.handle("get", ({ path }) => Effect.succeed({ id: path.id })))))
const plain = LambdaHandler.json((e: any) => Effect.succeed({ statusCode: 200, body: JSON.stringify({ id: e.rawPath.slice(7) }) }))

const measure = (name: string, handler: any, n = 3000) => Effect.scoped(Effect.gen(function*() {
  const emulator = yield* Emulator.make()
  yield* LambdaRuntime.serve(handler, { registerExtension: false, logLevel: LogLevel.None }).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ ...emulator.environment })))), Effect.forkScoped)
  for (let i = 0; i < 300; i++) yield* emulator.invoke(event)
  const t0 = performance.now()
  for (let i = 0; i < n; i++) yield* emulator.invoke(event)
  const dt = performance.now() - t0
  console.log(name, (n / dt * 1000).toFixed(0), "inv/s", (dt / n * 1000).toFixed(0), "us/inv")
}))
await Effect.runPromise(Effect.gen(function*() {
  for (let round = 0; round < 2; round++) {
    yield* measure("plain json  ", plain)
    yield* measure("toHandler   ", LambdaHttp.toHandler(router))
    yield* measure("fromHttpApi ", LambdaHttp.fromHttpApi(ApiLive))
  }
}))
process.exit(0)
