/**
 * Handler forms on the Effect 4 line, with the names and meaning they have on the Effect 3 line.
 * One low-level primitive (the raw invocation in, a {@link Response} out) carries everything the
 * loop needs; the JSON form with its optional event and output Schemas is built on it, and so
 * are the streaming forms.
 *
 * @example
 * ```ts no-check
 * import { Effect, Schema } from "effect"
 * import { LambdaHandler, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const Order = Schema.Struct({ id: Schema.String, quantity: Schema.Number })
 *
 * LambdaRuntime.run(
 *   LambdaHandler.json((order) => Effect.succeed({ accepted: order.quantity > 0 }), { event: Order })
 * )
 * ```
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { LambdaContext, LambdaContextShape } from "./LambdaContext.js"
import type { MarshalError, UnmarshalError } from "./LambdaError.js"
import { HttpIntegration, Protocol } from "./internal/core.js"
import type { Requests } from "./internal/core.js"
import * as internal from "./internal/handler.js"

/**
 * The key that marks a {@link LambdaHandler} of this line. Not the Effect 3 line's key: a handler
 * carries Effects of its own major, so a handler written for the other line must not pass for one.
 *
 * @since 1.0.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-lambda-runtime/effect4/LambdaHandler")

/**
 * @since 1.0.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * One invocation as `/next` delivered it: the raw event bytes and the headers that describe it.
 *
 * @since 1.0.0
 * @category models
 */
export interface Invocation extends Requests.Invocation {}

/**
 * A complete response body with its content type (buffered response mode).
 *
 * @since 1.0.0
 * @category models
 */
export interface BufferedResponse extends Requests.BufferedResponse {}

/**
 * A body produced over time (streaming response mode): the POST opens at the first byte and each
 * element is written as it comes, a slow reader slowing the stream. It runs in the handler's
 * fiber, under the deadline; its requirements must be provided already. A failure before the
 * first byte posts `/error`, after it the body ends with the error trailers.
 *
 * @since 1.0.0
 * @category models
 */
export interface StreamedResponse {
  readonly _tag: "Streamed"
  readonly contentType: string
  readonly stream: Stream.Stream<Uint8Array | string, unknown>
}

/**
 * What a handler hands back to the loop: a complete body, or a stream.
 *
 * @since 1.0.0
 * @category models
 */
export type Response = BufferedResponse | StreamedResponse

/**
 * The user's function: the event and the invocation's context in, an Effect out.
 *
 * @since 1.0.0
 * @category models
 */
export type Handler<Event, Output, E = never, R = never> = (
  event: Event,
  context: LambdaContextShape
) => Effect.Effect<Output, E, R>

/**
 * A handler in the form the loop runs: the raw invocation in, a {@link Response} out.
 *
 * @since 1.0.0
 * @category models
 */
export interface LambdaHandler<E = never, R = never> {
  readonly [TypeId]: TypeId
  readonly handle: (invocation: Invocation, context: LambdaContextShape) => Effect.Effect<Response, E, R>
  /**
   * Run once at init, after the layer was built and with its services (no `LambdaContext`) and
   * a `Scope` released with the layer (on shutdown): the handler it returns serves the
   * invocations instead of this one; a failure is an init error. See {@link fromInit}.
   */
  readonly init?: Effect.Effect<LambdaHandler<E, R>, unknown, R | Scope.Scope> | undefined
}

/**
 * The services the runtime provides to every handler itself: `LambdaContext`, and the
 * invocation's `Scope` (what the handler acquires with `Effect.acquireRelease` is released when
 * the invocation ends: after the answer was posted and the detached work ended, before the next
 * `/next`; on shutdown after the detached work was stopped), as on the Effect 3 line.
 *
 * @since 1.0.0
 * @category models
 */
export type Provided = LambdaContext | Scope.Scope

/**
 * Whether a value is a {@link LambdaHandler} of this line.
 *
 * @since 1.0.0
 * @category guards
 */
export const isLambdaHandler = (u: unknown): u is LambdaHandler<unknown, unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * The low-level form: the handler sees the event bytes and headers and returns the exact
 * response (body and content type). For payloads that are not JSON.
 *
 * @since 1.0.0
 * @category constructors
 */
