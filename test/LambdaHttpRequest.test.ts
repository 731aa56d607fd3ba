// How LambdaHttp reads a request out of an event: bodies, headers, URL, and the events the web
// platform refuses. Each expectation held for the web Request the requests were first built as.
import { HttpRouter, HttpServerRequest, HttpServerResponse, Multipart } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { LambdaHttp } from "../src/index.js"
import {
  bodyReads,
  messyEvent,
  messySeen,
  placeholderHostCases,
  placeholderPath,
  refusedEvents,
  unreadable
} from "./httpCases.js"
import { answer, echo, fixture, start, v1Post } from "./httpSupport.js"
import type { Json } from "./httpSupport.js"

/** What the app reads of a request body, each way the platform offers. */
const reader = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/text",
    Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request) =>
        Effect.flatMap(request.text, (text) => HttpServerResponse.json({ text, first: text.codePointAt(0) ?? null }))
    )
  ),
  HttpRouter.post(
    "/json",
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      request.json.pipe(
        Effect.map((value) => ({ value })),
        Effect.catchAll((error) => Effect.succeed({ error: error._tag, reason: error.reason })),
        Effect.flatMap((out) => HttpServerResponse.json(out))
      ))
  ),
  HttpRouter.post(
    "/form",
    Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request) => Effect.flatMap(Effect.orDie(request.urlParamsBody), (params) => HttpServerResponse.json(params))
    )
  ),
  HttpRouter.post(
    "/multipart",
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      request.multipartStream.pipe(
        Stream.filter(Multipart.isField),
        Stream.runFold({} as Record<string, string>, (fields, field) => ({ ...fields, [field.key]: field.value })),
        Effect.orDie,
        Effect.flatMap((fields) => HttpServerResponse.json(fields))
      ))
  ),
  HttpRouter.all(
    "/stream",
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      request.stream.pipe(
        Stream.runCollect,
        Effect.map((chunks) => ({ bytes: [...chunks].flatMap((chunk) => [...chunk]) })),
        Effect.catchAll((error) => Effect.succeed({ error: error._tag, reason: error.reason })),
        Effect.flatMap((out) => HttpServerResponse.json(out))
      ))
  )
)

describe("LambdaHttp request reading", () => {
  it.scopedLive("bodies read as the web platform reads them: UTF-8 without a leading BOM, JSON, forms, multipart, bytes; none for GET", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(reader))
      const read = (event: Json) => Effect.map(emulator.invoke(event), (record) => JSON.parse(answer(record).body))
      for (const [event, expected] of bodyReads) expect(yield* read(event)).toEqual(expected)
      expect(yield* read(unreadable.json)).toEqual({ error: "RequestError", reason: "Decode" })
      expect(yield* read(unreadable.get)).toEqual({ error: "RequestError", reason: "Decode" })
    }))

  it.scopedLive("headers lower-cased, padding trimmed, repeated names joined with a comma; the URL normalised", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaHttp.toHandler(echo))
      expect(JSON.parse(answer(yield* emulator.invoke(messyEvent)).body)).toMatchObject(messySeen)
    }))

  it.scopedLive("an event the web platform refuses is a 400: a line break in a header, a method that is no token or is forbidden, a header name", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start(LambdaHttp.toHandler(echo))
      for (const event of refusedEvents) {
        expect(answer(yield* emulator.invoke(event))).toMatchObject({ statusCode: 400, body: "Bad Request" })
      }
      const warnings = logs.filter((entry) => entry.level === "WARN" && entry.message.includes("HTTP 400"))
      expect(warnings.length).toBe(refusedEvents.length)
      // Lower-case standard methods are fine (the platform upper-cases them).
      expect(JSON.parse(answer(yield* emulator.invoke({ ...v1Post, httpMethod: "post" })).body).method).toBe("POST")
    }))

  it.scopedLive("a host or domainName that is no host name (AWS's <url-id> samples) is served with the placeholder host, path and query unchanged", () =>
    Effect.gen(function*() {
      const seen = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        return yield* HttpServerResponse.json({
          url: request.url,
          originalUrl: request.originalUrl,
          host: request.headers.host ?? null
        })
      })
      const { emulator } = yield* start(LambdaHttp.toHandler(seen))
      for (const [event, host] of placeholderHostCases) {
        const body = JSON.parse(answer(yield* emulator.invoke(event)).body)
        expect(body.url, JSON.stringify(event.headers)).toBe(placeholderPath)
        expect(body.originalUrl).toBe(`https://${host}${placeholderPath}`)
      }
      // The host header itself reaches the app as the event carried it.
      const badHost = { ...fixture("apigw-v2"), headers: { host: "bad host" } }
      expect(JSON.parse(answer(yield* emulator.invoke(badHost)).body).host).toBe("bad host")
    }))
})
