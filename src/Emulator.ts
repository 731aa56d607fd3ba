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
import type { EmulatorServiceOf } from "./internal/core/emulator/service.js"
import type * as Types from "./internal/core/emulator/types.js"
import * as internal from "./internal/tools/emulator/server.js"

/**
 * Options of `make` and `layer`: port, function timeout, the environment's names, handler, concurrency.
 *
 * @since 0.1.0
 * @category models
 */
export type EmulatorOptions = Types.EmulatorOptions

/**
 * Per-invocation options: request id, timeout, trace header, client context, Cognito identity, tenant id.
 *
 * @since 0.1.0
 * @category models
 */
export type InvokeOptions = Types.InvokeOptions

/**
 * A result POST received for an invocation (`/response` or `/error`), with the status the emulator answered.
 *
 * @since 0.1.0
 * @category models
 */
export type RecordedPost = Types.RecordedPost

/**
 * An error document a runtime posted (`/error` or `/init/error`), with its error type header.
 *
 * @since 0.1.0
 * @category models
 */
export type RecordedError = Types.RecordedError

/**
 * A body in the HTTP integration format, decoded as a Function URL decodes it.
 *
 * @since 0.1.0
 * @category models
 */
export type HttpIntegrationResponse = Types.HttpIntegrationResponse

/**
 * How far a streamed response has come (bytes and chunks so far).
 *
 * @since 0.1.0
 * @category models
 */
export type StreamProgress = Types.StreamProgress

/**
 * How an invocation ended: a response, an error, or no answer.
 *
 * @since 0.1.0
 * @category models
 */
export type InvocationOutcome = Types.InvocationOutcome

/**
 * One invocation as the emulator saw it: its request id, event, timeline and outcome.
 *
 * @since 0.1.0
 * @category models
 */
export type InvocationRecord = Types.InvocationRecord

/**
 * An extension registered through the Extensions API.
 *
 * @since 0.1.0
 * @category models
 */
export type RegisteredExtension = Types.RegisteredExtension

/**
 * What a runtime process reported about its exit, for `EmulatorService.runtimeExited`.
 *
 * @since 0.1.0
 * @category models
 */
export type RuntimeExit = Types.RuntimeExit

/**
 * A reset of the execution environment after the runtime process exited or was stopped.
 *
 * @since 0.1.0
 * @category models
 */
export type EnvironmentReset = Types.EnvironmentReset

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
export interface EmulatorService extends EmulatorServiceOf<internal.EffectOf> {
  readonly initError: Effect.Effect<Option.Option<RecordedError>>
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
