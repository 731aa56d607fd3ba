/**
 * How the Effect 4 line's LambdaHttp reads a request out of an event: bodies, headers, URL, and
 * the events the web platform refuses. The cases of the Effect 3 line's
 * test/LambdaHttpRequest.test.ts, through the emulator; each held for the web `Request` the
 * requests were first built as.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse, Multipart } from "effect/http"
import { fixture, v1Post, withPath } from "../../../test/httpFixtures.js"
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

const v2With = (path: string, method: string, body: string, extra: Json = {}): Json => ({
  ...withPath(fixture("apigw-v2"), path, method),
  body,
  ...extra
})

describe("Effect 4: LambdaHttp request reading", () => {
  it.live("bodies read as the web platform reads them: UTF-8 without a leading BOM, JSON, forms, multipart, bytes; none for GET", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(yield* reader))
      const read = (event: Json) => Effect.map(invoke(event), (record) => JSON.parse(answer(record).body))
      expect(yield* read(v2With("/text", "POST", "\ufeffhé ✓"))).toEqual({ text: "hé ✓", first: 104 })
      // A lone surrogate cannot be UTF-8: it arrives as U+FFFD, as `Request.text()` gives it.
      expect(yield* read(v2With("/text", "POST", "\ud800x"))).toEqual({ text: "\ufffdx", first: 0xfffd })
      const base64 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("día", "utf8")]).toString("base64")
      expect(yield* read(v2With("/text", "POST", base64, { isBase64Encoded: true }))).toEqual({
        text: "día",
        first: 100
      })
      expect(yield* read(v2With("/json", "POST", `{"a":[1,2]}`))).toEqual({ value: { a: [1, 2] } })
      expect(yield* read(v2With("/json", "POST", "{nope"))).toEqual({ error: "HttpServerError" })
      expect(yield* read(v2With("/form", "POST", "a=1&b=x%20y&a=2"))).toEqual([["a", "1"], ["b", "x y"], ["a", "2"]])
      const multipart = [
        "--XyZ",
        `Content-Disposition: form-data; name="title"`,
        "",
        "hello",
        "--XyZ",
        `Content-Disposition: form-data; name="count"`,
        "",
        "3",
        "--XyZ--",
        ""
      ].join("\r\n")
      const form = v2With("/multipart", "POST", multipart, {
        headers: { "content-type": "multipart/form-data; boundary=XyZ" }
      })
      expect(yield* read(form)).toEqual({ title: "hello", count: "3" })
      expect(yield* read(v2With("/stream", "POST", "AQL/", { isBase64Encoded: true }))).toEqual({ bytes: [1, 2, 255] })
      // GET carries no body, whatever the event says.
      expect(yield* read(v2With("/stream", "GET", "ignored"))).toEqual({ error: "HttpServerError" })
    }))

  it.live("headers lower-cased, padding trimmed, repeated names joined with a comma; the URL normalised", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaHttp.toHandler(echo))
      const event = {
        ...v1Post,
        path: "/a/../my/path with space",
        multiValueHeaders: {
          "X-Padded": ["  a b\t"],
          accept: ["text/html"],
          Accept: ["application/json"],
          Cookie: ["a=1", "b=2"]
        }
      }
      const seen = JSON.parse(answer(yield* invoke(event)).body)
      expect(seen.url).toBe("/my/path%20with%20space?parameter1=value1&parameter1=value2&parameter2=value")
      expect(seen.headers).toEqual({ "x-padded": "a b", accept: "text/html, application/json", cookie: "a=1; b=2" })
      expect(seen.cookies).toEqual({ a: "1", b: "2" })
    }))

  it.live("an event the web platform refuses is a 400: a line break in a header, a method that is no token or is forbidden", () =>
    Effect.gen(function*() {
      const { invoke, logs } = yield* start(LambdaHttp.toHandler(echo))
      const refused = [
        { ...fixture("apigw-v2"), headers: { "x-evil": "a\r\nb" } },
        { ...fixture("apigw-v1"), httpMethod: "GE T", multiValueHeaders: undefined },
        { ...fixture("apigw-v1"), httpMethod: "trace" }
      ]
      for (const event of refused) {
        expect(answer(yield* invoke(event))).toMatchObject({ statusCode: 400, body: "Bad Request" })
      }
      expect(logs.filter((entry) => entry.level === "Warn" && entry.message.includes("HTTP 400")).length).toBe(
        refused.length
      )
      // Lower-case standard methods are fine (the platform upper-cases them).
      expect(JSON.parse(answer(yield* invoke({ ...v1Post, httpMethod: "post" })).body).method).toBe("POST")
    }))

  it.live("a host or domainName that is no host name (AWS's <url-id> samples) is served with the placeholder host, path and query unchanged", () =>
    Effect.gen(function*() {
      const seen = HttpServerRequest.HttpServerRequest.useSync((request) =>
        HttpServerResponse.jsonUnsafe({
          url: request.url,
          originalUrl: request.originalUrl,
          host: request.headers.host ?? null
        })
      )
      const { invoke } = yield* start(LambdaHttp.toHandler(seen))
      const query = "?parameter1=value1&parameter1=value2&parameter2=value"
      const sample = "<url-id>.lambda-url.us-west-2.on.aws"
      const v2 = fixture("apigw-v2")
      const functionUrl = fixture("function-url")
      const v1 = fixture("apigw-v1")
      const cases: ReadonlyArray<readonly [Json, string]> = [
        // AWS's documented Function URL sample: the placeholder in the host header and domainName.
        [{
          ...functionUrl,
          headers: { ...functionUrl.headers, host: sample },
          requestContext: { ...functionUrl.requestContext, domainName: sample }
        }, "localhost"],
        [{ ...v2, requestContext: { ...v2.requestContext, domainName: "<url-id>" } }, "localhost"],
        [{ ...v1, httpMethod: "POST", requestContext: { ...v1.requestContext, domainName: "<url-id>" } }, "localhost"],
        // An unusable host header falls back to a usable domainName.
        [{ ...v2, headers: { host: "bad host" } }, "id.execute-api.us-east-1.amazonaws.com"],
        [{ ...v2, headers: { host: "user:secret@example.com" } }, "id.execute-api.us-east-1.amazonaws.com"],
        // A host that would move the path is no host either.
        [{ ...v2, headers: { host: "example.com/elsewhere" } }, "id.execute-api.us-east-1.amazonaws.com"],
        // Refused by `new URL` only (a port out of range): the placeholder.
        [{ ...v2, headers: { host: "example.com:99999" } }, "localhost"]
      ]
      for (const [event, host] of cases) {
        const body = JSON.parse(answer(yield* invoke(event)).body)
        expect(body.url, JSON.stringify(event.headers)).toBe(`/my/path${query}`)
        expect(body.originalUrl).toBe(`https://${host}/my/path${query}`)
      }
      // The host header itself reaches the app as the event carried it.
      expect(JSON.parse(answer(yield* invoke({ ...v2, headers: { host: "bad host" } })).body).host).toBe("bad host")
    }))
})
