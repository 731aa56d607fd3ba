/**
 * A local Lambda Runtime API for tests, examples and local development.
 *
 * The emulator serves the Runtime API (version `2018-06-01`), the part of the Extensions API a
 * runtime uses (`register` and a never-answered `event/next`) and the invoke endpoint of the
 * official Runtime Interface Emulator (`POST /2015-03-31/functions/function/invocations`) on one
 * HTTP server bound to `127.0.0.1`. By default it follows the classic execution model: one
 * invocation at a time, `GET /next` as a long poll, `400 InvalidRequestID` for a result posted for any other id,
 * `403 InvalidStateTransition` for a second result, `413` over the buffered limit, streamed
 * responses with error trailers, `/init/error`, and a deadline that fails the invocation with
 * `Task timed out after N.NN seconds`.
 *
 * Unlike the official emulator, the invoke endpoint (and {@link EmulatorService.invoke}) answers
 * as soon as the runtime posts its result, as the Lambda service does, and not when the runtime
 * asks for the next invocation. Every invocation is recorded with precise timestamps, so tests
 * can assert what happened after the response was posted.
 *
 * After a platform timeout the environment is reset, as Lambda does: the emulator expects a fresh
 * init from a new runtime process and refuses the old one. The fresh environment's Runtime API
 * listens on a new port ({@link EmulatorService.environment} names it from then on), so that no
 * request of the old process, on any connection, can reach it: on the old address a `GET /next`
 * (or any other runtime request) is answered `500` (the Runtime API's "non-recoverable" status, so
 * a runtime exits) and logged, and a late result is rejected with `400`; the next invocation waits
 * for a fresh runtime. The emulator cannot stop a process it did not start: whoever runs the
 * runtime waits for {@link EmulatorService.awaitReset}, stops it, reports it with
 * {@link EmulatorService.runtimeExited} and starts a new one with the current `environment` (as
 * `effect-lambda run` and `effect-lambda emulator <module>` do). The invoke endpoint stays on
 * {@link EmulatorService.port}.
 *
 * With `concurrency: N` (N > 1) it emulates Lambda Managed Instances instead: the environment
 * announces `AWS_LAMBDA_MAX_CONCURRENCY=N` and `AWS_LAMBDA_INITIALIZATION_TYPE=lambda-managed-instances`,
 * up to N `GET /next` calls park at once (one more is answered `500 Runtime.TooManyIdleRuntimes`)
 * and each gets its own invocation, results are matched by request id in any order, and the invoke
 * endpoint takes `X-Amzn-RequestId` as the request id. A deadline fails only its invocation: the
 * process is neither reset nor refused, the other invocations go on, and a later result for it
 * (or a stream still open at the deadline) is answered `410 InvokeTimeout`. On shutdown
 * ({@link EmulatorService.shutdown}, or closing the scope) parked `/next` calls are answered `500`.
 *
 * Streamed responses also reach the invoke caller live, chunk by chunk, with the caller's read
 * pace passed back to the runtime (a slow reader slows the stream). With the HTTP integration
 * content type the prelude becomes the caller's status line, headers and `Set-Cookie` lines; an
 * error reported in the stream's trailers after the first byte ends the caller's chunked body
 * with `X-Amz-Function-Error`, `Lambda-Runtime-Function-Error-Type` and
 * `Lambda-Runtime-Function-Error-Body` trailers. A stream still open at the deadline is cut:
 * the runtime's POST is answered `400` and its connection closed, and the invocation times out.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Emulator from "effect-lambda-runtime/Emulator"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
 *   // start a runtime with `AWS_LAMBDA_RUNTIME_API=${emulator.host}` (see `environment`)
 *   const record = yield* emulator.invoke({ name: "world" })
 *   if (record.outcome?._tag === "Response") console.log(record.outcome.text)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Effect, Layer, Option, Scope } from "effect"
import * as internal from "./internal/tools/emulator/server.js"

/**
 * Options of {@link make} and {@link layer}.
 *
 * - `port`: TCP port on `127.0.0.1`; `0` (the default) picks a free one.
 * - `functionTimeoutMs`: the configured function timeout; each invocation's deadline is the moment
 *   `GET /next` answers plus this (default `3000`).
 * - `functionName`, `functionVersion`, `memorySizeMb`, `region`: what {@link EmulatorService.environment}
 *   announces (defaults `test_function`, `$LATEST`, `3008`, `us-east-1`, as the official emulator).
 * - `functionArn`: the invoked function ARN (default `arn:aws:lambda:<region>:012345678912:function:<name>`).
 * - `handler`: the handler string returned by extension registration and, when given, set as `_HANDLER`.
 * - `concurrency`: `AWS_LAMBDA_MAX_CONCURRENCY`; above `1` (the default) the emulator runs in the
 *   concurrent mode of Lambda Managed Instances (see the module documentation).
 *
 * @since 0.1.0
 * @category models
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
 *   {@link EmulatorService.runtimeExited}).
 *
 * @since 0.1.0
 * @category models
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
 * A record returned by {@link EmulatorService.invoke} is a snapshot taken when the outcome was
 * known; {@link EmulatorService.invocations} returns fresh snapshots.
 *
 * @since 0.1.0
 * @category models
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
 * An invocation that has been queued: its request id and an effect that waits for its outcome
 * (it completes as soon as the result is posted, the deadline passes, or init fails).
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingInvocation {
  readonly requestId: string
  readonly result: Effect.Effect<InvocationRecord>
}

/**
 * An extension registered through `POST /2020-01-01/extension/register`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RegisteredExtension {
  readonly name: string
  readonly id: string
  readonly events: ReadonlyArray<string>
  readonly registeredAt: number
}

/**
 * What a runtime process reported about its exit, for {@link EmulatorService.runtimeExited}.
 *
 * @since 0.1.0
 * @category models
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
 */
