/**
 * The handler forms behind `LambdaHandler` (documented there): the raw primitive the loop runs
 * (invocation in, `Response` out), the JSON form with its optional event and output Schemas,
 * and the streaming forms built on it. Internal modules build handlers from here rather than
 * from the public module.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as Api from "../../LambdaHandler.js"
import type {
  Handler,
  HttpStreamResponse,
  JsonOptions,
  LambdaHandler,
  StreamOptions,
  StreamResult
} from "../../LambdaHandler.js"
import type { Invocation, Response } from "../../RuntimeApi.js"
import { messageOf } from "../core/inspect.js"
import { contentTypes } from "../core/protocol.js"
import * as HttpIntegration from "../http/integration.js"
import { MarshalError, UnmarshalError } from "./errors.js"

/**
 * The key that marks a {@link LambdaHandler}. Its type is the public module's `unique symbol`, so
 * that the handlers built here have the public interface's key.
 *
 * @internal
 */
export const TypeId: Api.TypeId = Symbol.for("effect-lambda-runtime/LambdaHandler") as Api.TypeId

/** @internal */
export const isLambdaHandler = (u: unknown): u is LambdaHandler<unknown, unknown> => Predicate.hasProperty(u, TypeId)

/** @internal */
export const raw = <E, R>(
  handle: (invocation: Invocation, context: LambdaContext) => Effect.Effect<Response, E, R>
): LambdaHandler<E, R> => ({ [TypeId]: TypeId, handle })

/** @internal */
export const fromInit = <E, R>(init: Effect.Effect<LambdaHandler<E, R>, unknown, R>): LambdaHandler<E, R> => ({
  [TypeId]: TypeId,
  init,
  handle: () =>
    Effect.dieMessage("LambdaHandler.fromInit: the handler was not initialised (serve it with LambdaRuntime)")
})

/** @internal */
export const buffered = (body: Uint8Array | string, contentType: string = contentTypes.octetStream): Response => ({
  _tag: "Buffered",
  body,
  contentType
})

const textDecoder = new TextDecoder()

/** The event as JSON (an empty body is `null`), or the error that says why it is not. */
const parseJsonSync = (body: Uint8Array): unknown => {
  if (body.byteLength === 0) return null
  try {
    return JSON.parse(textDecoder.decode(body)) as unknown
  } catch (cause) {
    return new UnmarshalError({ detail: `the body is not valid JSON (${messageOf(cause)})`, cause })
  }
}

const parseJson = (body: Uint8Array): Effect.Effect<unknown, UnmarshalError> =>
  Effect.suspend(() => {
    const event = parseJsonSync(body)
    return event instanceof UnmarshalError ? Effect.fail(event) : Effect.succeed(event)
  })

/** The result as a JSON response, with Lambda's convention that `undefined` is sent as `null`. */
const jsonResponse = (value: unknown): Effect.Effect<Response, MarshalError> => {
  try {
    return Effect.succeed(buffered(JSON.stringify(value) ?? "null", contentTypes.json))
  } catch (cause) {
    // Whatever was thrown (`toJSON` may throw `null`), the failure is the result's, not the loop's.
    return Effect.fail(new MarshalError({ detail: `JSON.stringify failed (${messageOf(cause)})`, cause }))
  }
}

