/**
 * The events `effect-lambda serve` builds from a real HTTP request, one per integration, shaped
 * as AWS documents them: API Gateway REST proxy (payload 1.0), HTTP API (payload 2.0), Function
 * URL (2.0 with a `lambda-url` domain) and ALB.
 *
 * @internal
 */
import { randomBytes, randomUUID } from "node:crypto"
import { isTextType } from "../protocol.js"

/**
 * The integration whose event the server builds.
 *
 * @internal
 */
export type EventShape = "apigw-v1" | "apigw-v2" | "function-url" | "alb"

/**
 * Every shape, in the order the CLI lists them.
 *
 * @internal
 */
export const eventShapes: ReadonlyArray<EventShape> = ["apigw-v1", "apigw-v2", "function-url", "alb"]

/**
 * What the server read from one HTTP request.
 *
 * @internal
 */
export interface IncomingRequest {
  readonly method: string
  /** The request target as sent: path and query string. */
  readonly url: string
  /** Header name/value pairs in arrival order, names as sent (Node's `rawHeaders`). */
  readonly rawHeaders: ReadonlyArray<string>
  readonly body: Uint8Array
  readonly sourceIp: string
  /** The server's port, for `X-Forwarded-Port`. */
  readonly port: number
  readonly httpVersion: string
}

/**
 * Fixed identifiers of the fake deployment, so that events look like AWS's and stay stable across requests.
 *
 * @internal
 */
export const deployment = {
  accountId: "123456789012",
  apiId: "1234567890",
  urlId: "abcdefghijklmnopqrstuvwxyz0123456",
  region: "us-east-1",
  restStage: "prod",
  targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-serve/49e9d65c45c6791a"
} as const

/**
 * One event, plus the trace header to pass to the invocation as the integration does.
 *
 * @internal
 */
export interface BuiltEvent {
  readonly event: Record<string, unknown>
  readonly requestId: string
  readonly traceId: string
}

/**
 * Content types whose bodies the integrations pass as text (the media types `LambdaHttp` answers
 * with as text, a missing type, or any type that names a charset); anything else, and any
 * encoded body, travels base64-encoded with `isBase64Encoded: true`.
 *
 * @internal
 */
export const isTextual = (contentType: string | undefined, contentEncoding: string | undefined): boolean => {
  if (contentEncoding !== undefined && contentEncoding !== "" && contentEncoding.toLowerCase() !== "identity") {
    return false
  }
  return contentType === undefined || isTextType(contentType) || /charset=/i.test(contentType)
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number) => String(n).padStart(2, "0")

/** API Gateway's `requestTime`: `09/Apr/2015:12:34:56 +0000`. */
const clf = (date: Date) =>
  `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`

/** An X-Ray trace header as the front door creates it: `Root=1-<epoch seconds hex>-<96 random bits>`. */
const traceHeader = (epochMs: number) =>
  `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString("hex")}`

const decodeComponent = (text: string) => {
  try {
    return decodeURIComponent(text.replaceAll("+", " "))
  } catch {
    return text
  }
}

/** Query pairs in order; `decode` is false for ALB, which passes them as sent. */
const queryPairs = (raw: string, decode: boolean): Array<readonly [string, string]> =>
  raw === ""
    ? []
    : raw.split("&").filter((part) => part !== "").map((part) => {
      const at = part.indexOf("=")
      const [name, value] = at < 0 ? [part, ""] : [part.slice(0, at), part.slice(at + 1)]
      return decode ? [decodeComponent(name), decodeComponent(value)] as const : [name, value] as const
    })

/** Groups pairs by name: `last` keeps the last value (the single-value maps), else all of them. */
const grouped = (pairs: ReadonlyArray<readonly [string, string]>) => {
  const all: Record<string, Array<string>> = {}
  for (const [name, value] of pairs) (all[name] ??= []).push(value)
  return all
}
const lastValues = (all: Record<string, Array<string>>) =>
  Object.fromEntries(Object.entries(all).map(([name, values]) => [name, values[values.length - 1]!]))
const orNull = <A extends object>(map: A): A | null => (Object.keys(map).length === 0 ? null : map)

const headerPairs = (rawHeaders: ReadonlyArray<string>, lowercase: boolean) => {
  const pairs: Array<readonly [string, string]> = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    pairs.push([lowercase ? rawHeaders[i]!.toLowerCase() : rawHeaders[i]!, rawHeaders[i + 1]!])
  }
  return pairs
}

const findHeader = (pairs: ReadonlyArray<readonly [string, string]>, name: string): string | undefined => {
  for (let i = pairs.length - 1; i >= 0; i--) if (pairs[i]![0].toLowerCase() === name) return pairs[i]![1]
  return undefined
}

/** The body as the integrations pass it: text, or base64 with the flag set. */
const encodeBody = (request: IncomingRequest, pairs: ReadonlyArray<readonly [string, string]>) => {
  const textual = isTextual(findHeader(pairs, "content-type"), findHeader(pairs, "content-encoding"))
  const bytes = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength)
  return textual
    ? { body: bytes.toString("utf8"), isBase64Encoded: false }
    : { body: bytes.toString("base64"), isBase64Encoded: true }
}

/** The headers every front door adds in front of the function. */
const forwarded = (request: IncomingRequest, traceId: string, lowercase: boolean): Array<readonly [string, string]> => {
  const name = (text: string) => (lowercase ? text.toLowerCase() : text)
  return [
    [name("X-Amzn-Trace-Id"), traceId],
    [name("X-Forwarded-For"), request.sourceIp],
    [name("X-Forwarded-Port"), String(request.port)],
    [name("X-Forwarded-Proto"), "http"]
  ]
}

