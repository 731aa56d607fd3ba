/**
 * The request an HTTP event describes, as the web platform's `Request` would see it: method,
 * absolute URL (WHATWG-normalised), headers (validated, lower-cased, repeated values joined),
 * body (base64 decoded) and source IP. Effect-free, shared by both lines' `LambdaHttp`: each
 * wraps what is here in its own `HttpServerRequest`, without building a web `Request` (which
 * cost more than the app itself on a small API: an `AbortSignal`, a `ReadableStream`, a
 * promise to read the body back).
 *
 * @internal
 */
import type { HeaderMap, HttpEvent, MultiHeaderMap } from "./httpEvents.js"

/**
 * An event the web platform's `Request` would refuse (the caller's request is at fault).
 *
 * @internal
 */
export class InvalidRequest extends Error {}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const INVALID_VALUE = /[\0\r\n]/

const isHttpWhitespace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

/** HTTP whitespace (tab, LF, CR, space) trimmed from both ends, as `Headers` does. */
const trimHttp = (value: string): string => {
  let start = 0
  let end = value.length
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/**
 * The request headers as `Headers.fromInput(new Request(...).headers)` gives them, built in one
 * pass over the event: names checked and lower-cased, values trimmed and checked, repeated
 * names joined with `, `. The first value of the few headers the URL and the source IP come
 * from is kept as the event carried it.
 */
class HeaderList {
  readonly record: Record<string, string>
  host: string | undefined = undefined
  proto: string | undefined = undefined
  forwardedFor: string | undefined = undefined
  constructor(proto: object | null) {
    this.record = Object.create(proto) as Record<string, string>
  }
  add(name: string, raw: string): void {
    if (!TOKEN.test(name)) throw new InvalidRequest(`invalid header name ${JSON.stringify(name)}`)
    const value = trimHttp(raw)
    if (INVALID_VALUE.test(value)) throw new InvalidRequest(`invalid value of header ${JSON.stringify(name)}`)
    const key = name.toLowerCase()
    const previous = this.record[key]
    if (previous !== undefined) {
      this.record[key] = `${previous}, ${value}`
      return
    }
    this.record[key] = value
    if (key === "host") this.host = raw
    else if (key === "x-forwarded-proto") this.proto = raw
    else if (key === "x-forwarded-for") this.forwardedFor = raw
  }
}

/**
 * What the `HttpServerRequest` needs from an event.
 *
 * @internal
 */
export interface RequestParts<Headers> {
  readonly method: string
  readonly url: string
  /** A record with the prototype the caller passed (its line's `Headers`). */
  readonly headers: Headers
  /** Text as the event carried it, or the bytes of a base64 body. */
  readonly body: string | Uint8Array | undefined
  readonly sourceIp: string | undefined
}

const appendSingle = (out: HeaderList, headers: HeaderMap) => {
  if (headers == null) return
  for (const key in headers) {
    const value = headers[key]
    if (value !== undefined && value !== null) out.add(key, value)
  }
}

const appendMulti = (out: HeaderList, headers: MultiHeaderMap) => {
  if (headers == null) return
  for (const key in headers) {
    const values = headers[key]
    if (values == null) continue
    // Cookies are one header joined with `; ` (RFC 6265); `Headers` would join them with `, `.
    if (key.toLowerCase() === "cookie") out.add(key, values.join("; "))
    else for (const value of values) out.add(key, value)
  }
}

/** `?a=1&b=2` from decoded multi-value parameters (API Gateway REST decodes them). */
const encodedQuery = (multi: MultiHeaderMap, single: HeaderMap): string => {
  const params = new URLSearchParams()
  if (multi != null) {
    for (const key in multi) for (const value of multi[key] ?? []) params.append(key, value)
  } else if (single != null) {
    for (const key in single) {
      const value = single[key]
      if (value != null) params.append(key, value)
    }
  }
  const query = params.toString()
  return query.length === 0 ? "" : `?${query}`
}

/** ALB passes query parameters as they were sent (still percent-encoded): join them verbatim. */
const rawQuery = (multi: MultiHeaderMap, single: HeaderMap): string => {
  const parts: Array<string> = []
  if (multi != null) {
    for (const key in multi) for (const value of multi[key] ?? []) parts.push(value === "" ? key : `${key}=${value}`)
  } else if (single != null) {
    for (const key in single) {
      const value = single[key]
      if (value != null) parts.push(value === "" ? key : `${key}=${value}`)
    }
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`
}

const decodeBody = (body: string | null | undefined, base64: boolean | undefined): string | Uint8Array | undefined => {
  if (body == null || body.length === 0) return undefined
  return base64 === true ? Buffer.from(body, "base64") : body
}

/**
 * HTTP API puts a named stage in front of the path (`/prod/orders`) while routes are matched
 * without it, as API Gateway does; `$default` has no prefix.
 */
const withoutStage = (path: string, stage: string | undefined): string => {
  if (stage === undefined || stage === "$default" || stage.length === 0) return path
  const prefix = `/${stage}`
  if (path === prefix) return "/"
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path
}

const firstForwardedFor = (headers: HeaderList): string | undefined => {
  const forwarded = headers.forwardedFor
  if (forwarded === undefined) return undefined
  const first = forwarded.split(",")[0]!.trim()
  return first.length === 0 ? undefined : first
}

/**
 * The host of a request URL when the event's `host` header and `domainName` give none that can
 * be one. Routing needs only the path and query, so an event whose host is not a host name
 * (AWS's documented sample events carry the placeholder `<url-id>`, and they are what people
 * test with) is served rather than refused: its URL gets `localhost` instead, a host that is
 * always valid and says plainly that it is not the caller's. The `host` header itself is
 * passed on as the event carried it.
 *
 * @internal
 */
export const PLACEHOLDER_HOST = "localhost"

/**
 * Characters no URL host may hold (WHATWG's forbidden host code points, `:`, `[` and `]` aside,
 * which a port or an IPv6 address use); `/`, `?`, `#`, `\` and `@` would even move the path
 * or make the host credentials. `resolveRequest` also falls back to {@link PLACEHOLDER_HOST} for a
 * host that passes this check but that `new URL` refuses (a bad port, an invalid IPv4 address).
 */
// eslint-disable-next-line no-control-regex -- control characters are what a host may not hold
const NOT_A_HOST = /[\x00-\x20#%/<>?@\\^|\x7f]/

const usableHost = (host: string | undefined): string | undefined =>
  host === undefined || host.length === 0 || NOT_A_HOST.test(host) ? undefined : host

/**
 * An absolute URL for `new Request`: the host the caller used (else the event's domain name,
 * else {@link PLACEHOLDER_HOST}), `https` unless forwarded otherwise.
 */
const absolute = (headers: HeaderList, domain: string | undefined, pathAndQuery: string) => {
  const host = usableHost(headers.host) ?? usableHost(domain) ?? PLACEHOLDER_HOST
  const proto = headers.proto ?? "https"
  const path = pathAndQuery.startsWith("/") ? pathAndQuery : `/${pathAndQuery}`
  return `${proto}://${host}${path}`
}

/**
 * The parts of the request an HTTP event describes; throws `InvalidRequest` for a header the
 * web platform refuses. The header record is made with `headersProto` (the prototype of the
 * caller's `Headers.empty`), so that it is that line's `Headers` without a copy.
 *
 * @internal
 */
export const requestParts = <Headers>(http: HttpEvent, headersProto: object): RequestParts<Headers> => {
  const headers = new HeaderList(headersProto)
  switch (http.source) {
    case "ApiGatewayV2":
    case "FunctionUrl": {
      const event = http.event
      appendSingle(headers, event.headers)
      // HTTP API moves cookies out of the headers into `cookies`.
      if (event.cookies !== undefined && event.cookies.length > 0) headers.add("cookie", event.cookies.join("; "))
      const query = event.rawQueryString !== undefined && event.rawQueryString.length > 0
        ? `?${event.rawQueryString}`
        : ""
      const path = withoutStage(event.rawPath, event.requestContext.stage)
      return {
        method: event.requestContext.http.method,
        url: absolute(headers, event.requestContext.domainName, path + query),
        headers: headers.record as Headers,
        body: decodeBody(event.body, event.isBase64Encoded),
        sourceIp: event.requestContext.http.sourceIp
      }
    }
    case "ApiGatewayV1": {
      const event = http.event
      // REST APIs send both maps; the multi-value one has every value.
      if (event.multiValueHeaders != null) appendMulti(headers, event.multiValueHeaders)
      else appendSingle(headers, event.headers)
      return {
        method: event.httpMethod,
        url: absolute(
          headers,
          event.requestContext.domainName,
          event.path + encodedQuery(event.multiValueQueryStringParameters, event.queryStringParameters)
        ),
        headers: headers.record as Headers,
        body: decodeBody(event.body, event.isBase64Encoded),
        sourceIp: event.requestContext.identity?.sourceIp
      }
    }
    case "Alb":
    case "AlbMultiValue": {
      const event = http.event
      if (http.source === "AlbMultiValue") appendMulti(headers, event.multiValueHeaders)
      else appendSingle(headers, event.headers)
      return {
        method: event.httpMethod,
        url: absolute(
          headers,
          undefined,
          event.path + rawQuery(event.multiValueQueryStringParameters, event.queryStringParameters)
        ),
        headers: headers.record as Headers,
        body: decodeBody(event.body, event.isBase64Encoded),
        sourceIp: firstForwardedFor(headers)
      }
    }
  }
}

const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"])

const toMethod = (method: string): string => {
  if (!TOKEN.test(method)) throw new InvalidRequest(`invalid method ${JSON.stringify(method)}`)
  const upper = method.toUpperCase()
  if (FORBIDDEN_METHODS.has(upper)) throw new InvalidRequest(`forbidden method ${upper}`)
  return upper
}

/** `href` with its authority (between `//` and the path's `/`, which `absolute` always writes) replaced by the placeholder host. */
const withPlaceholderHost = (href: string): string => {
  const start = href.indexOf("//") + 2
  const end = href.indexOf("/", start)
  return `${href.slice(0, start)}${PLACEHOLDER_HOST}${end === -1 ? "/" : href.slice(end)}`
}

const removeHost = (href: string): string => {
  const index = href.indexOf("/", href.indexOf("//") + 2)
  return index === -1 ? "/" : href.slice(index)
}

const decoder = new TextDecoder()

/**
 * The body's text as `Request.text()` reads it: UTF-8, a leading byte-order mark dropped.
 *
 * @internal
 */
export const bodyText = (body: string | Uint8Array): string => {
  if (typeof body === "string") {
    const wellFormed = (body as { isWellFormed?: () => boolean }).isWellFormed
    // The string the event carried, unless encoding and decoding it would change it.
    if (body.charCodeAt(0) !== 0xfeff && wellFormed !== undefined && wellFormed.call(body)) return body
    return decoder.decode(Buffer.from(body, "utf8"))
  }
  return decoder.decode(body)
}

/**
 * The body's bytes (UTF-8 for text the event carried).
 *
 * @internal
 */
export const bodyBytes = (body: string | Uint8Array): Uint8Array =>
  typeof body === "string" ? Buffer.from(body, "utf8") : body

/**
 * A request as the web platform would accept it: the method upper-cased, the URL normalised.
 *
 * @internal
 */
export interface ResolvedRequest {
  readonly method: string
  /** The absolute URL (normalised by `new URL`). */
  readonly originalUrl: string
  /** The path and query of `originalUrl`, what routers match. */
  readonly url: string
  /** `undefined` for none, and always for GET and HEAD. */
  readonly body: string | Uint8Array | undefined
}

/**
 * Resolves an event's parts as `new Request(...)` would; throws `InvalidRequest` where it would
 * throw (a method or URL the web platform refuses). GET and HEAD carry no body.
 *
 * @internal
 */
export const resolveRequest = (parts: RequestParts<unknown>): ResolvedRequest => {
  const method = toMethod(parts.method)
  let url: URL
  try {
    url = new URL(parts.url)
  } catch (cause) {
    // A host `new URL` refuses though it holds no forbidden character (a port out of range, an
    // invalid IPv4 address): routing needs no host, so the placeholder is used.
    try {
      url = new URL(withPlaceholderHost(parts.url))
    } catch {
      throw new InvalidRequest(`invalid URL ${JSON.stringify(parts.url)}`, { cause })
    }
  }
  if (url.username !== "" || url.password !== "") throw new InvalidRequest("a URL with credentials")
  const href = url.href
  const body = parts.body !== undefined && method !== "GET" && method !== "HEAD" ? parts.body : undefined
  return { method, originalUrl: href, url: removeHost(href), body }
}
