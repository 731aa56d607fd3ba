/**
 * The Runtime API calls this runtime makes, as data: for each call its method, path, request
 * headers and body, the status of a successful answer, and how that answer is read; and why a
 * call failed, as plain data. No I/O and no Effect: runtime/runtimeApiClient.ts sends these over
 * a connection (http1.ts, or `node:http` for a streamed response) and turns a failure into a
 * `RuntimeApiError` (whose fields {@link Failure} has).
 *
 * One constant per call, as the Rust runtime keeps one small type per call in its requests.rs.
 * Nothing here allocates beyond the headers and body a call needs: the client builds the same
 * objects it did when it held this code itself.
 *
 * @internal
 */
import type { Answer } from "./http1.js"
import { truncate } from "./inspect.js"
import type { ErrorDocument } from "./protocol.js"
import {
  contentTypes,
  ERROR_TRAILERS,
  errorTypes,
  headers as H,
  headerValue,
  paths,
  RESPONSE_MODE_STREAMING
} from "./protocol.js"
import { xrayErrorCause } from "./xrayErrorCause.js"
import { VERSION } from "./version.js"

/**
 * The `User-Agent` of every call.
 *
 * @internal
 */
export const USER_AGENT = `effect-lambda-runtime/${VERSION}`

/**
 * The calls, as `RuntimeApiError` names them.
 *
 * @internal
 */
export type Operation = "next" | "response" | "error" | "initError" | "register" | "extensionNext"

/**
 * Why a call failed: the fields of `RuntimeApiError` (runtime/errors.ts, public as
 * `LambdaError.RuntimeApiError`), which the runtime makes of it.
 *
 * @internal
 */
export interface Failure {
  readonly operation: Operation
  /**
   * `Transport`: the connection could not be made or broke; `Status`: an unexpected status (or
   * an answer without what it must carry); `MalformedInvocation`: `/next` without a request id.
   */
  readonly reason: "Transport" | "Status" | "MalformedInvocation"
  readonly status?: number
  /** The platform's `errorType`, when its error body had one. */
  readonly platformErrorType?: string
  readonly detail: string
  readonly cause?: unknown
}

/**
 * The message of a failed call: what, why, the status and the platform's error type when there
 * are ones (both lines' `RuntimeApiError.message`).
 *
 * @internal
 */
export const failureMessage = (failure: Failure): string => {
  const status = failure.status === undefined
    ? ""
    : ` (HTTP ${failure.status}${failure.platformErrorType === undefined ? "" : ` ${failure.platformErrorType}`})`
  return `Runtime API ${failure.operation} failed: ${failure.reason}${status}: ${failure.detail}`
}

/**
 * One invocation as `/next` delivered it (the shape of `Invocation` in RuntimeApi.ts).
 *
 * @internal
 */
export interface Invocation {
  readonly requestId: string
  /** Absolute deadline, Unix epoch milliseconds (`NaN` when the header was missing or invalid). */
  readonly deadlineMs: number
  readonly functionArn: string
  readonly traceId: string | undefined
  readonly clientContext: string | undefined
  readonly cognitoIdentity: string | undefined
  readonly tenantId: string | undefined
  readonly contentType: string | undefined
  readonly body: Uint8Array
}

/**
 * Request headers: names lower case, values single-line.
 *
 * @internal
 */
export type Headers = Readonly<Record<string, string | number>>

/**
 * One kind of call: what is the same for all of them, and how the rest (path, headers, body) is
 * made of the call's arguments.
 *
 * @internal
 */
export interface Call {
  readonly operation: Operation
  readonly method: "GET" | "POST"
  /** The status of a successful answer; any other is a `Status` failure ({@link statusFailure}). */
  readonly accepted: number
  /** The path, or how it is made of the request id. */
  readonly path: string | ((requestId: string) => string)
  readonly headers: Headers | ((argument: never) => Headers)
  /** The body, or how it is made of the call's argument; none for a `GET`, the response itself for `response`. */
  readonly body?: string | ((argument: never) => string)
}

