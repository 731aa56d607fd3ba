/**
 * The typed errors this runtime raises itself. Each carries the `errorType` that ends up in
 * the Lambda error document, so a caller (or CloudWatch) sees the same name the runtime used.
 *
 * User errors need nothing from this module: a failure whose value has a `_tag` (for example
 * a `Data.TaggedError`) is reported with that tag as `errorType`, an `Error` with its `name`.
 * A failure value that carries a string `errorType` field chooses its own `errorType`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { errorTypes, MAX_BUFFERED_RESPONSE_BYTES } from "./internal/core/protocol.js"

/**
 * The handler did not finish before `deadline - timeoutMargin`. It was interrupted (its
 * finalizers ran) and the invocation failed with `Runtime.HandlerTimeout`.
 *
 * @since 0.1.0
 * @category errors
 */
export class HandlerTimeout extends Data.TaggedError("HandlerTimeout")<{
  /** Milliseconds between `/next` answering and the interruption. */
  readonly elapsedMs: number
  /** The margin kept before the platform's deadline. */
  readonly marginMs: number
}> {
  /** @since 0.1.0 */
  readonly errorType = errorTypes.handlerTimeout
  /** @since 0.1.0 */
  override get message(): string {
    return `Task timed out after ${(this.elapsedMs / 1000).toFixed(2)} seconds ` +
      `(interrupted ${this.marginMs} ms before the invocation deadline)`
  }
}

/**
 * A buffered response larger than the platform accepts (6,291,556 bytes). It is never
 * posted: the runtime posts `/error` with `Function.ResponseSizeTooLarge` instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseTooLarge extends Data.TaggedError("ResponseTooLarge")<{
  readonly size: number
  readonly limit: number
}> {
  /** @since 0.1.0 */
  readonly errorType = errorTypes.responseTooLarge
  /** @since 0.1.0 */
  override get message(): string {
    return `Response payload size (${this.size} bytes) exceeded maximum allowed payload size (${this.limit} bytes).`
  }
}

/**
 * Builds the {@link ResponseTooLarge} error for a body of `size` bytes against the buffered limit.
 *
 * @since 0.1.0
 * @category constructors
 */
export const responseTooLarge = (size: number): ResponseTooLarge =>
  new ResponseTooLarge({ size, limit: MAX_BUFFERED_RESPONSE_BYTES })

/**
 * A streamed response grew past the platform's limit for streams (200 MB). The chunk that
 * would have crossed the limit is not written; the stream is interrupted (its finalizers run)
 * and the body ends with error trailers of type `Function.ResponseSizeTooLarge`, or, when not
 * a byte had been written yet, `/error` is posted instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamedResponseTooLarge extends Data.TaggedError("StreamedResponseTooLarge")<{
  /** Bytes written (or, before the first byte, about to be written) including the offending chunk. */
  readonly size: number
  readonly limit: number
}> {
  /** @since 0.1.0 */
  readonly errorType = errorTypes.responseTooLarge
  /** @since 0.1.0 */
  override get message(): string {
    return `Streamed response size (at least ${this.size} bytes) exceeded maximum allowed payload size (${this.limit} bytes).`
  }
}

/**
 * The event could not be read: its body is not JSON, or it does not match the handler's
 * event Schema (the message names the path that failed). Reported as `Runtime.UnmarshalError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnmarshalError extends Data.TaggedError("UnmarshalError")<{
  readonly detail: string
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  readonly errorType = errorTypes.unmarshal
  /** @since 0.1.0 */
  override get message(): string {
    return `Could not decode the event: ${this.detail}`
  }
}

/**
 * The handler's result could not be turned into a response body: `JSON.stringify` threw
 * (a `BigInt`, a circular structure) or the output Schema refused it. Reported as
 * `Runtime.MarshalError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class MarshalError extends Data.TaggedError("MarshalError")<{
  readonly detail: string
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  readonly errorType = errorTypes.marshal
  /** @since 0.1.0 */
  override get message(): string {
    return `Could not encode the handler's result: ${this.detail}`
  }
}

/**
 * A call to the Runtime API failed: the connection could not be made or dropped
 * (`reason: "Transport"`), the platform answered with an unexpected status
 * (`reason: "Status"`), or `/next` delivered an invocation without a request id
 * (`reason: "MalformedInvocation"`).
 *
 * @since 0.1.0
 * @category errors
 */
export class RuntimeApiError extends Data.TaggedError("RuntimeApiError")<{
  readonly operation: "next" | "response" | "error" | "initError" | "register" | "extensionNext"
  readonly reason: "Transport" | "Status" | "MalformedInvocation"
  readonly status?: number
  /** The platform's `errorType`, when its error body had one. */
  readonly platformErrorType?: string
  readonly detail: string
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status}${
      this.platformErrorType === undefined ? "" : ` ${this.platformErrorType}`
    })`
    return `Runtime API ${this.operation} failed: ${this.reason}${status}: ${this.detail}`
  }
}

/**
 * The runtime cannot go on and exits the process with a non-zero code: the Runtime API is
 * unreachable or answered 500, or a fiber refused interruption past the deadline.
 *
 * @since 0.1.0
 * @category errors
 */
export class FatalRuntimeError extends Data.TaggedError("FatalRuntimeError")<{
  readonly detail: string
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  override get message(): string {
    return this.detail
  }
}
