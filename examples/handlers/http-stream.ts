/**
 * Server-sent events from an HttpRouter, streamed: deploy behind a Function URL in
 * `RESPONSE_STREAM` invoke mode (or an API Gateway streaming integration). Each event reaches
 * the browser as it is produced.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { DateTime, Effect, Schedule, Stream } from "effect"
import { LambdaHttp } from "../../src/index.js"

const ticks = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const count = Math.min(Number(new URL(request.url, "http://x").searchParams.get("count") ?? "3"), 100)
  const events = Stream.range(1, count).pipe(
    Stream.schedule(Schedule.spaced("100 millis")),
    // The time from Effect's Clock (not `new Date()`): a test's TestClock decides it.
    Stream.mapEffect((n) =>
      Effect.map(DateTime.now, (now) => `event: tick\ndata: ${JSON.stringify({ n, at: DateTime.formatIso(now) })}\n\n`)
    ),
    Stream.encodeText
  )
  return HttpServerResponse.stream(events, {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache" }
  })
})

export const app = HttpRouter.empty.pipe(HttpRouter.get("/ticks", ticks))

export const handler = LambdaHttp.toHandler(app, { stream: true })
