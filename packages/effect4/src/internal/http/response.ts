/**
 * An Effect 4 `HttpServerResponse` as the answer an HTTP integration expects: the buffered JSON
 * document (its shape per event source, text or base64 bodies: the shared core's
 * `core/httpResults.ts`), or the HTTP integration stream (the core's prelude from the same head,
 * then the body as the app produces it). This module reads the response's head and body.
 *
 * The body is read from the response directly rather than through `HttpServerResponse.toWeb`:
 * a web `Response` would put a `ReadableStream` between the app's `Stream` and the answer.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import * as HttpEffect from "effect/http/HttpEffect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Stream from "effect/Stream"
import { httpIntegrationBody, streamed } from "../../LambdaHandler.js"
import type { Response } from "../../LambdaHandler.js"
import { HttpResults, Protocol } from "../core.js"
import type { HttpEvents } from "../core.js"

type Body = HttpServerResponse.HttpServerResponse["body"]

/** What the app answered: the document the integration expects (the loop posts it as JSON). */
export type Answer = Record<string, unknown>

const head = (response: HttpServerResponse.HttpServerResponse, contentType: string | undefined) =>
  HttpResults.headOf(
    response.status,
    response.headers,
    Cookies.isEmpty(response.cookies) ? [] : Cookies.toSetCookieHeaders(response.cookies),
    contentType ?? (response.body._tag === "Empty" ? undefined : response.body.contentType)
  )

/**
 * The body when it is in memory already (no stream, no web body to read), else `undefined`.
 * `HttpServerResponse.text` keeps its text: sent as it is, without encoding and decoding back.
 */
const bodyNow = (body: Body): Uint8Array | string | undefined =>
  body._tag === "Empty"
    ? ""
    : body._tag === "Uint8Array"
    ? body.text ?? body.body
    : body._tag === "Raw"
    ? HttpResults.rawInMemory(body.body)
    : undefined

/** A body the web platform knows how to read (a `ReadableStream`, `Blob`, `FormData`...). */
const webBytes = (body: unknown) =>
  Effect.promise(async () => {
    const web = new globalThis.Response(body as ConstructorParameters<typeof globalThis.Response>[0])
    return { bytes: new Uint8Array(await web.arrayBuffer()), contentType: web.headers.get("content-type") ?? undefined }
  })

/** The whole body, with the content type the web platform gives it when the body has none. */
const readBody = (
  body: Body
): Effect.Effect<{ readonly bytes: Uint8Array | string; readonly contentType?: string | undefined }, unknown> => {
  const now = bodyNow(body)
  if (now !== undefined) return Effect.succeed({ bytes: now })
  switch (body._tag) {
    case "FormData":
      return webBytes(body.formData)
    case "Stream":
      return Effect.map(Stream.runCollect(body.stream), (chunks) => ({ bytes: Buffer.concat(chunks) }))
    default:
      return webBytes(body._tag === "Raw" ? body.body : undefined)
  }
}

/**
 * The answer, the body read whole (HEAD answers carry none). Reading can fail (a failing body
 * stream): the caller answers 500 then, since nothing is on the wire yet.
 *
 * @internal
 */
export const toAnswer = (
  source: HttpEvents.HttpEventSource,
  response: HttpServerResponse.HttpServerResponse,
  withoutBody: boolean
): Effect.Effect<Answer, unknown> => {
  const now = withoutBody ? "" : bodyNow(response.body)
  // Most bodies are in memory already: answered without a further step.
  if (now !== undefined) return Effect.sync(() => HttpResults.document(source, head(response, undefined), now))
  return Effect.map(
    readBody(response.body),
    ({ bytes, contentType }) => HttpResults.document(source, head(response, contentType), bytes)
  )
}

/** The streamed answer of a head and a body: the core's prelude, then the body. */
const framed = (
  h: HttpResults.Head,
  body: Stream.Stream<Uint8Array | string, unknown> | undefined
): Response =>
  streamed(
    httpIntegrationBody({ statusCode: h.status, headers: h.headers, cookies: h.cookies, body }),
    Protocol.contentTypes.httpIntegration
  )

/**
 * The streamed answer (Function URLs in `RESPONSE_STREAM` mode): the prelude with status,
 * headers and cookies, then the body. A `Stream` body is written element by element as the app
 * produces it (the loop consumes it in the handler's fiber), its request `Scope` kept open until
 * it ends, as effect/http's own servers keep it; other bodies are read whole first (that read can
 * fail: the caller answers 500, nothing being on the wire yet). The prelude goes out with the
 * body's first byte, so a body that fails before it is still a plain `/error`.
 *
 * A `Stream` body only comes through `HttpEffect.toHandled`'s response hook, where the request's
 * `Scope` is the fiber's (the 400 and 500 answered outside it have bodies in memory).
 *
 * @internal
 */
export const toStreamed = (
  _source: HttpEvents.HttpEventSource,
  response: HttpServerResponse.HttpServerResponse,
  withoutBody: boolean
): Effect.Effect<Response, unknown> => {
  if (HttpServerResponse.omitsBody(response, withoutBody)) {
    return Effect.sync(() => framed(head(response, undefined), undefined))
  }
  if (response.body._tag === "Stream") {
    // The request's scope closes with the body's end rather than when the hook returns, so
    // that a body reading a resource of the request still has it (in the fiber, lazily: the
    // transfer takes the scope from the running fiber's context).
    return Effect.sync(() => {
      const { body } = HttpEffect.scopeTransferToStream(response)
      return framed(head(response, undefined), body._tag === "Stream" ? body.stream : undefined)
    })
  }
  return Effect.map(
    readBody(response.body),
    ({ bytes, contentType }) => framed(head(response, contentType), Stream.succeed(bytes))
  )
}