/** @internal */
export const json = <EA, OA, E, R, EI = EA, OI = OA>(
  handler: Handler<EA, OA, E, R>,
  options: JsonOptions<EA, EI, OA, OI> = {}
): LambdaHandler<E | UnmarshalError | MarshalError, R> => {
  const decode = eventDecoder(options.event)
  const encode = options.output === undefined
    ? (a: OA) => Effect.succeed<unknown>(a)
    : schemaStep(Schema.encode(options.output), (detail, cause) => new MarshalError({ detail, cause }))
  // Steps without a Schema are skipped rather than run as identity Effects: this runs on every
  // invocation, and each step is a few fiber operations.
  const run = (
    event: unknown,
    context: LambdaContext
  ): Effect.Effect<unknown, E | UnmarshalError | MarshalError, R> => {
    const output = options.event === undefined
      ? handler(event as EA, context)
      : Effect.flatMap(decode(event), (decoded) => handler(decoded, context))
    return options.output === undefined ? output : Effect.flatMap(output, encode)
  }
  // Parsing and serialising are plain steps: this runs on every invocation.
  return raw((invocation, context) =>
    Effect.suspend(() => {
      const event = parseJsonSync(invocation.body)
      return event instanceof UnmarshalError ? Effect.fail(event) : Effect.flatMap(run(event, context), jsonResponse)
    })
  )
}

const schemaStep = <I, O, Err>(
  run: (input: I) => Effect.Effect<O, ParseResult.ParseError>,
  toError: (detail: string, cause: ParseResult.ParseError) => Err
) =>
(input: I): Effect.Effect<O, Err> =>
  Effect.mapError(run(input), (error) => toError(ParseResult.TreeFormatter.formatErrorSync(error), error))

/** @internal */
export const streamed = <E>(
  body: Stream.Stream<Uint8Array | string, E>,
  contentType: string = contentTypes.octetStream
): Response => ({ _tag: "Streamed", stream: body, contentType })

const isStream = (u: unknown): u is Stream.Stream<unknown, unknown, unknown> =>
  Predicate.hasProperty(u, Stream.StreamTypeId)

const eventDecoder = <EA, EI>(schema: Schema.Schema<EA, EI, never> | undefined) =>
  schema === undefined
    ? (u: unknown) => Effect.succeed(u as EA)
    : schemaStep(Schema.decodeUnknown(schema), (detail, cause) => new UnmarshalError({ detail, cause }))

/** @internal */
export const stream = <EA, E = never, R = never, E2 = never, R2 = never, EI = EA>(
  handler: (event: EA, context: LambdaContext) => StreamResult<Uint8Array | string, E, R, E2, R2>,
  options: StreamOptions<EA, EI> = {}
): LambdaHandler<E | E2 | UnmarshalError, R | R2> => {
  const decode = eventDecoder(options.event)
  const contentType = options.contentType ?? contentTypes.octetStream
  return raw((invocation, context) =>
    parseJson(invocation.body).pipe(
      Effect.flatMap(decode),
      Effect.flatMap((event) => {
        const result = handler(event, context)
        return isStream(result) ? Effect.succeed(result) : result
      }),
      // The loop consumes the stream in this same fiber; providing the captured context here
      // is only what erases `R` from the response type.
      Effect.flatMap((body) =>
        Effect.map(Effect.context<R>(), (services) => streamed(Stream.provideContext(body, services), contentType))
      )
    )
  )
}

/** @internal */
export const httpPrelude: (response: Omit<HttpStreamResponse<unknown, unknown>, "body">) => Uint8Array =
  HttpIntegration.prelude

/** @internal */
export const httpIntegrationBody: <E, R>(
  response: HttpStreamResponse<E, R>
) => Stream.Stream<Uint8Array | string, E, R> = HttpIntegration.body

/** @internal */
export const httpStream = <EA, E = never, R = never, E2 = never, R2 = never, EI = EA>(
  handler: (
    event: EA,
    context: LambdaContext
  ) => HttpStreamResponse<E, R> | Effect.Effect<HttpStreamResponse<E, R>, E2, R2>,
  options: Omit<StreamOptions<EA, EI>, "contentType"> = {}
): LambdaHandler<E | E2 | UnmarshalError, R | R2> =>
  stream((event: EA, context) => {
    const result = handler(event, context)
    return Effect.isEffect(result)
      ? Effect.map(result, httpIntegrationBody)
      : Effect.succeed(httpIntegrationBody(result))
  }, { ...options, contentType: contentTypes.httpIntegration })
