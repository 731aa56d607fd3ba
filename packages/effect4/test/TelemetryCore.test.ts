/**
 * The shared core's OTLP trace data (src/internal/core/telemetry/otlp.ts) is what this line's
 * `OtlpSerialization` encodes: assignable to `TraceData` of `effect/observability/OtlpTracer`
 * (checked by the compiler), and encoded by both layers, JSON and protobuf, into bodies a
 * collector receives.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { HttpBody } from "effect/http"
import { OtlpSerialization } from "effect/observability"
import type { OtlpTracer } from "effect/observability"
import * as FakeCollector from "../../../test/fakeCollector.js"
import { Otlp } from "../src/internal/core.js"
import type { Spans } from "../src/internal/core.js"

const TRACE_ID = "5759e988bd862e3fe1be46a994272793"

const spans: ReadonlyArray<Spans.FinishedSpan> = [
  {
    traceId: TRACE_ID,
    spanId: "2222222222222222",
    parentSpanId: "53995c3f42cd8ad8",
    name: "orders",
    kind: "server",
    startNs: 1_700_000_000_000_000_000n,
    endNs: 1_700_000_000_250_000_000n,
    attributes: new Map<string, unknown>([["faas.trigger", "http"], ["big", 2n ** 60n], ["list", [1, 2.5, "x"]], [
      "map",
      { a: { b: true } }
    ]]),
    events: [{ name: "cache miss", timeNs: 1_700_000_000_100_000_000n, attributes: { key: "o-1" } }],
    links: [{ traceId: TRACE_ID, spanId: "53995c3f42cd8ad8", attributes: { "messaging.message.id": "m-1" } }],
    failures: [{ type: "NotFound", message: "no order", stack: undefined, defect: false }],
    interrupted: false,
    sampled: true
  },
  {
    traceId: TRACE_ID,
    spanId: "3333333333333333",
    parentSpanId: "2222222222222222",
    name: "db",
    kind: "client",
    startNs: 1_700_000_000_010_000_000n,
    endNs: 1_700_000_000_020_000_000n,
    attributes: new Map(),
    events: [],
    links: [],
    failures: [],
    interrupted: true,
    sampled: true
  }
]

// The compiler's check: the core's data is the library's `TraceData`, with no cast.
const data: OtlpTracer.TraceData = Otlp.toTraceData(
  spans,
  { "service.name": "orders", "faas.max_memory": 1024 },
  "1.0.0"
)

// Both layers build a byte body; anything else would be a change of the library to notice.
const bytesOf = (body: HttpBody.HttpBody): HttpBody.Uint8Array => {
  if (body._tag !== "Uint8Array") throw new Error(`unexpected body ${body._tag}`)
  return body
}

const post = (url: string, body: HttpBody.HttpBody) =>
  Effect.promise(() =>
    fetch(`${url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": bytesOf(body).contentType },
      body: bytesOf(body).body
    })
  )

describe("TelemetryCore (Effect 4)", () => {
  it.effect("the JSON layer encodes the core's trace data, and a collector reads it back", () =>
    Effect.gen(function*() {
      const serialization = yield* OtlpSerialization.OtlpSerialization
      const body = bytesOf(serialization.traces(data))
      expect(body.contentType).toBe("application/json")
      const collector = yield* Effect.acquireRelease(
        Effect.promise(() => FakeCollector.start()),
        (c) => Effect.promise(c.close)
      )
      const response = yield* post(collector.url, body)
      expect(response.status).toBe(200)
      const request = yield* Effect.promise(collector.nextRequest)
      expect(request.path).toBe("/v1/traces")
      const received = collector.spans()
      expect(received.map((s) => s["spanId"])).toEqual(["2222222222222222", "3333333333333333"])
      expect(received[0]).toMatchObject({ kind: 2, status: { code: 2, message: "no order" } })
      expect(received[1]).toMatchObject({ kind: 3, status: { code: 0 } })
    }).pipe(Effect.scoped, Effect.provide(OtlpSerialization.layerJson)))

  it.effect("the protobuf layer encodes it too", () =>
    Effect.gen(function*() {
      const serialization = yield* OtlpSerialization.OtlpSerialization
      const body = bytesOf(serialization.traces(data))
      expect(body.contentType).toBe("application/x-protobuf")
      const bytes = Buffer.from(body.body)
      expect(bytes.length).toBeGreaterThan(0)
      // Ids are bytes in protobuf, names and attribute strings as they are.
      expect(bytes.includes(Buffer.from(TRACE_ID, "hex"))).toBe(true)
      expect(bytes.includes(Buffer.from("effect-lambda-runtime"))).toBe(true)
      expect(bytes.includes(Buffer.from("effect.fiber.interrupted"))).toBe(true)
      const collector = yield* Effect.acquireRelease(
        Effect.promise(() => FakeCollector.start()),
        (c) => Effect.promise(c.close)
      )
      yield* post(collector.url, body)
      const request = yield* Effect.promise(collector.nextRequest)
      expect(request.contentType).toBe("application/x-protobuf")
      expect(request.body.equals(bytes)).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(OtlpSerialization.layerProtobuf)))
})