export const raw = <E, R>(
  handle: (invocation: Invocation, context: LambdaContextShape) => Effect.Effect<Response, E, R>
): LambdaHandler<E, R> => ({ [TypeId]: TypeId, handle })

/**
 * A handler that needs work done once, at init, before it can serve: `init` runs after the
 * layer was built, with its services, and returns the handler that serves every invocation. Its
 * failure is the function's init error, as a layer's is. What it acquires in its `Scope` (a
 * layer it builds itself, say) lives until shutdown and is released with the runtime's layer.
 *
 * @since 1.0.0
 * @category constructors
 */
export const fromInit = <E, R, RInit = R>(
  init: Effect.Effect<LambdaHandler<E, R>, unknown, RInit>
): LambdaHandler<E, R | Exclude<RInit, Scope.Scope>> => {
  // The init's Scope is the runtime's to provide; its other requirements are the handler's.
  const handler = { ...raw(notInitialised), init }
  return handler as LambdaHandler<E, R | Exclude<RInit, Scope.Scope>>
}

/** What a `fromInit` handler does if something serves it without running its init (only a bug can). */
const notInitialised = () =>
  Effect.die("LambdaHandler.fromInit: the handler was not initialised (serve it with LambdaRuntime)")

/**
 * A buffered response with an explicit content type (default `application/octet-stream`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const buffered = (
  body: Uint8Array | string,
  contentType: string = Protocol.contentTypes.octetStream
): Response => ({ _tag: "Buffered", body, contentType })

/**
 * Options of the JSON form: {@link json}, and `LambdaRuntime.run` / `serve` given a plain function.
 *
 * @since 1.0.0
 * @category models
 */
export interface JsonOptions<EA, EI, OA, OI> {
  /** Decodes the parsed event; a mismatch fails with `Runtime.UnmarshalError` naming the path. */
  readonly event?: Schema.Codec<EA, EI> | undefined
  /** Encodes the result before `JSON.stringify`; a refusal fails with `Runtime.MarshalError`. */
  readonly output?: Schema.Codec<OA, OI> | undefined
}

/**
 * The JSON form: the event is parsed as JSON (and decoded with `event` when given), the result
 * encoded with `output` (when given) and sent as `application/json`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const json = <EA, OA, E, R, EI = EA, OI = OA>(
  handler: Handler<EA, OA, E, R>,
  options: JsonOptions<EA, EI, OA, OI> = {}
): LambdaHandler<E | UnmarshalError | MarshalError, R> => {
  const decode = internal.decodeEvent(options.event)
  const encode = internal.encodeResult(options.output)
  const respond = (result: unknown) =>
    Effect.map(internal.resultJson(result), (text) => buffered(text, Protocol.contentTypes.json))
  return raw((invocation, context) =>
    internal.eventJson(invocation.body).pipe(
      Effect.flatMap(decode),
      Effect.flatMap((event) => handler(event, context)),
      Effect.flatMap((result) => encode === undefined ? respond(result) : Effect.flatMap(encode(result), respond))
    )
  )
}

/**
 * A streamed response with an explicit content type, for the {@link raw} form; the stream's
 * requirements must be provided already ({@link stream} does that).
 *
 * @since 1.0.0
 * @category constructors
 */
export const streamed = <E>(
  body: Stream.Stream<Uint8Array | string, E>,
  contentType: string = Protocol.contentTypes.octetStream
): Response => ({ _tag: "Streamed", stream: body, contentType })

/**
 * What a streaming handler returns: the body as a Stream, or an Effect that makes it (to do some
 * work, or fail with `/error`, before anything is streamed).
 *
 * @since 1.0.0
 * @category models
 */
export type StreamResult<A, E, R, E2, R2> =
  | Stream.Stream<A, E, R>
  | Effect.Effect<Stream.Stream<A, E, R>, E2, R2>

/**
 * Options of the streaming forms.
 *
 * @since 1.0.0
 * @category models
 */
export interface StreamOptions<EA, EI> {
  /** The content type of the streamed body. Default `application/octet-stream`. */
  readonly contentType?: string | undefined
  /** Decodes the parsed event; a mismatch fails with `Runtime.UnmarshalError` naming the path. */
  readonly event?: Schema.Codec<EA, EI> | undefined
}

