/**
 * Serving an Effect 4 HTTP app with streamed responses (`LambdaHttp.toHandler(app, { stream:
 * true })`): a `LambdaHandler` whose answer is the HTTP integration stream (response.ts
 * `toStreamed`), written by the loop's streaming (streaming.ts) in the handler's fiber: chunked
 * POST, backpressure, the 200 MB limit, a failure after the first byte in the trailers.
 *
 * The Runtime API does not say whether an invocation streams (the Function URL's invoke mode
 * does), so the handler is told, and then streams every answer, errors and 400s included.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import { raw } from "../../LambdaHandler.js"
import { eventJson } from "../handler.js"
import { serve } from "./handler.js"
import type { HttpHandler } from "./handler.js"
import { toStreamed } from "./response.js"

/**
 * A handler whose every answer is streamed; the event must be JSON, as the JSON form's is (a
 * raw handler: the JSON form would serialise the answer, and a stream is not a document).
 *
 * @internal
 */
export const toStreamHandler = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): HttpHandler<Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>> => {
  const served = serve(app, toStreamed)
  return raw((invocation, context) => Effect.flatMap(eventJson(invocation.body), (event) => served(event, context)))
}
