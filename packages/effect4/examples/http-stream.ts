/**
 * Server-sent events on the Effect 4 line, streamed: deploy behind a Function URL in
 * `RESPONSE_STREAM` invoke mode (or an API Gateway streaming integration). The status and
 * headers go first, then each event reaches the browser as it is produced.
 *
 *   PATH=<Node 22>:$PATH npx effect-lambda run packages/effect4/examples/http-stream.ts \
 *     --event examples/events/http-stream.json
 */
import { DateTime, Effect, Schedule, Stream } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as LambdaHttp from "../src/LambdaHttp.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

/** `GET /ticks?count=n`: n tick events (at most 100), 100 ms apart. */
const ticks = (count: number) =>
  Stream.range(1, count).pipe(
    Stream.schedule(Schedule.spaced("100 millis")),
    // The time from Effect's Clock (not `new Date()`): a test's TestClock decides it.
    Stream.mapEffect((n) =>
      Effect.map(DateTime.now, (now) => `event: tick\ndata: ${JSON.stringify({ n, at: DateTime.formatIso(now) })}\n\n`)
    ),
    Stream.encodeText
  )

const app = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const url = new URL(request.url, "http://lambda")
  if (request.method !== "GET" || url.pathname !== "/ticks") return HttpServerResponse.empty({ status: 404 })
  const count = Math.min(Number(url.searchParams.get("count") ?? "3"), 100)
  return HttpServerResponse.stream(ticks(count), {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache" }
  })
})

LambdaRuntime.run(LambdaHttp.toHandler(app, { stream: true }))
