/**
 * The HTTP events Lambda delivers (API Gateway REST and HTTP APIs, Function URLs, ALB) and which
 * of them an event is. Effect-free, shared by both lines' `LambdaHttp`, whose public event types
 * extend these.
 *
 * The shapes are told apart per invocation because one function can sit behind several
 * integrations at once (a Function URL next to an API Gateway route is common), and the
 * answer must go back in the shape the caller's integration parses.
 *
 * @internal
 */

/**
 * Header maps as the integrations send them: values may be missing in ALB's single mode.
 *
 * @internal
 */
export type HeaderMap = Readonly<Record<string, string | undefined>> | null | undefined
/** @internal */
export type MultiHeaderMap = Readonly<Record<string, ReadonlyArray<string> | undefined>> | null | undefined

/**
 * An API Gateway REST API proxy event (payload format 1.0).
 *
 * @internal
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
 * An API Gateway HTTP API event (payload format 2.0); Function URLs send the same shape.
 *
 * @internal
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
 * An Application Load Balancer event (single- or multi-value header mode).
 *
 * @internal
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
 * `ApiGatewayV1`, `ApiGatewayV2`, `FunctionUrl`, `Alb` (single-value headers) or
 * `AlbMultiValue`: which integration sent the event, hence which response shape it expects.
 *
 * @internal
 */
export type HttpEventSource = "ApiGatewayV1" | "ApiGatewayV2" | "FunctionUrl" | "Alb" | "AlbMultiValue"

/**
 * The event with the integration it came from (`source`), for narrowing.
 *
 * @internal
 */
export type HttpEvent =
  | { readonly source: "ApiGatewayV1"; readonly event: ApiGatewayV1Event }
  | { readonly source: "ApiGatewayV2" | "FunctionUrl"; readonly event: ApiGatewayV2Event }
  | { readonly source: "Alb" | "AlbMultiValue"; readonly event: AlbEvent }

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
