/**
 * The answer an HTTP integration expects, as a JSON document in the event's shape: status,
 * headers, multi-value headers, cookies, and the body as text or base64. Effect-free, shared by
 * both lines' `LambdaHttp`: each reads its own `HttpServerResponse` into a {@link Head} and the
 * body's bytes, and this module writes the document.
 *
 * @internal
 */
import type { HttpEventSource } from "./httpEvents.js"
import { isTextType } from "./protocol.js"

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

/**
 * Status, headers (the content type given unless one is set) and `Set-Cookie` values: a
 * `set-cookie` header set by hand is one more cookie, not a replacement of the others.
 *
 * @internal
 */
export const headOf = (
  status: number,
  responseHeaders: Readonly<Record<string, string>>,
  setCookies: ReadonlyArray<string>,
  contentType: string | undefined
): Head => {
  const headers: Record<string, string> = {}
  let setCookie: string | undefined
  for (const key of Object.keys(responseHeaders)) {
    const value = responseHeaders[key]!
    if (key === "set-cookie") setCookie = value
    else headers[key] = value
  }
  if (headers["content-type"] === undefined && contentType !== undefined) headers["content-type"] = contentType
  const cookies = setCookie === undefined ? setCookies : [setCookie, ...setCookies]
  return { status, headers, cookies }
}

/**
 * A raw body (`HttpBody.Raw` of either line) as bytes or text when it is in memory already,
 * else `undefined` (a `ReadableStream`, `Blob`... that the web platform reads).
 *
 * @internal
 */
export const rawInMemory = (raw: unknown): Uint8Array | string | undefined => {
  if (typeof raw === "string" || raw instanceof Uint8Array) return raw
  return raw instanceof ArrayBuffer ? new Uint8Array(raw) : undefined
}

/** Reason phrases of the status line ALB sends (`statusDescription`). */
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
