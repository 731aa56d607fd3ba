/**
 * The error classes of the runtime, defined here so that the runtime's own modules can build
 * them without importing the public `LambdaError` module, which re-exports them (same classes:
 * `instanceof` and `_tag` are the same on both sides). Their documentation is in LambdaError.ts.
 */
import * as Data from "effect/Data"
import type { DetailFields, HandlerTimeoutFields, RuntimeApiFields, SizeFields } from "../core/runtimeErrors.js"
import { bufferedTooLarge, runtimeErrors } from "../core/runtimeErrors.js"

/**
 * `Runtime.HandlerTimeout`: see `LambdaError.HandlerTimeout`.
 *
 * @internal
 */
export class HandlerTimeout extends Data.TaggedError("HandlerTimeout")<HandlerTimeoutFields> {
  /** @since 0.1.0 */
  readonly errorType = runtimeErrors.HandlerTimeout.errorType
  /** @since 0.1.0 */
  override get message(): string {
    return runtimeErrors.HandlerTimeout.message(this)
  }
}

/**
 * A buffered response over the platform's limit: see `LambdaError.ResponseTooLarge`.
 *
 * @internal
 */
export class ResponseTooLarge extends Data.TaggedError("ResponseTooLarge")<SizeFields> {
  /** @since 0.1.0 */
  readonly errorType = runtimeErrors.ResponseTooLarge.errorType
  /** @since 0.1.0 */
  override get message(): string {
    return runtimeErrors.ResponseTooLarge.message(this)
  }
}

/**
 * The {@link ResponseTooLarge} error for a body of `size` bytes: see `LambdaError.responseTooLarge`.
 *
 * @internal
 */
export const responseTooLarge = (size: number): ResponseTooLarge => new ResponseTooLarge(bufferedTooLarge(size))

/**
 * A streamed response over the limit for streams: see `LambdaError.StreamedResponseTooLarge`.
 *
 * @internal
 */
export class StreamedResponseTooLarge extends Data.TaggedError("StreamedResponseTooLarge")<SizeFields> {
  /** @since 0.1.0 */
  readonly errorType = runtimeErrors.StreamedResponseTooLarge.errorType
  /** @since 0.1.0 */
  override get message(): string {
    return runtimeErrors.StreamedResponseTooLarge.message(this)
  }
}

/**
 * `Runtime.UnmarshalError`: see `LambdaError.UnmarshalError`.
 *
 * @internal
 */
export class UnmarshalError extends Data.TaggedError("UnmarshalError")<DetailFields> {
  /** @since 0.1.0 */
  readonly errorType = runtimeErrors.UnmarshalError.errorType
  /** @since 0.1.0 */
  override get message(): string {
    return runtimeErrors.UnmarshalError.message(this)
  }
}

/**
 * `Runtime.MarshalError`: see `LambdaError.MarshalError`.
 *
 * @internal
 */
export class MarshalError extends Data.TaggedError("MarshalError")<DetailFields> {
  /** @since 0.1.0 */
  readonly errorType = runtimeErrors.MarshalError.errorType
  /** @since 0.1.0 */
  override get message(): string {
    return runtimeErrors.MarshalError.message(this)
  }
}

/**
 * A failed call to the Runtime API: see `LambdaError.RuntimeApiError`.
 *
 * @internal
 */
export class RuntimeApiError extends Data.TaggedError("RuntimeApiError")<RuntimeApiFields> {
  /** @since 0.1.0 */
  override get message(): string {
    return runtimeErrors.RuntimeApiError.message(this)
  }
}

/**
 * The runtime cannot go on: see `LambdaError.FatalRuntimeError`.
 *
 * @internal
 */
export class FatalRuntimeError extends Data.TaggedError("FatalRuntimeError")<DetailFields> {
  /** @since 0.1.0 */
  override get message(): string {
    return runtimeErrors.FatalRuntimeError.message(this)
  }
}
