/**
 * The client of the Lambda Runtime API that the invocation loop depends on. The loop knows
 * nothing about HTTP: it asks this service for the next invocation and hands it results.
 * The default implementation speaks HTTP/1.1 over one keep-alive socket (streamed responses
 * over `node:http`).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as client from "./internal/runtime/runtimeApiClient.js"
import * as internal from "./internal/runtime/runtimeApi.js"
import type * as Core from "./internal/core/protocol.js"
import type * as Requests from "./internal/core/runtimeApiRequests.js"
import type { RuntimeApiError } from "./LambdaError.js"

/**
 * Lambda's error document: `errorType`, `errorMessage`, `stackTrace` (the body of `/error` and
 * `/init/error`, and the error trailers of a streamed response).
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorDocument extends Core.ErrorDocument {}

/**
 * One invocation as `/next` delivered it: the raw event bytes and the headers that describe
 * it, before any decoding.
 *
 * @since 0.1.0
 * @category models
 */
export interface Invocation {
  readonly requestId: string
  /** Absolute deadline, Unix epoch milliseconds (`NaN` when the header was missing or invalid). */
  readonly deadlineMs: number
  readonly functionArn: string
  readonly traceId: string | undefined
  /** The client context as JSON text, when the caller supplied one. */
  readonly clientContext: string | undefined
  /** The Cognito identity as JSON text, for Cognito-authenticated mobile calls. */
  readonly cognitoIdentity: string | undefined
  readonly tenantId: string | undefined
  readonly contentType: string | undefined
  readonly body: Uint8Array
}

/**
 * A complete response body with its content type (buffered response mode).
 *
 * @since 0.1.0
 * @category models
 */
export interface BufferedResponse extends Requests.BufferedResponse {}

/**
 * A response body produced over time (streaming response mode). The runtime opens the
 * `/response` POST when the stream emits its first byte and writes every element as it comes,
 * waiting whenever the connection is not ready for more, so a slow reader slows the stream.
 * The stream runs in the handler's fiber: the invocation deadline interrupts it, and its
 * requirements must already be provided (the handler forms in `LambdaHandler` do that).
 *
 * A failure before the first byte posts `/error`; a failure after it ends the body with the
 * `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body` trailers.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamedResponse {
  readonly _tag: "Streamed"
  readonly stream: Stream.Stream<Uint8Array | string, unknown>
  readonly contentType: string
}

/**
 * What a handler hands back to the loop: a complete body, or a stream.
 *
 * @since 0.1.0
 * @category models
 */
export type Response = BufferedResponse | StreamedResponse

/**
 * The open body of a streaming `/response` POST (chunked transfer encoding, error trailers
 * announced). Writes are synchronous and report whether the connection wants more; the
 * writer of a stream waits for {@link ResponseWriter.drained} when it does not.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseWriter {
  /** Queues one chunk; `false` when enough is buffered that the caller should await `drained`. */
  readonly write: (chunk: Uint8Array | string) => boolean
  /**
   * Completes when the buffer has drained. Fails when the connection broke or the platform
   * answered before the body ended (it no longer reads it).
   */
  readonly drained: Effect.Effect<void, RuntimeApiError>
  /**
   * Ends the body, with the two error trailers when `error` is given, and waits for the
   * platform's answer (`202` even when the trailers report an error).
   */
  readonly end: (error?: ErrorDocument) => Effect.Effect<void, RuntimeApiError>
}

/**
 * The Runtime API operations a runtime needs. Every method fails with a
 * {@link RuntimeApiError} that says which call failed and why; the loop decides whether the
 * failure is fatal (status 500, exhausted retries) or only logged (400, 403, 413).
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimeApiService {
  /** `GET /next`: a long poll, never timed out on the client side. */
  readonly next: Effect.Effect<Invocation, RuntimeApiError>
  /** `POST /invocation/{id}/response` with a complete body. */
  readonly respond: (requestId: string, response: BufferedResponse) => Effect.Effect<void, RuntimeApiError>
  /**
   * Opens `POST /invocation/{id}/response` in streaming mode and returns its body writer. The
   * headers go out at once; the platform answers only after {@link ResponseWriter.end}.
   */
  readonly streamResponse: (requestId: string, contentType: string) => Effect.Effect<ResponseWriter>
  /** `POST /invocation/{id}/error` with the `Lambda-Runtime-Function-Error-Type` header. */
  readonly fail: (requestId: string, error: ErrorDocument) => Effect.Effect<void, RuntimeApiError>
  /** `POST /init/error`, before the first `/next`. */
  readonly initError: (error: ErrorDocument) => Effect.Effect<void, RuntimeApiError>
  /**
   * Registers an internal extension with no events (so that Lambda sends SIGTERM before
   * shutdown) and parks its `event/next` long poll on a connection of its own. Returns the
   * extension identifier.
   */
  readonly registerExtension: (name: string) => Effect.Effect<string, RuntimeApiError>
}

/**
 * The Runtime API client service.
 *
 * @since 0.1.0
 * @category tags
 * @class
 */
export const RuntimeApi: typeof internal.RuntimeApi = internal.RuntimeApi

/**
 * @since 0.1.0
 * @category tags
 */
export type RuntimeApi = internal.RuntimeApi

/**
 * Builds the HTTP client for a Runtime API at `host:port` (the value of
 * `AWS_LAMBDA_RUNTIME_API`). Its sockets are closed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (endpoint: string) => Effect.Effect<RuntimeApiService, never, Scope.Scope> = client.make
