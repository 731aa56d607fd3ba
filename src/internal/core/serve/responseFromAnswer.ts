/**
 * How `effect-lambda serve` turns a function's buffered answer into an HTTP response, per
 * integration, as the integrations do: REST (payload 1.0) and ALB need a `statusCode`; HTTP API
 * and Function URLs also accept any other JSON (the "inferred" format: `200`, the JSON as the
 * body).
 *
 * @internal
 */
import type { OutgoingHttpHeaders } from "node:http"
import type { EventShape } from "./eventFromRequest.js"

/**
 * A response ready to write.
 *
 * @internal
 */
export interface HttpAnswer {
  readonly statusCode: number
  /** The reason phrase, when the function chose one (ALB's `statusDescription`). */
  readonly statusMessage?: string
  readonly headers: OutgoingHttpHeaders
  readonly body: Buffer
}

/**
 * The answer when the function failed or its answer does not fit the integration: what API Gateway answers.
 *
 * @internal
 */
export const badGateway = (shape: EventShape): HttpAnswer => {
  // REST APIs spell it with a lower-case "server error"; HTTP APIs, Function URLs (and this server for ALB) capitalise it.
  const body = Buffer.from(
    JSON.stringify({ message: shape === "apigw-v1" ? "Internal server error" : "Internal Server Error" })
  )
  return {
    statusCode: 502,
    headers: {
      "content-type": "application/json",
      ...(shape === "apigw-v1" ? { "x-amzn-ErrorType": "InternalServerErrorException" } : {})
    },
    body
  }
}

/** Headers the server computes itself: a function's values would contradict the body actually sent. */
const HOP_BY_HOP = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "trailer", "upgrade"])

/**
 * Whether a response header (from the function or from the invoke endpoint) may be copied to the client.
 *
 * @internal
 */
export const passesThrough = (name: string) => !HOP_BY_HOP.has(name.toLowerCase())

const scalar = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : undefined

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Merges `headers` and `multiValueHeaders` as API Gateway does: a name in `multiValueHeaders` takes its values from there. */
const mergeHeaders = (single: unknown, multi: unknown): Map<string, Array<string>> => {
  const merged = new Map<string, Array<string>>()
  const keyOf = new Map<string, string>()
  const put = (name: string, values: Array<string>) => {
    if (!passesThrough(name) || values.length === 0) return
    const lower = name.toLowerCase()
    const existing = keyOf.get(lower)
    if (existing !== undefined) merged.delete(existing)
    keyOf.set(lower, name)
    merged.set(name, values)
  }
  if (isRecord(single)) {
    for (const [name, value] of Object.entries(single)) {
      const text = scalar(value)
      if (text !== undefined) put(name, [text])
    }
  }
  if (isRecord(multi)) {
    for (const [name, values] of Object.entries(multi)) {
      if (Array.isArray(values)) put(name, values.map(scalar).filter((v): v is string => v !== undefined))
    }
  }
  return merged
}

/**
 * The decoded answer, or why the integration would reject it (a 502).
 *
 * @internal
 */
export type Decoded =
  | { readonly _tag: "Answer"; readonly answer: HttpAnswer }
  | { readonly _tag: "Malformed"; readonly reason: string }

const malformed = (reason: string): Decoded => ({ _tag: "Malformed", reason })

/**
 * Decodes a buffered function response for the integration `shape`.
 *
 * @internal
 */
export const decodeResponse = (shape: EventShape, payload: Buffer): Decoded => {
  const text = payload.toString("utf8")
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return malformed("the function's response is not JSON")
  }
  const v2 = shape === "apigw-v2" || shape === "function-url"
  if (!isRecord(parsed) || !("statusCode" in parsed)) {
    if (!v2) return malformed("the function's response has no statusCode")
    return {
      _tag: "Answer",
      answer: { statusCode: 200, headers: { "content-type": "application/json" }, body: Buffer.from(text) }
    }
  }
  const statusCode = typeof parsed.statusCode === "string" ? Number(parsed.statusCode) : parsed.statusCode
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return malformed(`the function's statusCode ${JSON.stringify(parsed.statusCode)} is not an HTTP status`)
  }
  // HTTP API payload 2.0 has no multiValueHeaders (a header with several values is comma-joined).
  const merged = mergeHeaders(parsed.headers, v2 ? undefined : parsed.multiValueHeaders)
  const headers: OutgoingHttpHeaders = {}
  for (const [name, values] of merged) headers[name] = values.length === 1 ? values[0]! : values
  if (v2 && Array.isArray(parsed.cookies)) {
    const cookies = parsed.cookies.filter((cookie): cookie is string => typeof cookie === "string")
    const setCookie = [...merged.entries()].find(([name]) => name.toLowerCase() === "set-cookie")
    if (setCookie !== undefined) delete headers[setCookie[0]]
    if (cookies.length > 0 || setCookie !== undefined) headers["set-cookie"] = [...(setCookie?.[1] ?? []), ...cookies]
  }
  const rawBody = parsed.body
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== "string") {
    return malformed("the function's body is not a string")
  }
  const body = typeof rawBody === "string"
    ? parsed.isBase64Encoded === true ? Buffer.from(rawBody, "base64") : Buffer.from(rawBody, "utf8")
    : Buffer.alloc(0)
  // ALB's statusDescription is "<code> <reason phrase>".
  const description = shape === "alb" && typeof parsed.statusDescription === "string"
    ? /^\d{3} (.+)$/.exec(parsed.statusDescription)?.[1]
    : undefined
  return {
    _tag: "Answer",
    answer: { statusCode, headers, body, ...(description !== undefined ? { statusMessage: description } : {}) }
  }
}
