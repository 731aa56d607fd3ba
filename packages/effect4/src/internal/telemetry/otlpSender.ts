/**
 * One POST of finished spans to an OTLP/HTTP collector, encoded by `effect/observability`'s
 * `OtlpSerialization` (JSON or protobuf) and sent with Node's own `fetch` (the core's `postOtlp`:
 * a connection of its own, never the Runtime API's, and no HTTP client loaded into every
 * function's bundle). Loaded with `import()` only when OTLP is on.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import type { Otlp, OtlpPost, TelemetrySettings } from "../core.js"

/**
 * Sends one request's data; fails with the reason (an HTTP status, a refused connection).
 *
 * @internal
 */
export type Send = (data: Otlp.TraceData) => Effect.Effect<void, string>

/**
 * The sender for `settings`. The core's request comes from the caller: a module loaded with
 * `import()` that imported the core's index itself would keep all of it in a bundle.
 *
 * @internal
 */
export const make = (
  settings: TelemetrySettings.OtlpSettings,
  post: typeof OtlpPost
): Effect.Effect<Send> =>
  Effect.map(
    OtlpSerialization.OtlpSerialization.pipe(
      Effect.provide(settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf)
    ),
    (serialization): Send => (data) =>
      Effect.suspend(() => {
        const body = serialization.traces(data)
        // Both encodings give bytes (`HttpBody.text` and `HttpBody.uint8Array`).
        if (body._tag !== "Uint8Array") return Effect.fail(`an OTLP body of kind ${body._tag}`)
        // Interrupted (the timeout, a shutdown), the request is aborted through its signal.
        return Effect.tryPromise({
          try: (signal) => post.postOtlp(settings.url, settings.headers, body.body, body.contentType, signal),
          catch: post.reasonOf
        })
      })
  )
