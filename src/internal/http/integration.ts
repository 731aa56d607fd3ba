/**
 * The HTTP integration response format (Function URLs in `RESPONSE_STREAM` mode, API Gateway
 * streaming integrations): a JSON prelude with the status, headers and cookies, eight NUL bytes,
 * then the body. Public through `LambdaHandler.httpPrelude` and `LambdaHandler.httpIntegrationBody`.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import type { HttpStreamResponse } from "../../LambdaHandler.js"
import { HTTP_PRELUDE_DELIMITER_LENGTH } from "../core/protocol.js"

const encoder = new TextEncoder()

/**
 * The JSON prelude and its delimiter.
 *
 * @internal
 */
export const prelude = (response: Omit<HttpStreamResponse<unknown, unknown>, "body">): Uint8Array => {
  const json: { statusCode: number; headers?: Readonly<Record<string, string>>; cookies?: ReadonlyArray<string> } = {
    statusCode: response.statusCode ?? 200
  }
  if (response.headers !== undefined) json.headers = response.headers
  if (response.cookies !== undefined && response.cookies.length > 0) json.cookies = response.cookies
  // JSON.stringify escapes U+0000, so the prelude itself can never contain the delimiter.
  const text = encoder.encode(JSON.stringify(json))
  const bytes = new Uint8Array(text.byteLength + HTTP_PRELUDE_DELIMITER_LENGTH)
  bytes.set(text)
  return bytes
}

const nonEmpty = (item: Uint8Array | string) => typeof item === "string" ? item.length > 0 : item.byteLength > 0

/**
 * Prelude, delimiter and body as one stream; the prelude goes with the first non-empty element.
 *
 * @internal
 */
export const body = <E, R>(response: HttpStreamResponse<E, R>): Stream.Stream<Uint8Array | string, E, R> =>
  Stream.suspend(() => {
    const head = prelude(response)
    let sent = false
    const rest = (response.body ?? Stream.empty).pipe(
      Stream.mapChunks((chunk) => {
        if (sent || !Chunk.some(chunk, nonEmpty)) return chunk
        sent = true
        return Chunk.prepend(chunk, head)
      })
    )
    return Stream.concat(rest, Stream.suspend(() => sent ? Stream.empty : Stream.succeed(head)))
  })