/**
 * Splits `host:port` (or `[v6]:port`) from `AWS_LAMBDA_RUNTIME_API`.
 *
 * @internal
 */
export const parseEndpoint = (endpoint: string): { readonly host: string; readonly port: number } => {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint.trim())
  return match === null ? { host: endpoint, port: 80 } : { host: match[1]!, port: Number(match[2]) }
}

/**
 * `GET /runtime/invocation/next`: the next invocation ({@link parseInvocation}); may block for as long as the environment is frozen.
 *
 * @internal
 */
export const next = {
  operation: "next",
  method: "GET",
  accepted: 200,
  path: paths.next,
  headers: { "user-agent": USER_AGENT } satisfies Headers
} as const satisfies Call

/**
 * `POST /runtime/invocation/{id}/response`, buffered: the body as it is.
 *
 * @internal
 */
export const response = {
  operation: "response",
  method: "POST",
  accepted: 202,
  path: paths.response,
  headers: (contentType: string): Headers => ({ "user-agent": USER_AGENT, "content-type": headerValue(contentType) })
} as const satisfies Call

/**
 * `POST /runtime/invocation/{id}/response`, streamed: chunked, with the error trailers announced
 * ({@link errorTrailers}). The same operation as the buffered response.
 *
 * @internal
 */
export const streamedResponse = {
  operation: "response",
  method: "POST",
  accepted: 202,
  path: paths.response,
  headers: (contentType: string): Headers => ({
    "user-agent": USER_AGENT,
    "content-type": contentType,
    [H.responseMode]: RESPONSE_MODE_STREAMING,
    "transfer-encoding": "chunked",
    "trailer": ERROR_TRAILERS
  })
} as const satisfies Call

/** The headers of `/error` and `/init/error`: the error type, and the X-Ray cause made of the document. */
const errorHeaders = (error: ErrorDocument): Headers => ({
  "user-agent": USER_AGENT,
  "content-type": contentTypes.json,
  [H.functionErrorType]: headerValue(error.errorType),
  [H.xrayErrorCause]: xrayErrorCause(error)
})

const errorBody = (error: ErrorDocument): string => JSON.stringify(error)

/**
 * `POST /runtime/invocation/{id}/error`: the invocation's error document.
 *
 * @internal
 */
export const error = {
  operation: "error",
  method: "POST",
  accepted: 202,
  path: paths.error,
  headers: errorHeaders,
  body: errorBody
} as const satisfies Call

/**
 * `POST /runtime/init/error`: the init's error document.
 *
 * @internal
 */
export const initError = {
  operation: "initError",
  method: "POST",
  accepted: 202,
  path: paths.initError,
  headers: errorHeaders,
  body: errorBody
} as const satisfies Call

/**
 * `POST /extension/register` with no events: the answer carries the extension's id ({@link registeredId}).
 *
 * @internal
 */
export const register = {
  operation: "register",
  method: "POST",
  accepted: 200,
  path: paths.extensionRegister,
  headers: (name: string): Headers => ({
    "user-agent": USER_AGENT,
    "content-type": contentTypes.json,
    [H.extensionName]: name
  }),
  body: JSON.stringify({ events: [] })
} as const satisfies Call

/**
 * `GET /extension/event/next`: with no events subscribed, never answered; it tells the platform that the extension's init is done.
 *
 * @internal
 */
export const extensionNext = {
  operation: "extensionNext",
  method: "GET",
  accepted: 200,
  path: paths.extensionNext,
  headers: (id: string): Headers => ({ "user-agent": USER_AGENT, [H.extensionIdentifier]: id })
} as const satisfies Call

/**
 * The connection failed or broke before an answer.
 *
 * @internal
 */
export const transportFailure = (operation: Operation, cause: Error): Failure => ({
  operation,
  reason: "Transport",
  detail: cause.message,
  cause
})

const platformErrorType = (body: Buffer): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"))
    if (typeof parsed === "object" && parsed !== null && "errorType" in parsed) {
      return typeof parsed.errorType === "string" ? parsed.errorType : undefined
    }
  } catch {
    // not JSON: the status alone must do
  }
  return undefined
}

