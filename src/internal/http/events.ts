/**
 * The HTTP event shapes Lambda delivers, and how each becomes a web `Request`.
 *
 * The shapes are told apart per invocation because one function can sit behind several
 * integrations at once (a Function URL next to an API Gateway route is common), and the
 * answer must go back in the shape the caller's integration parses.
 */

/** Header maps as the integrations send them: values may be missing in ALB's single mode. */
type HeaderMap = Readonly<Record<string, string | undefined>> | null | undefined
type MultiHeaderMap = Readonly<Record<string, ReadonlyArray<string> | undefined>> | null | undefined

/**
 * API Gateway REST API proxy integration (payload format 1.0).
 *
 * @since 0.2.0
 * @category models
 */
export interface ApiGatewayV1Event {
  readonly resource?: string
  readonly path: string
  readonly httpMethod: string
  readonly headers?: HeaderMap
  readonly multiValueHeaders?: MultiHeaderMap
  readonly queryStringParameters?: HeaderMap
  readonly multiValueQueryStringParameters?: MultiHeaderMap
  readonly pathParameters?: HeaderMap
  readonly stageVariables?: HeaderMap
  readonly requestContext: {
    readonly requestId?: string
    readonly stage?: string
    readonly path?: string
    readonly domainName?: string
    readonly identity?: { readonly sourceIp?: string; readonly [key: string]: unknown }
    readonly [key: string]: unknown
  }
  readonly body?: string | null
  readonly isBase64Encoded?: boolean
}

/**
 * API Gateway HTTP API (payload format 2.0) and Function URL events share this shape.
 *
 * @since 0.2.0
 * @category models
 */
export interface ApiGatewayV2Event {
  readonly version: "2.0"
  readonly routeKey?: string
  readonly rawPath: string
  readonly rawQueryString?: string
  readonly cookies?: ReadonlyArray<string>
  readonly headers?: HeaderMap
  readonly queryStringParameters?: HeaderMap
  readonly pathParameters?: HeaderMap
  readonly stageVariables?: HeaderMap
  readonly requestContext: {
    readonly requestId?: string
    readonly stage?: string
    readonly domainName?: string
    readonly http: {
      readonly method: string
      readonly path?: string
      readonly protocol?: string
      readonly sourceIp?: string
      readonly userAgent?: string
    }
    readonly [key: string]: unknown
  }
  readonly body?: string | null
  readonly isBase64Encoded?: boolean
}

/**
 * Application Load Balancer target (single- or multi-value header mode).
 *
 * @since 0.2.0
 * @category models
 */
export interface AlbEvent {
  readonly httpMethod: string
  readonly path: string
  readonly headers?: HeaderMap
  readonly multiValueHeaders?: MultiHeaderMap
  readonly queryStringParameters?: HeaderMap
  readonly multiValueQueryStringParameters?: MultiHeaderMap
  readonly requestContext: { readonly elb: { readonly targetGroupArn: string } }
  readonly body?: string | null
  readonly isBase64Encoded?: boolean
}

/**
 * Which integration sent the event, hence which response shape it expects.
 *
 * @since 0.2.0
 * @category models
 */
export type HttpEventSource = "ApiGatewayV1" | "ApiGatewayV2" | "FunctionUrl" | "Alb" | "AlbMultiValue"

/**
 * An HTTP event with the integration it came from.
 *
 * @since 0.2.0
 * @category models
 */
export type HttpEvent =
  | { readonly source: "ApiGatewayV1"; readonly event: ApiGatewayV1Event }
  | { readonly source: "ApiGatewayV2" | "FunctionUrl"; readonly event: ApiGatewayV2Event }
  | { readonly source: "Alb" | "AlbMultiValue"; readonly event: AlbEvent }

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** The event's shape, or `undefined` when it is not an HTTP event this module knows. */
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

/** Whether the event shape expects `multiValueHeaders` (and so multi-value `set-cookie`) back. */
export const multiValueResponse = (source: HttpEventSource): boolean =>
  source === "ApiGatewayV1" || source === "AlbMultiValue"

/** What a web `Request` needs from an event. */
export interface RequestParts {
  readonly method: string
  readonly url: string
  readonly headers: Array<[string, string]>
  /** Text as the event carried it, or the bytes of a base64 body. */
  readonly body: string | Uint8Array | undefined
  readonly sourceIp: string | undefined
}

const appendSingle = (out: Array<[string, string]>, headers: HeaderMap) => {
  if (headers == null) return
  for (const key in headers) {
    const value = headers[key]
    if (value !== undefined && value !== null) out.push([key, value])
  }
}

const appendMulti = (out: Array<[string, string]>, headers: MultiHeaderMap) => {
  if (headers == null) return
  for (const key in headers) {
    const values = headers[key]
    if (values == null) continue
    // Cookies are one header joined with `; ` (RFC 6265); `Headers` would join them with `, `.
    if (key.toLowerCase() === "cookie") out.push([key, values.join("; ")])
    else for (const value of values) out.push([key, value])
  }
}

const headerValue = (headers: ReadonlyArray<[string, string]>, name: string): string | undefined => {
  for (const [key, value] of headers) if (key.toLowerCase() === name) return value
  return undefined
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

const firstForwardedFor = (headers: ReadonlyArray<[string, string]>): string | undefined => {
  const forwarded = headerValue(headers, "x-forwarded-for")
  if (forwarded === undefined) return undefined
  const first = forwarded.split(",")[0]!.trim()
  return first.length === 0 ? undefined : first
}

/** An absolute URL for `new Request`: the host the caller used, `https` unless forwarded otherwise. */
const absolute = (headers: ReadonlyArray<[string, string]>, domain: string | undefined, pathAndQuery: string) => {
  const host = headerValue(headers, "host") ?? domain ?? "localhost"
  const proto = headerValue(headers, "x-forwarded-proto") ?? "https"
  const path = pathAndQuery.startsWith("/") ? pathAndQuery : `/${pathAndQuery}`
  return `${proto}://${host}${path}`
}

/** The parts of the web `Request` an HTTP event describes. */
export const requestParts = (http: HttpEvent): RequestParts => {
  const headers: Array<[string, string]> = []
  switch (http.source) {
    case "ApiGatewayV2":
    case "FunctionUrl": {
      const event = http.event
      appendSingle(headers, event.headers)
      // HTTP API moves cookies out of the headers into `cookies`.
      if (event.cookies !== undefined && event.cookies.length > 0) headers.push(["cookie", event.cookies.join("; ")])
      const query = event.rawQueryString !== undefined && event.rawQueryString.length > 0 ? `?${event.rawQueryString}` : ""
      const path = withoutStage(event.rawPath, event.requestContext.stage)
      return {
        method: event.requestContext.http.method,
        url: absolute(headers, event.requestContext.domainName, path + query),
        headers,
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
        headers,
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
        url: absolute(headers, undefined, event.path + rawQuery(event.multiValueQueryStringParameters, event.queryStringParameters)),
        headers,
        body: decodeBody(event.body, event.isBase64Encoded),
        sourceIp: firstForwardedFor(headers)
      }
    }
  }
}