export interface EnvironmentReset {
  readonly requestId: string
  readonly reason: "Timeout" | "BusyAfterDeadline"
  readonly at: number
}

/**
 * The running emulator.
 *
 * - `host`, `port`: where it listens: the invoke endpoint, and the Runtime API until the first reset
 *   (then `environment.AWS_LAMBDA_RUNTIME_API` names the fresh environment's).
 * - `environment`: the Lambda environment variables a runtime needs (`AWS_LAMBDA_RUNTIME_API`,
 *   function name, version, memory size, log group and stream, region, initialization type, and in
 *   concurrent mode `AWS_LAMBDA_MAX_CONCURRENCY`). Read it when starting a runtime: after a reset it
 *   names a new Runtime API address.
 * - `enqueue` / `invoke`: queue an event (strings and bytes are sent verbatim, anything else is
 *   JSON-encoded) and wait for its outcome.
 * - `invocations`, `nextRequests`, `awaitNextRequest`: the recorded timeline; `awaitNextRequest(n)`
 *   waits until the n-th (1-based) `GET /next` has arrived and returns its arrival time.
 * - `initError`, `awaitInitError`: the `/init/error` document.
 * - `extensions`: registered extensions.
 * - `awaitFirstByte(requestId)`: waits for the first body byte of that invocation's `/response`
 *   and returns its arrival time; `streamProgress(requestId)` reads how much has arrived so far.
 * - `resets`, `awaitReset(n)`: the environment resets so far; `awaitReset(n)` waits for the n-th
 *   (1-based). After a reset the runtime that was running must be stopped and a fresh one started.
 * - `runtimeExited`: tells the emulator that the runtime process exited. The current invocation
 *   (and, during init, the queued ones) fail with `Runtime.ExitError`, and the emulator expects a
 *   fresh init from the next runtime. Reporting the exit of a runtime stopped after a reset fails
 *   nothing: its invocation already timed out, and the queued ones wait for the fresh runtime. In
 *   concurrent mode every invocation still owed fails.
 * - `shutdown`: begins shutting the function down before the process is stopped. In concurrent mode
 *   every parked `GET /next` is answered `500`, and so is any later one (Managed Instances do so;
 *   the runtime should stop polling and exit once its work is done); in classic mode it does nothing
 *   (Lambda sends no answer). Closing the emulator's scope does the same.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorService {
  readonly host: string
  readonly port: number
  readonly environment: Readonly<Record<string, string>>
  readonly enqueue: (event: unknown, options?: InvokeOptions) => Effect.Effect<PendingInvocation>
  readonly invoke: (event: unknown, options?: InvokeOptions) => Effect.Effect<InvocationRecord>
  readonly invocations: Effect.Effect<ReadonlyArray<InvocationRecord>>
  readonly nextRequests: Effect.Effect<ReadonlyArray<number>>
  readonly awaitNextRequest: (n: number) => Effect.Effect<number>
  readonly initError: Effect.Effect<Option.Option<RecordedError>>
  readonly awaitInitError: Effect.Effect<RecordedError>
  readonly extensions: Effect.Effect<ReadonlyArray<RegisteredExtension>>
  readonly awaitFirstByte: (requestId: string) => Effect.Effect<number>
  readonly streamProgress: (requestId: string) => Effect.Effect<StreamProgress>
  readonly resets: Effect.Effect<ReadonlyArray<EnvironmentReset>>
  readonly awaitReset: (n: number) => Effect.Effect<EnvironmentReset>
  readonly runtimeExited: (exit: RuntimeExit) => Effect.Effect<void>
  readonly shutdown: Effect.Effect<void>
}

/**
 * The emulator as a service, for programs that receive it from a layer.
 *
 * @since 0.1.0
 * @category tags
 * @class
 */
export const Emulator: typeof internal.Emulator = internal.Emulator

/**
 * @since 0.1.0
 * @category tags
 */
export type Emulator = internal.Emulator

/**
 * Starts an emulator on `127.0.0.1` for the lifetime of the scope. Closing the scope closes the
 * server and destroys open connections (pending long polls included), so it never hangs. Fails
 * with a defect when the port cannot be bound.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: EmulatorOptions) => Effect.Effect<EmulatorService, never, Scope.Scope> = internal.make

/**
 * A scoped layer providing {@link Emulator}; the server is closed when the layer is released.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import * as Emulator from "effect-lambda-runtime/Emulator"
 *
 * layer(Emulator.layer({ functionTimeoutMs: 500 }))("my runtime", (it) => {
 *   // it.effect(..., () => Effect.flatMap(Emulator.Emulator, (emulator) => emulator.invoke({})))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 * @function
 */
export const layer: (options?: EmulatorOptions) => Layer.Layer<Emulator> = internal.layer
