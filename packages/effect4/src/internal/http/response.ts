/**
 * An Effect 4 `HttpServerResponse` as the buffered answer an HTTP integration expects. The
 * document (its shape per event source, text or base64 bodies) is the shared core's
 * (`core/httpResults.ts`); this module reads the response's head and body.
 *
 * The body is read from the response directly rather than through `HttpServerResponse.toWeb`:
 * a web `Response` would put a `ReadableStream` between the app's `Stream` and the answer.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Stream from "effect/Stream"
import { HttpResults } from "../core.js"
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
