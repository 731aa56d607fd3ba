/**
 * Server-sent events from an HttpRouter, streamed: deploy behind a Function URL in
 * `RESPONSE_STREAM` invoke mode (or an API Gateway streaming integration). Each event reaches
 * the browser as it is produced.
 *
 *   npx effect-lambda run examples/http-stream.ts --event examples/events/http-stream.json
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Schedule, Stream } from "effect"
import { LambdaHttp, LambdaRuntime } from "../src/index.js"

const ticks = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const count = Math.min(Number(new URL(request.url, "http://x").searchParams.get("count") ?? "3"), 100)
  const events = Stream.range(1, count).pipe(
    Stream.schedule(Schedule.spaced("100 millis")),
    Stream.map((n) => `event: tick\ndata: ${JSON.stringify({ n, at: new Date().toISOString() })}\n\n`),
    Stream.encodeText
  )
  return HttpServerResponse.stream(events, {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache" }
  })
})

const app = HttpRouter.empty.pipe(HttpRouter.get("/ticks", ticks))

LambdaRuntime.run(LambdaHttp.toHandler(app, { stream: true }))
