/**
 * Handler forms. One low-level primitive (raw invocation in, {@link Response} out) carries
 * everything the loop needs; the JSON handler with optional event and output Schemas is
 * built on it, and so is streaming.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "./internal/runtime/handler.js"
import type { LambdaContext } from "./LambdaContext.js"
import type { MarshalError, UnmarshalError } from "./LambdaError.js"
import type { Invocation, Response } from "./RuntimeApi.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = internal.TypeId

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The user's function: an event and the invocation's context in, an Effect out. It may
 * use the services of the runtime's layer, `LambdaContext` and `Scope` (the invocation
 * scope, closed after the detached work).
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<Event, Output, E = never, R = never> = (
  event: Event,
  context: LambdaContext
) => Effect.Effect<Output, E, R>

/**
 * A handler in the form the loop runs: the raw invocation in, a {@link Response} out.
 *
 * @since 0.1.0
 * @category models
 */
export interface LambdaHandler<E = never, R = never> {
  readonly [TypeId]: TypeId
  readonly handle: (invocation: Invocation, context: LambdaContext) => Effect.Effect<Response, E, R>
  /**
   * Run once at init, after the layer was built and with its services (and the runtime's
   * `Scope`, released on shutdown; no `LambdaContext`): the handler it returns serves the
   * invocations instead of this one. A failure is an init error. See {@link fromInit}.
   */
  readonly init?: Effect.Effect<LambdaHandler<E, R>, unknown, R> | undefined
}

/**
 * Services the runtime provides to every handler itself.
 *
 * @since 0.1.0
 * @category models
 */
export type Provided = LambdaContext | Scope.Scope

/**
 * Checks whether a value is a {@link LambdaHandler}.
 *
 * @since 0.1.0
 * @category guards
 * @function
 */
export const isLambdaHandler: (u: unknown) => u is LambdaHandler<unknown, unknown> = internal.isLambdaHandler

/**
 * The low-level form: the handler sees the event bytes and headers and returns the exact
 * response (body and content type). Use it for non-JSON payloads.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LambdaHandler } from "effect-lambda-runtime"
 *
 * const echo = LambdaHandler.raw((invocation) =>
 *   Effect.succeed(LambdaHandler.buffered(invocation.body, "application/octet-stream"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const raw: <E, R>(
  handle: (invocation: Invocation, context: LambdaContext) => Effect.Effect<Response, E, R>
) => LambdaHandler<E, R> = internal.raw

/**
 * A handler that needs work done once, at init, before it can serve: `init` runs after the
 * runtime's layer was built, with its services and a `Scope` that is closed on shutdown, and
 * returns the handler that serves every invocation. A failure of `init` is reported as the
 * function's init error, like a layer that fails to build. Handlers that build something of
 * their own (an HTTP API's routes, a parsed configuration) use it so that the work counts
 * toward init and not the first invocation.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LambdaHandler } from "effect-lambda-runtime"
 *
 * const handler = LambdaHandler.fromInit(
 *   Effect.sync(() => {
 *     const greeting = "hello" // computed once
 *     return LambdaHandler.raw(() => Effect.succeed(LambdaHandler.buffered(greeting, "text/plain")))
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const fromInit: <E, R>(init: Effect.Effect<LambdaHandler<E, R>, unknown, R>) => LambdaHandler<E, R> =
  internal.fromInit

/**
 * A buffered response with an explicit content type.
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const buffered: (body: Uint8Array | string, contentType?: string) => Response = internal.buffered

/**
 * Options of the JSON handler form: {@link json}, and `LambdaRuntime.run` / `serve` given a
 * plain function (which they wrap with {@link json}).
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonOptions<EA, EI, OA, OI> {
  /** Decodes the parsed event; a mismatch fails with `Runtime.UnmarshalError` naming the path. */
  readonly event?: Schema.Schema<EA, EI, never> | undefined
  /** Encodes the handler's result before `JSON.stringify`; a mismatch fails with `Runtime.MarshalError`. */
  readonly output?: Schema.Schema<OA, OI, never> | undefined
}

/**
 * The JSON form: the event is parsed as JSON (and decoded with `event` when given), the
 * result is encoded with `output` (when given) and sent as `application/json`.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { LambdaHandler } from "effect-lambda-runtime"
 *
 * const Order = Schema.Struct({ id: Schema.String, quantity: Schema.Number })
 *
 * const handler = LambdaHandler.json(
 *   (order) => Effect.succeed({ accepted: order.quantity > 0 }),
 *   { event: Order }
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const json: <EA, OA, E, R, EI = EA, OI = OA>(
  handler: Handler<EA, OA, E, R>,
  options?: JsonOptions<EA, EI, OA, OI>
) => LambdaHandler<E | UnmarshalError | MarshalError, R> = internal.json

/**
 * A streamed response with an explicit content type, for the {@link raw} form. The stream's
 * requirements must be provided already (the {@link stream} form does that for you).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { LambdaHandler } from "effect-lambda-runtime"
 *
 * const handler = LambdaHandler.raw(() =>
 *   Effect.succeed(LambdaHandler.streamed(Stream.make("a,b\n", "1,2\n"), "text/csv"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const streamed: <E>(body: Stream.Stream<Uint8Array | string, E>, contentType?: string) => Response =
  internal.streamed

/**
 * What a streaming handler returns: the body as a Stream, or an Effect that produces it (to
 * do some work, or fail with `/error`, before anything is streamed).
 *
 * @since 0.1.0
 * @category models
 */
