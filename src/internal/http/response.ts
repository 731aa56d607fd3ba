/**
 * An `HttpServerResponse` as the answer an HTTP integration expects: a JSON document in the
 * event's shape (buffered), or the HTTP integration stream (prelude, eight NUL bytes, body).
 *
 * The body is read from the response directly rather than through `HttpServerResponse.toWeb`:
 * a web `Response` would put a `ReadableStream` (and another runtime) between the app's
 * `Stream` and the Runtime API, while reading it here keeps the stream in the handler's fiber.
 */
import * as Cookies from "@effect/platform/Cookies"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { buffered, httpIntegrationBody, streamed } from "../runtime/handler.js"
import type { HttpEventSource } from "../../LambdaHttp.js"
import type { Response } from "../../RuntimeApi.js"
import { document, headOf, rawInMemory } from "../core/httpResults.js"
import type { Head } from "../core/httpResults.js"
import { contentTypes } from "../core/protocol.js"

const bodyContentType = (body: HttpServerResponse.HttpServerResponse["body"]): string | undefined =>
  body._tag === "Empty" ? undefined : body.contentType

/**
 * Status, headers (content type from the body unless set) and `Set-Cookie` values.
 *
 * @internal
 */
export const head = (response: HttpServerResponse.HttpServerResponse, contentType?: string): Head =>
  headOf(
    response.status,
    response.headers,
    Cookies.isEmpty(response.cookies) ? [] : Cookies.toSetCookieHeaders(response.cookies),
    contentType ?? bodyContentType(response.body)
  )

const concat = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => Buffer.concat(Chunk.toReadonlyArray(chunks))

/** A body the web platform knows how to read (a `ReadableStream`, `Blob`, `FormData`...). */
const webBytes = (body: unknown) =>
  Effect.promise(async () => {
    const web = new globalThis.Response(body as ConstructorParameters<typeof globalThis.Response>[0])
    return { bytes: new Uint8Array(await web.arrayBuffer()), contentType: web.headers.get("content-type") ?? undefined }
  })

/** The body when it is in memory already (no stream, no web body to read), else `undefined`. */
const bodyNow = (body: HttpServerResponse.HttpServerResponse["body"]): Uint8Array | string | undefined => {
  switch (body._tag) {
    case "Empty":
      return ""
    case "Uint8Array":
      return body.body
    case "Raw":
      return rawInMemory(body.body)
    default:
      return undefined
  }
}

/** The whole body, with the content type the web platform gives it when the body has none. */
const readBody = (
  body: HttpServerResponse.HttpServerResponse["body"]
): Effect.Effect<{ readonly bytes: Uint8Array | string; readonly contentType?: string | undefined }, unknown> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed({ bytes: "" })
    case "Uint8Array":
      return Effect.succeed({ bytes: body.body })
    case "Raw": {
      const bytes = rawInMemory(body.body)
      return bytes === undefined ? webBytes(body.body) : Effect.succeed({ bytes })
    }
    case "FormData":
      return webBytes(body.formData)
    case "Stream":
      return Effect.map(Stream.runCollect(body.stream), (chunks) => ({ bytes: concat(chunks) }))
  }
}

/**
 * The buffered answer when the body is in memory already (as `toBuffered` gives it), else `undefined`.
 *
 * @internal
 */
export const bufferedNow = (
  source: HttpEventSource,
  response: HttpServerResponse.HttpServerResponse,
  withoutBody: boolean
): Response | undefined => {
  const bytes = withoutBody ? "" : bodyNow(response.body)
  return bytes === undefined
    ? undefined
    : buffered(JSON.stringify(document(source, head(response), bytes)), contentTypes.json)
}

/**
 * The buffered answer: the body is read whole (HEAD answers carry none).
 *
 * @internal
 */
export const toBuffered = (
  source: HttpEventSource,
  response: HttpServerResponse.HttpServerResponse,
  withoutBody: boolean
): Effect.Effect<Response, unknown> => {
  if (withoutBody) {
    return Effect.succeed(buffered(JSON.stringify(document(source, head(response), "")), contentTypes.json))
  }
  return Effect.map(
    readBody(response.body),
    ({ bytes, contentType }) =>
      buffered(JSON.stringify(document(source, head(response, contentType), bytes)), contentTypes.json)
  )
}

/**
 * The streamed answer: the prelude, then the body as the app produces it.
 *
 * @internal
 */
export const toStreamed = (
  response: HttpServerResponse.HttpServerResponse,
  withoutBody: boolean
): Effect.Effect<Response, unknown> => {
  const body = response.body
  if (withoutBody || body._tag === "Empty") {
    const h = head(response)
    return Effect.succeed(
      streamed(
        httpIntegrationBody({ statusCode: h.status, headers: h.headers, cookies: h.cookies }),
        contentTypes.httpIntegration
      )
    )
  }
  if (body._tag === "Stream") {
    const h = head(response)
    return Effect.succeed(streamed(
      httpIntegrationBody({ statusCode: h.status, headers: h.headers, cookies: h.cookies, body: body.stream }),
      contentTypes.httpIntegration
    ))
  }
  return Effect.map(readBody(body), ({ bytes, contentType }) => {
    const h = head(response, contentType)
    return streamed(
      httpIntegrationBody({
        statusCode: h.status,
        headers: h.headers,
        cookies: h.cookies,
        body: Stream.succeed(bytes)
      }),
      contentTypes.httpIntegration
    )
  })
}
