/**
 * The HTTP integration response format (Function URLs in `RESPONSE_STREAM` mode, API Gateway
 * streaming integrations): a JSON prelude with the status, headers and cookies, eight NUL bytes,
 * then the body. Public through `LambdaHandler.httpPrelude` and `LambdaHandler.httpIntegrationBody`.
 * The prelude is the shared core's (core/httpIntegration.ts); this puts it in front of the body.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import type { HttpStreamResponse } from "../../LambdaHandler.js"
import { nonEmpty, prelude as corePrelude } from "../core/httpIntegration.js"

/**
 * The JSON prelude and its delimiter.
 *
 * @internal
 */
export const prelude: (response: Omit<HttpStreamResponse<unknown, unknown>, "body">) => Uint8Array = corePrelude

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