/**
 * The streaming form: the event is parsed as JSON (and decoded with `event`), the handler returns
 * the body as a `Stream` of bytes or strings (UTF-8), each element written as it is produced.
 * The stream runs in the handler's fiber with its services, `LambdaContext` and the deadline.
 * A failure before the first byte posts `/error`; after it, the body ends with the error
 * trailers. Streams are capped at 200 MB (`StreamedResponseTooLarge`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const stream = <EA, E = never, R = never, E2 = never, R2 = never, EI = EA>(
  handler: (event: EA, context: LambdaContextShape) => StreamResult<Uint8Array | string, E, R, E2, R2>,
  options: StreamOptions<EA, EI> = {}
): LambdaHandler<E | E2 | UnmarshalError, R | R2> => {
  const decode = internal.decodeEvent(options.event)
  const contentType = options.contentType ?? Protocol.contentTypes.octetStream
  return raw((invocation, context) =>
    internal.eventJson(invocation.body).pipe(
      Effect.flatMap(decode),
      Effect.flatMap((event) => internal.toStream(handler(event, context))),
      // The loop consumes the stream in this same fiber: providing the fiber's own services here
      // only erases `R` from the response's type.
      Effect.flatMap((body) =>
        Effect.map(Effect.context<R>(), (services) => streamed(Stream.provideContext(body, services), contentType))
      )
    )
  )
}

/**
 * An HTTP response for a Function URL or an API Gateway streaming integration: status, headers
 * and cookies (`Set-Cookie` values) go into the JSON prelude, the body is streamed.
 *
 * @since 1.0.0
 * @category models
 */
export interface HttpStreamResponse<E = never, R = never> extends HttpIntegration.PreludeFields {
  /** Default: an empty body. */
  readonly body?: Stream.Stream<Uint8Array | string, E, R> | undefined
}

/**
 * The prelude of an HTTP integration response: the JSON object with `statusCode`, `headers` and
 * `cookies`, followed by the eight NUL bytes that separate it from the body.
 *
 * @since 1.0.0
 * @category encoding
 */
export const httpPrelude = (response: Omit<HttpStreamResponse<unknown, unknown>, "body">): Uint8Array =>
  HttpIntegration.prelude(response)

/**
 * The body of an HTTP integration response as one stream: prelude, delimiter, then the body. The
 * prelude goes out with the body's first non-empty element (or alone when the body is empty).
 * Send it as `application/vnd.awslambda.http-integration-response`; {@link httpStream} does both.
 *
 * @since 1.0.0
 * @category encoding
 */
export const httpIntegrationBody = <E, R>(
  response: HttpStreamResponse<E, R>
): Stream.Stream<Uint8Array | string, E, R> => internal.preludedBody(response, response.body ?? Stream.empty)

/**
 * The HTTP streaming form (Function URLs in `RESPONSE_STREAM` mode, API Gateway streaming
 * integrations): the handler returns status, headers, cookies and a body Stream, sent in the
 * HTTP integration format. The prelude is sent even when the body is empty.
 *
 * @since 1.0.0
 * @category constructors
 */
export const httpStream = <EA, E = never, R = never, E2 = never, R2 = never, EI = EA>(
  handler: (event: EA, context: LambdaContextShape) => HttpResult<E, R, E2, R2>,
  options: Omit<StreamOptions<EA, EI>, "contentType"> = {}
): LambdaHandler<E | E2 | UnmarshalError, R | R2> => {
  const body = (result: HttpResult<E, R, E2, R2>) =>
    Effect.map(Effect.isEffect(result) ? result : Effect.succeed(result), httpIntegrationBody)
  const contentType = Protocol.contentTypes.httpIntegration
  return stream((event: EA, context) => body(handler(event, context)), { ...options, contentType })
}

/**
 * What an {@link httpStream} handler returns: the response, or an Effect that makes it.
 *
 * @since 1.0.0
 * @category models
 */
export type HttpResult<E, R, E2, R2> = HttpStreamResponse<E, R> | Effect.Effect<HttpStreamResponse<E, R>, E2, R2>
