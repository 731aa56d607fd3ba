/**
 * The client of the Lambda Runtime API that the invocation loop depends on. The loop knows
 * nothing about HTTP: it asks this service for the next invocation and hands it results.
 * The default implementation speaks HTTP/1.1 over a keep-alive `node:http` agent.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/runtimeApiClient.js"
import type { ErrorDocument } from "./internal/protocol.js"
import type { RuntimeApiError } from "./LambdaError.js"

export type {
  /**
   * Lambda's error document: `errorType`, `errorMessage`, `stackTrace`.
   *
   * @since 0.1.0
   * @category models
   */
  ErrorDocument
}

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
export interface BufferedResponse {
  readonly _tag: "Buffered"
  readonly body: Uint8Array | string
  readonly contentType: string
}

/**
 * What a handler hands back to the loop. Buffered today; the response primitive that
 * streaming extends.
 *
 * @since 0.1.0
 * @category models
 */
export type Response = BufferedResponse

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
  /** `POST /invocation/{id}/response`. */
  readonly respond: (requestId: string, response: Response) => Effect.Effect<void, RuntimeApiError>
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
 */
export class RuntimeApi extends Context.Tag("effect-lambda-runtime/RuntimeApi")<RuntimeApi, RuntimeApiService>() {}

/**
 * Builds the `node:http` client for a Runtime API at `host:port` (the value of
 * `AWS_LAMBDA_RUNTIME_API`). Its sockets are closed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (endpoint: string) => Effect.Effect<RuntimeApiService, never, Scope.Scope> =
  internal.make

/**
 * The `node:http` client as a layer.
 *
 * @example
 * ```ts
 * import { RuntimeApi } from "effect-lambda-runtime"
 *
 * const ApiLive = RuntimeApi.layer("127.0.0.1:9001")
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (endpoint: string): Layer.Layer<RuntimeApi> => Layer.scoped(RuntimeApi, internal.make(endpoint))
