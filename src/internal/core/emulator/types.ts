/**
 * The emulator's records and options, as both lines' `Emulator` modules export them: plain data,
 * no Effect, so that they exist once (the Effect 3 and the Effect 4 `Emulator` re-export them).
 *
 * @since 0.1.0
 */
/**
 * Options of each line's `Emulator.make` and `Emulator.layer`.
 *
 * - `port`: TCP port on `127.0.0.1`; `0` (the default) picks a free one.
 * - `functionTimeoutMs`: the configured function timeout; each invocation's deadline is the moment
 *   `GET /next` answers plus this (default `3000`).
 * - `functionName`, `functionVersion`, `memorySizeMb`, `region`: what `EmulatorService.environment`
 *   announces (defaults `test_function`, `$LATEST`, `3008`, `us-east-1`, as the official emulator).
 * - `functionArn`: the invoked function ARN (default `arn:aws:lambda:<region>:012345678912:function:<name>`).
 * - `handler`: the handler string returned by extension registration and, when given, set as `_HANDLER`.
 * - `concurrency`: `AWS_LAMBDA_MAX_CONCURRENCY`; above `1` (the default) the emulator runs in the
 *   concurrent mode of Lambda Managed Instances (see the module documentation).
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface EmulatorOptions {
  readonly port?: number
  readonly functionTimeoutMs?: number
  readonly functionName?: string
  readonly functionVersion?: string
  readonly functionArn?: string
  readonly memorySizeMb?: number
  readonly region?: string
  readonly handler?: string
  readonly concurrency?: number
}

/**
 * Per-invocation options: a fixed request id (default: a random UUID), a timeout overriding the
 * emulator's `functionTimeoutMs`, and the optional event headers of the Runtime API: the X-Ray
 * trace header (without one, the emulator generates one per invocation, unsampled, as Lambda
 * does), the client context and Cognito identity (both JSON text, delivered verbatim) and the
 * tenant id.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface InvokeOptions {
  readonly requestId?: string
  readonly timeoutMs?: number
  readonly traceId?: string
  readonly clientContext?: string
  readonly cognitoIdentity?: string
  readonly tenantId?: string
}

/**
 * A result POST received for an invocation (`/response` or `/error`), with the status the emulator
 * answered and the time the request arrived. Rejected posts are recorded too, so a test can assert
 * that exactly one was accepted (`202`).
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface RecordedPost {
  readonly kind: "response" | "error"
  readonly status: number
  readonly at: number
}

/**
 * A document posted to `/init/error` (or, for an invocation, built by the platform): the
 * `Lambda-Runtime-Function-Error-Type` header, the body parsed as JSON (or the raw text when it is
 * not JSON), the raw text and the arrival time.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface RecordedError {
  readonly errorTypeHeader?: string
  /** The `Lambda-Runtime-Function-XRay-Error-Cause` header, parsed as JSON (its text when it is not). */
  readonly xrayErrorCause?: unknown
  readonly document: unknown
  readonly text: string
  readonly at: number
}