const splitTarget = (url: string) => {
  const at = url.indexOf("?")
  return at < 0 ? { path: url, query: "" } : { path: url.slice(0, at), query: url.slice(at + 1) }
}

/**
 * Builds the event of `shape` for one request (a fresh request id and trace id each time).
 *
 * @internal
 */
export const buildEvent = (
  shape: EventShape,
  request: IncomingRequest,
  options: { readonly albMultiValueHeaders?: boolean } = {}
): BuiltEvent => {
  const nowMs = Date.now()
  const requestId = randomUUID()
  const traceId = traceHeader(nowMs)
  const { path, query } = splitTarget(request.url)
  const method = request.method.toUpperCase()
  const userAgent = findHeader(headerPairs(request.rawHeaders, false), "user-agent") ?? ""
  switch (shape) {
    case "apigw-v1": {
      const pairs = [...headerPairs(request.rawHeaders, false), ...forwarded(request, traceId, false)]
      const headers = grouped(pairs)
      const queries = grouped(queryPairs(query, true))
      const hasBody = request.body.byteLength > 0
      const { body, isBase64Encoded } = hasBody ? encodeBody(request, pairs) : { body: null, isBase64Encoded: false }
      const event = {
        resource: "/{proxy+}",
        path,
        httpMethod: method,
        headers: orNull(lastValues(headers)),
        multiValueHeaders: orNull(headers),
        queryStringParameters: orNull(lastValues(queries)),
        multiValueQueryStringParameters: orNull(queries),
        pathParameters: path === "/" ? null : { proxy: decodeComponent(path.slice(1)) },
        stageVariables: null,
        requestContext: {
          accountId: deployment.accountId,
          apiId: deployment.apiId,
          domainName: `${deployment.apiId}.execute-api.${deployment.region}.amazonaws.com`,
          domainPrefix: deployment.apiId,
          extendedRequestId: randomBytes(8).toString("base64url"),
          httpMethod: method,
          identity: {
            accessKey: null,
            accountId: null,
            caller: null,
            cognitoAuthenticationProvider: null,
            cognitoAuthenticationType: null,
            cognitoIdentityId: null,
            cognitoIdentityPoolId: null,
            principalOrgId: null,
            sourceIp: request.sourceIp,
            user: null,
            userAgent,
            userArn: null
          },
          path: `/${deployment.restStage}${path}`,
          protocol: `HTTP/${request.httpVersion}`,
          requestId,
          requestTime: clf(new Date(nowMs)),
          requestTimeEpoch: nowMs,
          resourceId: "abcdef",
          resourcePath: "/{proxy+}",
          stage: deployment.restStage
        },
        body,
        isBase64Encoded
      }
      return { event, requestId, traceId }
    }
    case "apigw-v2":
    case "function-url": {
      const all = [...headerPairs(request.rawHeaders, true), ...forwarded(request, traceId, true)]
      // HTTP API moves the Cookie header into `cookies`, one entry per cookie.
      const cookies = all.filter(([name]) => name === "cookie").flatMap(([, value]) => value.split(/;\s*/))
        .filter((cookie) => cookie !== "")
      const headers = Object.fromEntries(
        Object.entries(grouped(all.filter(([name]) => name !== "cookie"))).map((
          [name, values]
        ) => [name, values.join(",")])
      )
      const queries = Object.fromEntries(
        Object.entries(grouped(queryPairs(query, true))).map(([name, values]) => [name, values.join(",")])
      )
      const domainPrefix = shape === "function-url" ? deployment.urlId : deployment.apiId
      const domainName = shape === "function-url"
        ? `${deployment.urlId}.lambda-url.${deployment.region}.on.aws`
        : `${deployment.apiId}.execute-api.${deployment.region}.amazonaws.com`
      const event: Record<string, unknown> = {
        version: "2.0",
        routeKey: "$default",
        rawPath: path,
        rawQueryString: query,
        ...(cookies.length > 0 ? { cookies } : {}),
        headers,
        ...(Object.keys(queries).length > 0 ? { queryStringParameters: queries } : {}),
        requestContext: {
          accountId: shape === "function-url" ? "anonymous" : deployment.accountId,
          apiId: domainPrefix,
          domainName,
          domainPrefix,
          http: { method, path, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.sourceIp, userAgent },
          requestId,
          routeKey: "$default",
          stage: "$default",
          time: clf(new Date(nowMs)),
          timeEpoch: nowMs
        }
      }
      if (request.body.byteLength > 0) Object.assign(event, encodeBody(request, all))
      else event.isBase64Encoded = false
      return { event, requestId, traceId }
    }
    case "alb": {
      const pairs = [...headerPairs(request.rawHeaders, true), ...forwarded(request, traceId, true)]
      const headers = grouped(pairs)
      // ALB passes the query string as sent, without decoding it.
      const queries = grouped(queryPairs(query, false))
      const { body, isBase64Encoded } = request.body.byteLength > 0
        ? encodeBody(request, pairs)
        : { body: "", isBase64Encoded: false }
      const event = {
        requestContext: { elb: { targetGroupArn: deployment.targetGroupArn } },
        httpMethod: method,
        path,
        ...(options.albMultiValueHeaders === true
          ? { multiValueQueryStringParameters: queries, multiValueHeaders: headers }
          : { queryStringParameters: lastValues(queries), headers: lastValues(headers) }),
        body,
        isBase64Encoded
      }
      return { event, requestId, traceId }
    }
  }
}
