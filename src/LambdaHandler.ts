/**
 * Handler forms. One low-level primitive (raw invocation in, {@link Response} out) carries
 * everything the loop needs; the JSON handler with optional event and output Schemas is
 * built on it, and so is streaming.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { contentTypes } from "./internal/protocol.js"
import type { LambdaContext } from "./LambdaContext.js"
import { MarshalError, UnmarshalError } from "./LambdaError.js"
import type { Invocation, Response } from "./RuntimeApi.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-lambda-runtime/LambdaHandler")

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
 */
export const isLambdaHandler = (u: unknown): u is LambdaHandler<unknown, unknown> => Predicate.hasProperty(u, TypeId)

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
 */
export const raw = <E, R>(
  handle: (invocation: Invocation, context: LambdaContext) => Effect.Effect<Response, E, R>
): LambdaHandler<E, R> => ({ [TypeId]: TypeId, handle })

/**
 * A buffered response with an explicit content type.
 *
 * @since 0.1.0
 * @category constructors
 */
export const buffered = (body: Uint8Array | string, contentType: string = contentTypes.octetStream): Response => ({
  _tag: "Buffered",
  body,
  contentType
})

const textDecoder = new TextDecoder()

/** Parses the event body as JSON; an empty body is `null`. */
const parseJson = (body: Uint8Array): Effect.Effect<unknown, UnmarshalError> =>
  Effect.try({
    try: () => {
      if (body.byteLength === 0) return null
      return JSON.parse(textDecoder.decode(body)) as unknown
    },
    catch: (cause) =>
      new UnmarshalError({ detail: `the body is not valid JSON (${(cause as Error).message})`, cause })
  })

/** `JSON.stringify` with Lambda's convention that `undefined` is sent as `null`. */
const stringify = (value: unknown): Effect.Effect<string, MarshalError> =>
  Effect.try({
    try: () => JSON.stringify(value) ?? "null",
    catch: (cause) =>
      new MarshalError({ detail: `JSON.stringify failed (${(cause as Error).message})`, cause })
  })

/**
 * Options of the JSON handler form.
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
 */
export const json = <EA, OA, E, R, EI = EA, OI = OA>(
  handler: Handler<EA, OA, E, R>,
  options: JsonOptions<EA, EI, OA, OI> = {}
): LambdaHandler<E | UnmarshalError | MarshalError, R> => {
  const decode = options.event === undefined
    ? (u: unknown) => Effect.succeed(u as EA)
    : schemaStep(Schema.decodeUnknown(options.event), (detail, cause) => new UnmarshalError({ detail, cause }))
  const encode = options.output === undefined
    ? (a: OA) => Effect.succeed<unknown>(a)
    : schemaStep(Schema.encode(options.output), (detail, cause) => new MarshalError({ detail, cause }))
  // Steps without a Schema are skipped rather than run as identity Effects: this runs on every
  // invocation, and each step is a few fiber operations.
  const run = (event: unknown, context: LambdaContext): Effect.Effect<unknown, E | UnmarshalError | MarshalError, R> => {
    const output = options.event === undefined
      ? handler(event as EA, context)
      : Effect.flatMap(decode(event), (decoded) => handler(decoded, context))
    return options.output === undefined ? output : Effect.flatMap(output, encode)
  }
  return raw((invocation, context) =>
    Effect.flatMap(parseJson(invocation.body), (event) =>
      Effect.flatMap(run(event, context), (result) =>
        Effect.map(stringify(result), (body) => buffered(body, contentTypes.json))))
  )
}

const schemaStep = <I, O, Err>(
  run: (input: I) => Effect.Effect<O, ParseResult.ParseError>,
  toError: (detail: string, cause: ParseResult.ParseError) => Err
) =>
(input: I): Effect.Effect<O, Err> =>
  Effect.mapError(run(input), (error) => toError(ParseResult.TreeFormatter.formatErrorSync(error), error))
