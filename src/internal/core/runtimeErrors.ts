/**
 * The runtime's own errors as data: each one's fields, Lambda `errorType` and message. Both
 * lines of the runtime declare the error classes on their own Effect (a `Data.TaggedError` must
 * be of the Effect that yields it) from these, so the names, fields and texts exist once.
 *
 * @internal
 */
import { errorTypes, MAX_BUFFERED_RESPONSE_BYTES, timeoutMessage } from "./protocol.js"
import type { Failure } from "./runtimeApiRequests.js"

/** @internal */
export interface HandlerTimeoutFields {
  /** Milliseconds between `/next` answering and the interruption. */
  readonly elapsedMs: number
  /** The margin kept before the platform's deadline. */
  readonly marginMs: number
}

/** @internal */
export interface SizeFields {
  /** Bytes of the body (for a stream: written so far, with the element that crossed the limit). */
  readonly size: number
  readonly limit: number
}

/** @internal */
export interface DetailFields {
  readonly detail: string
  readonly cause?: unknown
}

/**
 * The Runtime API call that failed (core/runtimeApiRequests.ts's failure data).
 *
 * @internal
 */
export type RuntimeApiFields = Failure

/**
 * Each error's `_tag`, Lambda `errorType` (where it is reported under one) and message.
 *
 * @internal
 */
export const runtimeErrors = {
  HandlerTimeout: {
    errorType: errorTypes.handlerTimeout,
    message: (e: HandlerTimeoutFields) =>
      `${timeoutMessage(e.elapsedMs)} (interrupted ${e.marginMs} ms before the invocation deadline)`
  },
  ResponseTooLarge: {
    errorType: errorTypes.responseTooLarge,
    message: (e: SizeFields) =>
      `Response payload size (${e.size} bytes) exceeded maximum allowed payload size (${e.limit} bytes).`
  },
  StreamedResponseTooLarge: {
    errorType: errorTypes.responseTooLarge,
    message: (e: SizeFields) =>
      `Streamed response size (at least ${e.size} bytes) exceeded maximum allowed payload size (${e.limit} bytes).`
  },
  UnmarshalError: {
    errorType: errorTypes.unmarshal,
    message: (e: DetailFields) => `Could not decode the event: ${e.detail}`
  },
  MarshalError: {
    errorType: errorTypes.marshal,
    message: (e: DetailFields) => `Could not encode the handler's result: ${e.detail}`
  },
  RuntimeApiError: {
    message: (e: RuntimeApiFields) => {
      const status = e.status === undefined
        ? ""
        : ` (HTTP ${e.status}${e.platformErrorType === undefined ? "" : ` ${e.platformErrorType}`})`
      return `Runtime API ${e.operation} failed: ${e.reason}${status}: ${e.detail}`
    }
  },
  FatalRuntimeError: {
    message: (e: DetailFields) => e.detail
  }
} as const

/**
 * The fields of `ResponseTooLarge` for a buffered body of `size` bytes.
 *
 * @internal
 */
export const bufferedTooLarge = (size: number): SizeFields => ({ size, limit: MAX_BUFFERED_RESPONSE_BYTES })

/**
 * What a result POST that failed means, and how it is logged: a lost connection or a 5xx is
 * fatal (the platform is in a non-recoverable state: the runtime exits); 413 means the platform
 * already failed the invocation; 400, 403 and 410 mean the result was not accepted and the loop
 * goes on; anything else is logged as an error.
 *
 * @internal
 */
export const afterFailedPost = (
  failure: Failure
): { readonly level: "Fatal" | "Error" | "Warn"; readonly message: string } => {
  const said = runtimeErrors.RuntimeApiError.message(failure)
  if (failure.reason === "Transport") {
    return { level: "Fatal", message: `${said}; the Runtime API is unreachable, exiting` }
  }
  if (failure.status !== undefined && failure.status >= 500) {
    return { level: "Fatal", message: `${said}; the platform reported a non-recoverable state, exiting` }
  }
  if (failure.status === 413) {
    return { level: "Error", message: `${said}; the platform rejected the payload and has failed the invocation` }
  }
  if (failure.status === 400 || failure.status === 403 || failure.status === 410) {
    return { level: "Warn", message: `${said}; the result was not accepted, continuing` }
  }
  return { level: "Error", message: said }
}