/**
 * An answer whose status is not the call's `accepted`: the platform's `errorType` when its body has one.
 *
 * @internal
 */
export const statusFailure = (operation: Operation, status: number, body: Buffer): Failure => {
  const errorType = platformErrorType(body)
  const detail = body.toString("utf8").slice(0, 500)
  return errorType === undefined
    ? { operation, reason: "Status", status, detail }
    : { operation, reason: "Status", status, platformErrorType: errorType, detail }
}

/**
 * The invocation in `/next`'s accepted answer; `undefined` when it has no request id ({@link malformedInvocation}).
 *
 * @internal
 */
export const parseInvocation = (answer: Answer): Invocation | undefined => {
  const requestId = answer.headers[H.requestId]
  if (requestId === undefined || requestId.length === 0) return undefined
  const deadline = answer.headers[H.deadlineMs]
  return {
    requestId,
    deadlineMs: deadline === undefined || deadline.length === 0 ? NaN : Number(deadline),
    functionArn: answer.headers[H.functionArn] ?? "",
    traceId: answer.headers[H.traceId],
    clientContext: answer.headers[H.clientContext],
    cognitoIdentity: answer.headers[H.cognitoIdentity],
    tenantId: answer.headers[H.tenantId],
    contentType: answer.headers[H.contentType],
    body: answer.body
  }
}

/**
 * Why {@link parseInvocation} found no invocation.
 *
 * @internal
 */
export const malformedInvocation = (answer: Answer): Failure => ({
  operation: "next",
  reason: "MalformedInvocation",
  status: answer.status,
  detail: `the invocation has no ${H.requestId} header`
})

/**
 * The extension's id in the registration's accepted answer; `undefined` when missing ({@link unregistered}).
 *
 * @internal
 */
export const registeredId = (answer: Answer): string | undefined => answer.headers[H.extensionIdentifier]

/**
 * Why {@link registeredId} found no id.
 *
 * @internal
 */
export const unregistered = (answer: Answer): Failure => ({
  operation: "register",
  reason: "Status",
  status: answer.status,
  detail: `no ${H.extensionIdentifier} header in the registration answer`
})

/**
 * The error body travels base64-encoded in a trailer, and trailers share the header size limits
 * of HTTP servers (16 KiB by default in Node's): past this many bytes the stack trace is left
 * out, then the message is shortened, so that the trailers are never refused.
 *
 * @internal
 */
export const MAX_ERROR_TRAILER_BYTES = 8 * 1024

const base64Length = (json: string) => Math.ceil(Buffer.byteLength(json) / 3) * 4

/**
 * The document as it fits in the trailer: whole when it can be, else without stack, then with a shorter message.
 *
 * @internal
 */
export const trailerDocument = (error: ErrorDocument): string => {
  let json = JSON.stringify(error)
  if (base64Length(json) <= MAX_ERROR_TRAILER_BYTES) return json
  // A quarter less each round: a handful of rounds for the longest message a document holds.
  for (let max = error.errorMessage.length; max > 0; max = Math.floor(max * 0.75)) {
    json = JSON.stringify({
      errorType: error.errorType,
      errorMessage: truncate(error.errorMessage, max),
      stackTrace: []
    })
    if (base64Length(json) <= MAX_ERROR_TRAILER_BYTES) return json
  }
  return JSON.stringify({ errorType: truncate(error.errorType, 256), errorMessage: "", stackTrace: [] })
}

/**
 * The trailers that end a streamed response in error.
 *
 * @internal
 */
export const errorTrailers = (error: ErrorDocument): Headers => ({
  [H.functionErrorType]: headerValue(error.errorType),
  [H.functionErrorBody]: Buffer.from(trailerDocument(error)).toString("base64")
})

/**
 * What a stream's trailers report when its own error could not be encoded (a bug of ours).
 *
 * @internal
 */
export const unencodableTrailerError: ErrorDocument = {
  errorType: errorTypes.unhandled,
  errorMessage: "The stream's error could not be reported",
  stackTrace: []
}
