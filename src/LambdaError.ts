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
import * as internal from "./internal/runtime/errors.js"

/**
 * The handler did not finish before `deadline - timeoutMargin`. It was interrupted (its
 * finalizers ran) and the invocation failed with `Runtime.HandlerTimeout`.
 *
 * @since 0.1.0
 * @category errors
 * @class
 */
export const HandlerTimeout: typeof internal.HandlerTimeout = internal.HandlerTimeout

/**
 * @since 0.1.0
 * @category errors
 */
export type HandlerTimeout = internal.HandlerTimeout

/**
 * A buffered response larger than the platform accepts (6,291,556 bytes). It is never
 * posted: the runtime posts `/error` with `Function.ResponseSizeTooLarge` instead.
 *
 * @since 0.1.0
 * @category errors
 * @class
 */
export const ResponseTooLarge: typeof internal.ResponseTooLarge = internal.ResponseTooLarge

/**
 * @since 0.1.0
 * @category errors
 */
export type ResponseTooLarge = internal.ResponseTooLarge

/**
 * Builds the {@link ResponseTooLarge} error for a body of `size` bytes against the buffered limit.
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const responseTooLarge: (size: number) => ResponseTooLarge = internal.responseTooLarge

/**
 * A streamed response grew past the platform's limit for streams (200 MB). The chunk that
 * would have crossed the limit is not written; the stream is interrupted (its finalizers run)
 * and the body ends with error trailers of type `Function.ResponseSizeTooLarge`, or, when not
 * a byte had been written yet, `/error` is posted instead.
 *
 * @since 0.1.0
 * @category errors
 * @class
 */
export const StreamedResponseTooLarge: typeof internal.StreamedResponseTooLarge = internal.StreamedResponseTooLarge

/**
 * @since 0.1.0
 * @category errors
 */
export type StreamedResponseTooLarge = internal.StreamedResponseTooLarge

/**
 * The event could not be read: its body is not JSON, or it does not match the handler's
 * event Schema (the message names the path that failed). Reported as `Runtime.UnmarshalError`.
 *
 * @since 0.1.0
 * @category errors
 * @class
 */
export const UnmarshalError: typeof internal.UnmarshalError = internal.UnmarshalError

/**
 * @since 0.1.0
 * @category errors
 */
export type UnmarshalError = internal.UnmarshalError

/**
 * The handler's result could not be turned into a response body: `JSON.stringify` threw
 * (a `BigInt`, a circular structure) or the output Schema refused it. Reported as
 * `Runtime.MarshalError`.
 *
 * @since 0.1.0
 * @category errors
 * @class
 */
export const MarshalError: typeof internal.MarshalError = internal.MarshalError

/**
 * @since 0.1.0
 * @category errors
 */
export type MarshalError = internal.MarshalError

/**
 * A call to the Runtime API failed: the connection could not be made or dropped
 * (`reason: "Transport"`), the platform answered with an unexpected status
 * (`reason: "Status"`), or `/next` delivered an invocation without a request id
 * (`reason: "MalformedInvocation"`).
 *
 * @since 0.1.0
 * @category errors
 * @class
 */
export const RuntimeApiError: typeof internal.RuntimeApiError = internal.RuntimeApiError

/**
 * @since 0.1.0
 * @category errors
 */
export type RuntimeApiError = internal.RuntimeApiError

/**
 * The runtime cannot go on and exits the process with a non-zero code: the Runtime API is
 * unreachable or answered 500, or a fiber refused interruption past the deadline.
 *
 * @since 0.1.0
 * @category errors
 * @class
 */
export const FatalRuntimeError: typeof internal.FatalRuntimeError = internal.FatalRuntimeError

/**
 * @since 0.1.0
 * @category errors
 */
export type FatalRuntimeError = internal.FatalRuntimeError
