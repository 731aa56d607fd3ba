/**
 * How the Effect 4 line's LambdaHttp reads a request out of an event: bodies, headers, URL, and
 * the events the web platform refuses. The cases of the Effect 3 line's
 * test/LambdaHttpRequest.test.ts, through the emulator; each held for the web `Request` the
 * requests were first built as.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse, Multipart } from "effect/http"
import * as Cases from "../../../test/httpCases.js"
import { fixture, v1Post } from "../../../test/httpFixtures.js"
import type { Json } from "../../../test/httpFixtures.js"
import * as LambdaHttp from "../src/LambdaHttp.js"
import { answer, echo, router, start } from "./httpSupport.js"

/** The request, and what a route answers with what it read of it (or the error's tag). */
const reading = <A, E>(
  path: HttpRouter.PathInput,
  read: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<A, E>
) =>
  HttpRouter.add(
    "*",
    path,
    HttpServerRequest.HttpServerRequest.use((request) =>
      read(request).pipe(
        Effect.map((value): unknown => value),
        Effect.catch((error) => Effect.succeed({ error: (error as { readonly _tag: string })._tag })),
        Effect.map((out) => HttpServerResponse.jsonUnsafe(out))
      )
    )
  )

/** What the app reads of a request body, each way the platform offers. */
const reader = router(Layer.mergeAll(
  reading("/text", (request) => Effect.map(request.text, (text) => ({ text, first: text.codePointAt(0) ?? null }))),
  reading("/json", (request) => Effect.map(request.json, (value) => ({ value }))),
  reading("/form", (request) => Effect.map(request.urlParamsBody, (params) => [...params])),
  reading("/multipart", (request) =>
    request.multipartStream.pipe(
      Stream.filter(Multipart.isField),
      Stream.runFold(() => ({}) as Record<string, string>, (fields, field) => ({ ...fields, [field.key]: field.value }))
    )),
  reading(
    "/stream",
    (request) =>
      Effect.map(Stream.runCollect(request.stream), (chunks) => ({ bytes: chunks.flatMap((chunk) => [...chunk]) }))
  )
))

describe("Effect 4: LambdaHttp request reading", () => {
  it.live("bodies read as the web platform reads them: UTF-8 without a leading BOM, JSON, forms, multipart, bytes; none for GET", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(yield* reader))
      const read = (event: Json) => Effect.map(invoke(event), (record) => JSON.parse(answer(record).body) as unknown)
      const reads = yield* Effect.forEach(Cases.bodyReads, ([event]) => read(event))
      expect(reads).toEqual(Cases.bodyReads.map(([, expected]) => expected))
      // What fails to read fails with effect/http's error.
      expect([yield* read(Cases.unreadable.json), yield* read(Cases.unreadable.get)]).toEqual([
        { error: "HttpServerError" },
        { error: "HttpServerError" }
      ])
    }))

  it.live("headers lower-cased, padding trimmed, repeated names joined with a comma; the URL normalised", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(echo))
      const seen = JSON.parse(answer(yield* invoke(Cases.messyEvent)).body)
      expect(seen).toMatchObject(Cases.messySeen)
    }))

  it.live("an event the web platform refuses is a 400 with a warning: a line break in a header, a method that is no token or is forbidden, a header name", () =>
    Effect.gen(function*() {
      const { invoke, logs } = yield* start(LambdaHttp.toHandler(echo))
      const refused = yield* Effect.forEach(Cases.refusedEvents, (event) => Effect.map(invoke(event), answer))
      expect(refused).toMatchObject(Cases.refusedEvents.map(() => ({ statusCode: 400, body: "Bad Request" })))
      expect(logs.filter(({ level, message }) => level === "Warn" && message.includes("HTTP 400"))).toHaveLength(
        Cases.refusedEvents.length
      )
      // Lower-case standard methods are fine (the platform upper-cases them).
      const lower = JSON.parse(answer(yield* invoke({ ...v1Post, httpMethod: "post" })).body)
      expect(lower.method).toBe("POST")
    }))

  it.live("a host or domainName that is no host name (AWS's <url-id> samples) is served with the placeholder host, path and query unchanged", () =>
    Effect.gen(function*() {
      const seen = HttpServerRequest.HttpServerRequest.useSync(({ headers, originalUrl, url }) =>
        HttpServerResponse.jsonUnsafe({ url, originalUrl, host: headers.host ?? null })
      )
      const { invoke } = yield* start(LambdaHttp.toHandler(seen))
      const urls = yield* Effect.forEach(
        Cases.placeholderHostCases,
        ([event]) => Effect.map(invoke(event), (record) => JSON.parse(answer(record).body))
      )
      expect(urls).toMatchObject(Cases.placeholderHostCases.map(([, host]) => ({
        url: Cases.placeholderPath,
        originalUrl: `https://${host}${Cases.placeholderPath}`
      })))
      // The host header itself reaches the app as the event carried it.
      const badHost = answer(yield* invoke({ ...fixture("apigw-v2"), headers: { host: "bad host" } }))
      expect(JSON.parse(badHost.body).host).toBe("bad host")
    }))
})
