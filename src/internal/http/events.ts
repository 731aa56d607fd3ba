/**
 * Which of the HTTP event shapes Lambda delivers an event has (the shapes are public types of
 * `LambdaHttp`), and what each says of the request it carries.
 *
 * The shapes are told apart per invocation because one function can sit behind several
 * integrations at once (a Function URL next to an API Gateway route is common), and the
 * answer must go back in the shape the caller's integration parses.
 */
import * as Headers from "@effect/platform/Headers"
import type { AlbEvent, ApiGatewayV1Event, ApiGatewayV2Event, HttpEvent } from "../../LambdaHttp.js"

/** Header maps as the integrations send them: values may be missing in ALB's single mode. */
type HeaderMap = ApiGatewayV1Event["headers"]
type MultiHeaderMap = ApiGatewayV1Event["multiValueHeaders"]

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/**
 * The event's shape, or `undefined` when it is not an HTTP event this module knows.
 *
 * @internal
 */
export const classify = (u: unknown): HttpEvent | undefined => {
  if (!isRecord(u) || !isRecord(u.requestContext)) return undefined
  const requestContext = u.requestContext
  if (u.version === "2.0" && isRecord(requestContext.http) && typeof u.rawPath === "string") {
    const event = u as unknown as ApiGatewayV2Event
    const domain = event.requestContext.domainName
    // Function URLs are the only v2 source on a `*.lambda-url.<region>.on.aws` domain.
    const source = typeof domain === "string" && domain.includes(".lambda-url.") ? "FunctionUrl" : "ApiGatewayV2"
    return { source, event }
  }
  if (typeof u.httpMethod !== "string" || typeof u.path !== "string") return undefined
  if (isRecord(requestContext.elb)) {
    const event = u as unknown as AlbEvent
    return { source: isRecord(u.multiValueHeaders) ? "AlbMultiValue" : "Alb", event }
  }
  return { source: "ApiGatewayV1", event: u as unknown as ApiGatewayV1Event }
}

/**
 * An event the web platform's `Request` would refuse (the caller's request is at fault).
 *
 * @internal
 */
export class InvalidRequest extends Error {}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const INVALID_VALUE = /[\0\r\n]/
const HeadersProto = Object.getPrototypeOf(Headers.empty) as object

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
  readonly record = Object.create(HeadersProto) as Record<string, string>
  host: string | undefined = undefined
  proto: string | undefined = undefined
  forwardedFor: string | undefined = undefined
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
export interface RequestParts {
  readonly method: string
  readonly url: string
  readonly headers: Headers.Headers
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
 * or make the host credentials. `request.ts` also falls back to {@link PLACEHOLDER_HOST} for a
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
 * web platform refuses.
 *
 * @internal
 */
export const requestParts = (http: HttpEvent): RequestParts => {
  const headers = new HeaderList()
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
        headers: headers.record as unknown as Headers.Headers,
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
        headers: headers.record as unknown as Headers.Headers,
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
        headers: headers.record as unknown as Headers.Headers,
        body: decodeBody(event.body, event.isBase64Encoded),
        sourceIp: firstForwardedFor(headers)
      }
    }
  }
}
