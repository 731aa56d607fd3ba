/**
 * The error classes of the runtime, defined here so that the runtime's own modules can build
 * them without importing the public `LambdaError` module, which re-exports them (same classes:
 * `instanceof` and `_tag` are the same on both sides). Their documentation is in LambdaError.ts.
 */
import * as Data from "effect/Data"
import { errorTypes, MAX_BUFFERED_RESPONSE_BYTES } from "../core/protocol.js"
import { failureMessage } from "../core/runtimeApiRequests.js"

/**
 * `Runtime.HandlerTimeout`: see `LambdaError.HandlerTimeout`.
 *
 * @internal
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
 * A buffered response over the platform's limit: see `LambdaError.ResponseTooLarge`.
 *
 * @internal
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
 * The {@link ResponseTooLarge} error for a body of `size` bytes: see `LambdaError.responseTooLarge`.
 *
 * @internal
 */
export const responseTooLarge = (size: number): ResponseTooLarge =>
  new ResponseTooLarge({ size, limit: MAX_BUFFERED_RESPONSE_BYTES })

/**
 * A streamed response over the limit for streams: see `LambdaError.StreamedResponseTooLarge`.
 *
 * @internal
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
 * `Runtime.UnmarshalError`: see `LambdaError.UnmarshalError`.
 *
 * @internal
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
 * `Runtime.MarshalError`: see `LambdaError.MarshalError`.
 *
 * @internal
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
 * A failed call to the Runtime API: see `LambdaError.RuntimeApiError`.
 *
 * @internal
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
    return failureMessage(this)
  }
}

/**
 * The runtime cannot go on: see `LambdaError.FatalRuntimeError`.
 *
 * @internal
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