/**
 * A body in the HTTP integration format (`application/vnd.awslambda.http-integration-response`),
 * decoded the way a Function URL does: the JSON prelude's status, headers and cookies, and the
 * bytes after the eight NUL delimiter. `Invalid` when there was no delimiter or no JSON prelude.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export type HttpIntegrationResponse =
  | {
    readonly _tag: "Decoded"
    readonly statusCode: number
    readonly headers: Readonly<Record<string, string>>
    readonly cookies: ReadonlyArray<string>
    readonly body: Uint8Array
  }
  | { readonly _tag: "Invalid"; readonly reason: string }

/**
 * How far a streamed `/response` has got: bytes and chunks received so far and when the first
 * byte arrived.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface StreamProgress {
  readonly bytes: number
  readonly chunks: number
  readonly firstByteAt: number | undefined
}

/**
 * How an invocation ended.
 *
 * - `Response`: a `/response` was accepted; for a streamed one `streaming` is `true` and the trailers
 *   (if any) are kept. With the HTTP integration content type, `http` is the decoded prelude and
 *   the body after the eight NUL bytes (or the reason the prelude could not be decoded).
 * - `Error`: an `/error` was accepted, or a stream ended with a non-empty
 *   `Lambda-Runtime-Function-Error-Type` trailer (then `document` is the decoded
 *   `Lambda-Runtime-Function-Error-Body` and `streamedBody` what was streamed before), or the
 *   platform failed it (`Runtime.InvalidResponseModeHeader`, `Runtime.TruncatedResponse`).
 * - `Timeout`: no result by the deadline; `message` is `Task timed out after N.NN seconds`.
 * - `TooLarge`: a buffered `/response` over 6,291,556 bytes was refused with `413`.
 * - `InitError`: the runtime posted `/init/error` before it took this invocation.
 * - `ExitError`: the runtime process exited before answering (reported with
 *   `EmulatorService.runtimeExited`).
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export type InvocationOutcome =
  | {
    readonly _tag: "Response"
    readonly body: Uint8Array
    readonly text: string
    readonly contentType?: string
    readonly streaming: boolean
    readonly trailers?: Readonly<Record<string, string>>
    readonly http?: HttpIntegrationResponse
  }
  | {
    readonly _tag: "Error"
    readonly errorTypeHeader?: string
    /** The `Lambda-Runtime-Function-XRay-Error-Cause` header, parsed as JSON (its text when it is not). */
    readonly xrayErrorCause?: unknown
    readonly document: unknown
    readonly text: string
    readonly streamedBody?: Uint8Array
  }
  | { readonly _tag: "Timeout"; readonly message: string }
  | { readonly _tag: "TooLarge"; readonly size: number }
  | { readonly _tag: "InitError"; readonly error: RecordedError }
  | { readonly _tag: "ExitError"; readonly message: string }

/**
 * The recorded timeline of one invocation. All times are milliseconds since the epoch with
 * sub-millisecond precision (`performance.timeOrigin + performance.now()`).
 *
 * - `deadlineMs`: the `Lambda-Runtime-Deadline-Ms` sent with the event (`0` until `GET /next`
 *   delivered it).
 * - `enqueuedAt`, `nextAnsweredAt` (the event was delivered), `resultAt` (the result was complete:
 *   body and trailers received, or the deadline passed), `nextAfterResultAt` (the runtime's next
 *   `GET /next` after the result: the moment it released the environment).
 * - `firstByteAt` / `lastByteAt`: first and last body byte of the accepted `/response`.
 * - In concurrent mode `nextAfterResultAt` stays unset: a `/next` belongs to no invocation there.
 * - `posts`: every result POST received for this id.
 *
 * A record returned by `EmulatorService.invoke` is a snapshot taken when the outcome was
 * known; `EmulatorService.invocations` returns fresh snapshots.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface InvocationRecord {
  readonly requestId: string
  readonly event: Uint8Array
  readonly timeoutMs: number
  readonly deadlineMs: number
  readonly enqueuedAt: number
  readonly nextAnsweredAt?: number
  readonly firstByteAt?: number
  readonly lastByteAt?: number
  readonly resultAt?: number
  readonly nextAfterResultAt?: number
  readonly outcome?: InvocationOutcome
  readonly posts: ReadonlyArray<RecordedPost>
}

/**
 * An extension registered through `POST /2020-01-01/extension/register`.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface RegisteredExtension {
  readonly name: string
  readonly id: string
  readonly events: ReadonlyArray<string>
  readonly registeredAt: number
}

/**
 * What a runtime process reported about its exit, for `EmulatorService.runtimeExited`.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface RuntimeExit {
  readonly code: number | null
  readonly signal: string | null
}

/**
 * A reset of the execution environment decided by the platform: the invocation `requestId`
 * reached its deadline with no result (`Timeout`), or with its result posted but without the
 * runtime asking for `/next` again (`BusyAfterDeadline`: work after the response overran). `at`
 * is when the deadline passed.
 *
 * @since 0.1.0
 * @category models
 *
 * @internal
 */
export interface EnvironmentReset {
  readonly requestId: string
  readonly reason: "Timeout" | "BusyAfterDeadline"
  readonly at: number
}
