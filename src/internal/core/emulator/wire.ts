/**
 * The emulator's wire helpers: reading and answering `node:http` requests, and decoding the
 * bodies a runtime posts. Pure functions, no emulator state.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import type * as http from "node:http"
import type * as Api from "./types.js"
import * as P from "../protocol.js"

/**
 * Epoch milliseconds with sub-millisecond precision, for the recorded timeline.
 *
 * @internal
 */
export const now = () => performance.timeOrigin + performance.now()

/**
 * A writable view of a readonly record type, for records the emulator fills in over time.
 *
 * @internal
 */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Splits an HTTP integration body the way a Function URL does: the JSON prelude runs to the
 * first NUL, which must start the eight-NUL delimiter; the body follows it.
 *
 * @internal
 */
export const decodeHttpIntegration = (body: Buffer): Api.HttpIntegrationResponse => {
  const invalid = (reason: string): Api.HttpIntegrationResponse => ({ _tag: "Invalid", reason })
  const at = body.indexOf(0)
  const end = at + P.HTTP_PRELUDE_DELIMITER_LENGTH
  if (at < 0 || body.length < end) return invalid("no eight-NUL delimiter after the prelude")
  for (let i = at; i < end; i++) if (body[i] !== 0) return invalid("the delimiter is not eight NUL bytes")
  let prelude: unknown
  try {
    prelude = JSON.parse(body.subarray(0, at).toString("utf8"))
  } catch {
    return invalid("the prelude is not JSON")
  }
  if (typeof prelude !== "object" || prelude === null || Array.isArray(prelude)) {
    return invalid("the prelude is not a JSON object")
  }
  const fields = prelude as { statusCode?: unknown; headers?: unknown; cookies?: unknown }
  const headers: Record<string, string> = {}
  if (typeof fields.headers === "object" && fields.headers !== null) {
    for (const [name, value] of Object.entries(fields.headers)) if (typeof value === "string") headers[name] = value
  }
  return {
    _tag: "Decoded",
    statusCode: typeof fields.statusCode === "number" ? fields.statusCode : 200,
    headers,
    cookies: Array.isArray(fields.cookies) ? fields.cookies.filter((c): c is string => typeof c === "string") : [],
    body: body.subarray(end)
  }
}

/**
 * Strings and bytes are sent verbatim, anything else as JSON.
 *
 * @internal
 */
export const encodeEvent = (event: unknown): Uint8Array =>
  typeof event === "string"
    ? Buffer.from(event)
    : event instanceof Uint8Array
    ? event
    : Buffer.from(JSON.stringify(event) ?? "null")

/**
 * A request header as one string (repeated headers joined as HTTP would).
 *
 * @internal
 */
export const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(", ") : value
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Extension identifiers are UUIDs.
 *
 * @internal
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Strict base64 to UTF-8; `undefined` when the text is not base64.
 *
 * @internal
 */
export const decodeBase64 = (text: string): string | undefined =>
  BASE64.test(text) ? Buffer.from(text, "base64").toString("utf8") : undefined

/**
 * An error body as JSON when it is JSON, else the raw text; an empty body becomes a minimal document.
 *
 * @internal
 */
export const parseDocument = (text: string, errorType: string | undefined): unknown => {
  if (text.trim() === "") return { errorType: errorType ?? "", errorMessage: "" }
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Answers once with a complete body; a no-op when the answer already started or the socket is gone.
 *
 * @internal
 */
export const send = (
  res: http.ServerResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> = { [P.headers.contentType]: P.contentTypes.json }
) => {
  if (res.destroyed || res.headersSent) return
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) })
  res.end(body)
}

/**
 * Answers with the Runtime API's error document.
 *
 * @internal
 */
export const apiError = (res: http.ServerResponse, status: number, errorType: string, errorMessage: string) =>
  send(res, status, JSON.stringify({ errorMessage, errorType }))

/**
 * Reads a whole body; over `limit` bytes it keeps counting but stops storing.
 *
 * @internal
 */
export const readBody = (
  req: http.IncomingMessage,
  limit: number,
  onEnd: (body: Buffer, size: number) => void
) => {
  const chunks: Array<Buffer> = []
  let size = 0
  req.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size <= limit) chunks.push(chunk)
  })
  req.on("end", () => onEnd(Buffer.concat(chunks), size))
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * `POST .../invocation/{id}/response|error`: the id (still URI-encoded) and the kind.
 *
 * @internal
 */
export const RESULT_PATH = new RegExp(`^${escapeRegExp(P.RUNTIME_PREFIX)}/invocation/([^/]+)/(response|error)$`)

/**
 * The `Runtime.ExitError` message Lambda reports for a runtime process that exited.
 *
 * @internal
 */
export const exitMessage = (requestId: string, exit: Api.RuntimeExit) =>
  `RequestId: ${requestId} Error: ${
    exit.code === 0
      ? "Runtime exited without providing a reason"
      : exit.code !== null
      ? `Runtime exited with error: exit status ${exit.code}`
      : `Runtime exited with error: signal: ${exit.signal ?? "unknown"}`
  }`

/**
 * A trace header as Lambda generates one for an invocation that arrives without one (no active
 * tracing): a new root (version 1, the epoch second in hex, 96 random bits), a random parent
 * segment id, not sampled. Lambda always sends `Lambda-Runtime-Trace-Id`; Powertools Tracer fails
 * without it.
 *
 * @internal
 */
export const generateTraceId = (): string => {
  const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, "0")
  return `Root=1-${seconds}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=0`
}
