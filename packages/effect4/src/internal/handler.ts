/**
 * The steps the handler forms of `LambdaHandler` are made of on the Effect 4 line: the event's
 * JSON and its Schema, the result's Schema and JSON, a handler's result as a `Stream`. Kept out
 * of the public module so that it reads as the API; every step here runs on every invocation,
 * so each is a plain function where no Effect is needed.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { MarshalError, UnmarshalError } from "../LambdaError.js"
import { HttpIntegration, Inspect } from "./core.js"

const utf8 = new TextDecoder()

/**
 * The event as JSON (an empty body is `null`, as on the Effect 3 line), or why it is not.
 *
 * @internal
 */
export const eventJson = (body: Uint8Array): Effect.Effect<unknown, UnmarshalError> => {
  if (body.byteLength === 0) return Effect.succeed(null)
  try {
    return Effect.succeed(JSON.parse(utf8.decode(body)) as unknown)
  } catch (cause) {
    return Effect.fail(
      new UnmarshalError({ detail: `the body is not valid JSON (${Inspect.messageOf(cause)})`, cause })
    )
  }
}

/**
 * The result as JSON text, `undefined` sent as `null` (Lambda's convention); whatever
 * `JSON.stringify` throws (a `BigInt`, a cycle, a `toJSON` that throws anything) is the result's
 * `MarshalError`, not the loop's.
 *
 * @internal
 */
export const resultJson = (value: unknown): Effect.Effect<string, MarshalError> => {
  try {
    return Effect.succeed(JSON.stringify(value) ?? "null")
  } catch (cause) {
    return Effect.fail(new MarshalError({ detail: `JSON.stringify failed (${Inspect.messageOf(cause)})`, cause }))
  }
}

/**
 * Decodes the parsed event with `schema` (no step at all without one); a mismatch is an
 * `UnmarshalError` whose detail is the Schema's message (it names the failing path).
 *
 * @internal
 */
export const decodeEvent = <EA, EI>(
  schema: Schema.Codec<EA, EI> | undefined
): (event: unknown) => Effect.Effect<EA, UnmarshalError> => {
  if (schema === undefined) return (event) => Effect.succeed(event as EA)
  const decode = Schema.decodeUnknownEffect(schema)
  return (event) => Effect.mapError(decode(event), (cause) => new UnmarshalError({ detail: cause.message, cause }))
}

/**
 * Encodes the handler's result with `schema` before it is serialised; a refusal is a `MarshalError`.
 *
 * @internal
 */
export const encodeResult = <OA, OI>(
  schema: Schema.Codec<OA, OI> | undefined
): ((result: OA) => Effect.Effect<unknown, MarshalError>) | undefined => {
  if (schema === undefined) return undefined
  const encode = Schema.encodeEffect(schema)
  return (result) => Effect.mapError(encode(result), (cause) => new MarshalError({ detail: cause.message, cause }))
}

/**
 * A handler's streaming result as a stream: it returned one, or an Effect that makes one.
 *
 * @internal
 */
export const toStream = <A, E, R, E2, R2>(
  result: Stream.Stream<A, E, R> | Effect.Effect<Stream.Stream<A, E, R>, E2, R2>
): Effect.Effect<Stream.Stream<A, E, R>, E2, R2> => Stream.isStream(result) ? Effect.succeed(result) : result

/**
 * Prelude, delimiter and body as one stream: the prelude goes out with the body's first
 * non-empty batch (or alone after an empty body), so that a body failing before it produced
 * anything is still a plain `/error`.
 *
 * @internal
 */
export const preludedBody = <E, R>(
  fields: HttpIntegration.PreludeFields,
  body: Stream.Stream<Uint8Array | string, E, R>
): Stream.Stream<Uint8Array | string, E, R> =>
  Stream.suspend(() => {
    const head = HttpIntegration.prelude(fields)
    let sent = false
    const withHead = Stream.mapArray(body, (batch) => {
      if (sent || !batch.some(HttpIntegration.nonEmpty)) return batch
      sent = true
      return [head, ...batch] as const
    })
    const alone = Stream.suspend(() => sent ? Stream.empty : Stream.succeed(head))
    return Stream.concat(withHead, alone)
  })
