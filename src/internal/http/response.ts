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
import { contentTypes, isTextType } from "../core/protocol.js"

/**
 * The response's headers and cookies, flattened the way every shape needs them.
 *
 * @internal
 */
export interface Head {
  readonly status: number
  readonly headers: Record<string, string>
  readonly cookies: ReadonlyArray<string>
}

const bodyContentType = (body: HttpServerResponse.HttpServerResponse["body"]): string | undefined =>
  body._tag === "Empty" ? undefined : body.contentType

/**
 * Status, headers (content type from the body unless set) and `Set-Cookie` values.
 *
 * @internal
 */
export const head = (response: HttpServerResponse.HttpServerResponse, contentType?: string): Head => {
  const headers: Record<string, string> = {}
  let setCookie: string | undefined
  for (const key of Object.keys(response.headers)) {
    const value = response.headers[key]!
    if (key === "set-cookie") setCookie = value
    else headers[key] = value
  }
  const type = contentType ?? bodyContentType(response.body)
  if (headers["content-type"] === undefined && type !== undefined) headers["content-type"] = type
  const cookies = Cookies.isEmpty(response.cookies) ? [] : Cookies.toSetCookieHeaders(response.cookies)
  // A `set-cookie` header set by hand is one more cookie, not a replacement of the others.
  if (setCookie !== undefined) cookies.unshift(setCookie)
  return { status: response.status, headers, cookies }
}

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
    case "Raw": {
      const raw = body.body
      if (typeof raw === "string" || raw instanceof Uint8Array) return raw
      return raw instanceof ArrayBuffer ? new Uint8Array(raw) : undefined
    }
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
      const raw = body.body
      if (typeof raw === "string" || raw instanceof Uint8Array) return Effect.succeed({ bytes: raw })
      if (raw instanceof ArrayBuffer) return Effect.succeed({ bytes: new Uint8Array(raw) })
      return webBytes(raw)
    }
    case "FormData":
      return webBytes(body.formData)
    case "Stream":
      return Effect.map(Stream.runCollect(body.stream), (chunks) => ({ bytes: concat(chunks) }))
  }
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/**
 * ALB in single-value mode keeps one value per header name, but compares names exactly, so
 * each further cookie goes under another capitalisation of `set-cookie` (clients treat header
 * names case-insensitively and see them all).
 */
const cookieNameVariant = (n: number): string => {
  const name = "set-cookie"
  let out = ""
  let bits = n
  for (const char of name) {
    if (char === "-") {
      out += char
      continue
    }
    out += bits & 1 ? char.toUpperCase() : char
    bits >>= 1
  }
  return out
}

/**
 * The JSON document an integration expects, for a body already read.
 *
 * @internal
 */
export const document = (
  source: HttpEventSource,
  h: Head,
  bytes: Uint8Array | string
): Record<string, unknown> => {
  const text = isTextType(h.headers["content-type"])
  const body = text
    ? (typeof bytes === "string"
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"))
    : (typeof bytes === "string"
      ? Buffer.from(bytes, "utf8")
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      .toString("base64")
  const isBase64Encoded = !text && body.length > 0
  switch (source) {
    case "ApiGatewayV2":
    case "FunctionUrl": {
      const out: Record<string, unknown> = { statusCode: h.status, headers: h.headers }
      if (h.cookies.length > 0) out.cookies = h.cookies
      out.body = body
      out.isBase64Encoded = isBase64Encoded
      return out
    }
    case "ApiGatewayV1": {
      // API Gateway merges `headers` and `multiValueHeaders`; only cookies need several values.
      const out: Record<string, unknown> = { statusCode: h.status, headers: h.headers }
      if (h.cookies.length > 0) out.multiValueHeaders = { "set-cookie": h.cookies }
      out.body = body
      out.isBase64Encoded = isBase64Encoded
      return out
    }
    case "AlbMultiValue": {
      // With multi-value headers on, ALB reads `multiValueHeaders` only.
      const multi: Record<string, Array<string>> = {}
      for (const key of Object.keys(h.headers)) multi[key] = [h.headers[key]!]
      if (h.cookies.length > 0) multi["set-cookie"] = [...h.cookies]
      return {
        statusCode: h.status,
        statusDescription: statusLine(h.status),
        multiValueHeaders: multi,
        body,
        isBase64Encoded
      }
    }
    case "Alb": {
      const headers: Record<string, string> = { ...h.headers }
      h.cookies.forEach((cookie, i) => {
        headers[cookieNameVariant(i)] = cookie
      })
      return { statusCode: h.status, statusDescription: statusLine(h.status), headers, body, isBase64Encoded }
    }
  }
}

const statusLine = (status: number) => {
  const reason = REASONS[status]
  return reason === undefined ? String(status) : `${status} ${reason}`
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