export type StreamResult<A, E, R, E2, R2> =
  | Stream.Stream<A, E, R>
  | Effect.Effect<Stream.Stream<A, E, R>, E2, R2>

/**
 * Options of the streaming handler forms.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions<EA, EI> {
  /** The content type of the streamed body. Default `application/octet-stream`. */
  readonly contentType?: string | undefined
  /** Decodes the parsed event; a mismatch fails with `Runtime.UnmarshalError` naming the path. */
  readonly event?: Schema.Schema<EA, EI, never> | undefined
}

/**
 * The streaming form: the event is parsed as JSON (and decoded with `event` when given) and
 * the handler returns the body as a `Stream` of bytes or strings (strings are sent as UTF-8).
 * Each element is written to the Runtime API as it is produced, so the caller receives the
 * first byte while the rest is still being made (Function URLs in `RESPONSE_STREAM` mode,
 * `InvokeWithResponseStream`, API Gateway streaming integrations).
 *
 * The stream runs in the handler's fiber with its services, `LambdaContext` and the deadline:
 * a stream still open at `deadline - timeoutMargin` is interrupted (its finalizers run) and
 * ends with a `Runtime.HandlerTimeout` error trailer. A failure before the first byte posts
 * `/error`; after it, the body ends with the error trailers. Streams are capped at 200 MB.
 *
 * @example
 * ```ts
 * import { Effect, Schedule, Stream } from "effect"
 * import { LambdaHandler, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const ticks = LambdaHandler.stream(
 *   (event: { readonly count: number }) =>
 *     Stream.range(1, event.count).pipe(
 *       Stream.schedule(Schedule.spaced("100 millis")),
 *       Stream.map((n) => `data: tick ${n}\n\n`)
 *     ),
 *   { contentType: "text/event-stream" }
 * )
 *
 * LambdaRuntime.run(ticks)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const stream: <EA, E = never, R = never, E2 = never, R2 = never, EI = EA>(
  handler: (event: EA, context: LambdaContext) => StreamResult<Uint8Array | string, E, R, E2, R2>,
  options?: StreamOptions<EA, EI>
) => LambdaHandler<E | E2 | UnmarshalError, R | R2> = internal.stream

/**
 * An HTTP response for a Function URL or an API Gateway streaming integration: status,
 * headers and cookies (`Set-Cookie` values) go into the JSON prelude, the body is streamed.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpStreamResponse<E = never, R = never> {
  /** Default 200. */
  readonly statusCode?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly cookies?: ReadonlyArray<string> | undefined
  /** Default: an empty body. */
  readonly body?: Stream.Stream<Uint8Array | string, E, R> | undefined
}

/**
 * The prelude of an HTTP integration response: the JSON object with `statusCode`, `headers`
 * and `cookies`, followed by the eight NUL bytes that separate it from the body.
 *
 * @since 0.1.0
 * @category encoding
 */
export const httpPrelude: (response: Omit<HttpStreamResponse<unknown, unknown>, "body">) => Uint8Array =
  internal.httpPrelude

/**
 * The body of an HTTP integration response as one stream: prelude, delimiter, then the body.
 * The prelude is emitted with the body's first non-empty element (or alone when the body is
 * empty), so a body that fails before producing anything is still reported with `/error`.
 * Send it with content type `application/vnd.awslambda.http-integration-response`; the
 * {@link httpStream} form does both.
 *
 * @since 0.1.0
 * @category encoding
 */
export const httpIntegrationBody: <E, R>(
  response: HttpStreamResponse<E, R>
) => Stream.Stream<Uint8Array | string, E, R> = internal.httpIntegrationBody

/**
 * The HTTP streaming form for Function URLs (`RESPONSE_STREAM` invoke mode) and API Gateway
 * streaming integrations: the handler returns the status, headers, cookies and a body Stream,
 * and the runtime streams them in the HTTP integration format (JSON prelude, eight NUL bytes,
 * body). The prelude is sent even when the body is empty.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { LambdaHandler, LambdaRuntime } from "effect-lambda-runtime"
 *
 * LambdaRuntime.run(
 *   LambdaHandler.httpStream(() => ({
 *     statusCode: 200,
 *     headers: { "content-type": "text/html" },
 *     cookies: ["session=abc; Path=/; HttpOnly"],
 *     body: Stream.make("<h1>Hello</h1>", "<p>streamed</p>")
 *   }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 * @function
 */
export const httpStream: <EA, E = never, R = never, E2 = never, R2 = never, EI = EA>(
  handler: (
    event: EA,
    context: LambdaContext
  ) => HttpStreamResponse<E, R> | Effect.Effect<HttpStreamResponse<E, R>, E2, R2>,
  options?: Omit<StreamOptions<EA, EI>, "contentType">
) => LambdaHandler<E | E2 | UnmarshalError, R | R2> = internal.httpStream
