/**
 * One POST of finished spans to an OTLP/HTTP collector, encoded by `effect/observability`'s
 * `OtlpSerialization` (JSON or protobuf) and sent with `fetch` (a connection of its own, never the
 * Runtime API's). No retries: the window after the response is short, and a collector that fails
 * is paused by the caller's failure streak instead. Loaded with `import()` only when OTLP is on.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import type { Otlp, TelemetrySettings } from "../core.js"

/**
 * Sends one request's data; fails with the reason (an HTTP status, a refused connection).
 *
 * @internal
 */
export type Send = (data: Otlp.TraceData) => Effect.Effect<void, string>

/**
 * The sender for `settings`.
 *
 * @internal
 */
export const make = (settings: TelemetrySettings.OtlpSettings): Effect.Effect<Send> =>
  Effect.gen(function*() {
    const serialization = yield* OtlpSerialization.OtlpSerialization.pipe(
      Effect.provide(settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf)
    )
    const client = (yield* HttpClient.HttpClient.pipe(Effect.provide(FetchHttpClient.layer))).pipe(
      HttpClient.filterStatusOk,
      // The exporter's own request is never traced (it would add a span to the next export).
      HttpClient.transformResponse(Effect.provideService(HttpClient.TracerPropagationEnabled, false))
    )
    const request = HttpClientRequest.post(settings.url, { headers: settings.headers })
    return (data) =>
      client.execute(HttpClientRequest.setBody(request, serialization.traces(data))).pipe(
        Effect.flatMap((response) => Effect.ignore(response.arrayBuffer)),
        Effect.withTracerEnabled(false),
        Effect.mapError((error) => error.message)
      )
  })
