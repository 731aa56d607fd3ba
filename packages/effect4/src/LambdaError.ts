/**
 * The typed errors the runtime raises itself, as Effect 4 errors (`Data.TaggedError`: yieldable,
 * with the same `_tag`s and fields as on the Effect 3 line). Each carries the `errorType` that
 * ends up in the Lambda error document, so a caller (or CloudWatch) sees the name the runtime used.
 *
 * User errors need nothing from this module: a failure whose value has a `_tag` is reported with
 * that tag as `errorType`, an `Error` with its `name`, and a value with a string `errorType`
 * field chooses its own.
 *
 * @since 1.0.0
 */
import * as Data from "effect/Data"
import { RuntimeErrors } from "./internal/core.js"

// The names, fields, error types and messages are the shared core's (core/runtimeErrors.ts), so
// that both lines report the same error in the same words.
const spec = RuntimeErrors.runtimeErrors

/**
 * The handler did not finish before `deadline - timeoutMargin`: it was interrupted (its
 * finalizers ran) and the invocation failed with `Runtime.HandlerTimeout`.
 *
 * @since 1.0.0
 * @category errors
 */
export class HandlerTimeout extends Data.TaggedError("HandlerTimeout")<RuntimeErrors.HandlerTimeoutFields> {
  /** The Lambda `errorType`. */
  readonly errorType = spec.HandlerTimeout.errorType
  /** Says how long the handler ran. */
  override get message(): string {
    return spec.HandlerTimeout.message(this)
  }
}

/**
 * A buffered response larger than the platform accepts (6,291,556 bytes). It is never posted:
 * the runtime posts `/error` with `Function.ResponseSizeTooLarge` instead.
 *
 * @since 1.0.0
 * @category errors
 */
export class ResponseTooLarge extends Data.TaggedError("ResponseTooLarge")<RuntimeErrors.SizeFields> {
  /** The Lambda `errorType`. */
  readonly errorType = spec.ResponseTooLarge.errorType
  /** Says the size and the limit. */
  override get message(): string {
    return spec.ResponseTooLarge.message(this)
  }
}

/**
 * The {@link ResponseTooLarge} error for a buffered body of `size` bytes.
 *
 * @since 1.0.0
 * @category constructors
 */
export const responseTooLarge = (size: number): ResponseTooLarge =>
  new ResponseTooLarge(RuntimeErrors.bufferedTooLarge(size))

/**
 * A streamed response grew past the platform's limit for streams (200 MB). The element that
 * would have crossed it is not written; the stream is interrupted (its finalizers run) and the
 * body ends with error trailers of type `Function.ResponseSizeTooLarge`, or, when not a byte had
 * been written yet, `/error` is posted instead.
 *
 * @since 1.0.0
 * @category errors
 */
export class StreamedResponseTooLarge extends Data.TaggedError("StreamedResponseTooLarge")<RuntimeErrors.SizeFields> {
  /** The Lambda `errorType`. */
  readonly errorType = spec.StreamedResponseTooLarge.errorType
  /** Says the size reached and the limit. */
  override get message(): string {
    return spec.StreamedResponseTooLarge.message(this)
  }
}

/**
 * The event could not be read: its body is not JSON, or it does not match the handler's event
 * Schema (the message names the path that failed). Reported as `Runtime.UnmarshalError`.
 *
 * @since 1.0.0
 * @category errors
 */
export class UnmarshalError extends Data.TaggedError("UnmarshalError")<RuntimeErrors.DetailFields> {
  /** The Lambda `errorType`. */
  readonly errorType = spec.UnmarshalError.errorType
  /** Says why the event could not be read. */
  override get message(): string {
    return spec.UnmarshalError.message(this)
  }
}

/**
 * The handler's result could not be turned into a response body: `JSON.stringify` threw (a
 * `BigInt`, a circular structure) or the output Schema refused it. Reported as
 * `Runtime.MarshalError`.
 *
 * @since 1.0.0
 * @category errors
 */
export class MarshalError extends Data.TaggedError("MarshalError")<RuntimeErrors.DetailFields> {
  /** The Lambda `errorType`. */
  readonly errorType = spec.MarshalError.errorType
  /** Says why the result could not be encoded. */
  override get message(): string {
    return spec.MarshalError.message(this)
  }
}

/**
 * A call to the Runtime API failed: the connection could not be made or dropped
 * (`reason: "Transport"`), the platform answered with an unexpected status (`reason: "Status"`),
 * or `/next` delivered an invocation without a request id (`reason: "MalformedInvocation"`).
 *
 * @since 1.0.0
 * @category errors
 */
export class RuntimeApiError extends Data.TaggedError("RuntimeApiError")<RuntimeErrors.RuntimeApiFields> {
  /** Names the call, the reason and the status. */
  override get message(): string {
    return spec.RuntimeApiError.message(this)
  }
}

/**
 * The runtime cannot go on and exits the process with a non-zero code: the Runtime API is
 * unreachable or answered 5xx, or work would not stop by its deadline (the line logged at fatal
 * level says which).
 *
 * @since 1.0.0
 * @category errors
 */
export class FatalRuntimeError extends Data.TaggedError("FatalRuntimeError")<RuntimeErrors.DetailFields> {
  /** The detail. */
  override get message(): string {
    return spec.FatalRuntimeError.message(this)
  }
}
