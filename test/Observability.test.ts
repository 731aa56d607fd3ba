/**
 * Observability on the Effect 3 line (issue 20), through the real protocol: the function
 * (test/fixtures/telemetry.ts) runs as a child process against the emulator on loopback, with
 * the telemetry variables pointing at a fake OTLP collector (test/fakeCollector.ts) and a fake
 * X-Ray daemon on UDP; EMF and log lines are read from its stdout.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import * as Emulator from "../src/Emulator.js"
import type { InvocationRecord } from "../src/Emulator.js"
import * as FakeCollector from "./fakeCollector.js"
import type { CollectorRequest } from "./fakeCollector.js"
import { withPath, fixture as httpFixture } from "./httpFixtures.js"
import { sqsRecord } from "./eventRecords.js"
import {
  emfMetrics,
  expectedEmfMetrics,
  expectedSpanTree,
  observabilityEvent,
  spanTree
} from "./observabilityExample.js"
import {
  attrs,
  buildFixture,
  collector,
  header,
  jsonLines,
  PARENT,
  responseJson,
  ROOT,
  spansOf,
  start,
  startBuilt,
  TRACE_ID,
  xrayDaemon
} from "./observabilitySupport.js"
import type { Json } from "./observabilitySupport.js"
import { spawnFunction } from "./process.js"

describe("observability: spans to an OTLP collector", () => {
  it.scopedLive("the invocation span (FaaS attributes, the X-Ray header's trace and parent), a nested span, a detached span, exported after the response and before the next /next", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const { emulator, fn } = yield* start({
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=s%20ecret",
        AWS_LAMBDA_LOG_FORMAT: "JSON"
      })
      const records: Array<InvocationRecord> = []
      const exports: Array<{ readonly request: CollectorRequest; readonly at: number }> = []
      for (const [i, id] of ["o-1", "o-2"].entries()) {
        const record = yield* emulator.invoke({ id }, { traceId: header() })
        expect(responseJson(record)).toMatchObject({ id })
        const next = yield* emulator.awaitNextRequest(i + 2)
        exports.push(yield* Queue.take(otlp.arrivals))
        // After the answer, before the runtime asked for the next invocation.
        expect(exports[i]!.at).toBeGreaterThan(record.resultAt!)
        expect(exports[i]!.at).toBeLessThan(next)
        records.push(record)
      }
      expect(otlp.requests).toHaveLength(2)
      const first = exports[0]!.request
      expect(first).toMatchObject({ method: "POST", path: "/v1/traces", contentType: "application/json" })
      expect(first.headers["x-api-key"]).toBe("s ecret")
      const resource = attrs((first.json as Json).resourceSpans[0].resource.attributes)
      expect(resource).toMatchObject({ "service.name": "orders", "faas.name": "orders", "cloud.provider": "aws" })
      expect(resource["faas.max_memory"]).toBeDefined()

      const spans = spansOf(first)
      const server = spans.find((span) => span.kind === 2)!
      expect(server).toMatchObject({ name: "orders", traceId: TRACE_ID, parentSpanId: PARENT })
      expect(attrs(server.attributes)).toMatchObject({
        "faas.invocation_id": records[0]!.requestId,
        "faas.coldstart": true,
        "faas.trigger": "other",
        "cloud.provider": "aws",
        "cloud.region": "eu-west-1",
        "cloud.account.id": "123456789012"
      })
      const validate = spans.find((span) => span.name === "validate")!
      expect(validate).toMatchObject({ traceId: TRACE_ID, parentSpanId: server.spanId })
      expect(attrs(validate.attributes)).toMatchObject({ orderId: "o-1" })
      // The detached span ended in the window, before the export: in the same request.
      const archive = spans.find((span) => span.name === "archive")!
      expect(archive).toMatchObject({ traceId: TRACE_ID, parentSpanId: server.spanId })

      const second = spansOf(exports[1]!.request).find((span) => span.kind === 2)!
      expect(attrs(second.attributes)).toMatchObject({
        "faas.invocation_id": records[1]!.requestId,
        "faas.coldstart": false
      })

      // The JSON lines logged inside a span carry its ids (o-1's lines were written before o-2's).
      yield* fn.awaitOutput("order o-2 received")
      const lines = jsonLines(fn)
      expect(lines.find((line) => line.message === "order o-1 received")).toMatchObject({
        traceId: TRACE_ID,
        spanId: server.spanId
      })
      expect(lines.find((line) => line.message === "order o-1 validated")).toMatchObject({
        traceId: TRACE_ID,
        spanId: validate.spanId
      })
      expect(lines.find((line) => line.message === "order o-1 archived")).toMatchObject({ spanId: archive.spanId })
    }))

  it.scopedLive("a failure and a defect: status ERROR, one exception event each, typed by the _tag", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const { emulator } = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })
      const failed = yield* emulator.invoke({ id: "o-1", action: "fail" })
      expect(failed.outcome).toMatchObject({ _tag: "Error" })
      const died = yield* emulator.invoke({ id: "o-2", action: "die" })
      expect(died.outcome).toMatchObject({ _tag: "Error" })
      const serverOf = (request: CollectorRequest) => spansOf(request).find((span) => span.kind === 2)!
      const failure = serverOf((yield* Queue.take(otlp.arrivals)).request)
      expect(failure.status).toMatchObject({ code: 2, message: "order o-1 rejected" })
      // Log lines are span events too (Effect's tracer logger); the failure is one `exception` event.
      const exceptions = (span: Json): Array<Json> => span.events.filter((event: Json) => event.name === "exception")
      expect(exceptions(failure)).toHaveLength(1)
      expect(attrs(exceptions(failure)[0]!.attributes)).toMatchObject({
        "exception.type": "OrderRejected",
        "exception.message": "order o-1 rejected"
      })
      const defect = serverOf((yield* Queue.take(otlp.arrivals)).request)
      expect(defect.status).toMatchObject({ code: 2 })
      expect(exceptions(defect)).toHaveLength(1)
      expect(attrs(exceptions(defect)[0]!.attributes)["exception.message"]).toContain("order o-2 broke")
    }))

  it.scopedLive("an HTTP route: the invocation span is named `GET /users/:id` with the request's attributes", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const { emulator } = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, TELEMETRY_FIXTURE: "http" })
      const record = yield* emulator.invoke(withPath(httpFixture("apigw-v2"), "/users/42"))
      expect(record.outcome).toMatchObject({ _tag: "Response" })
      const server = spansOf((yield* Queue.take(otlp.arrivals)).request).find((span) => span.kind === 2)!
      expect(server.name).toBe("GET /users/:id")
      expect(attrs(server.attributes)).toMatchObject({
        "http.route": "/users/:id",
        "http.request.method": "GET",
        "url.path": "/users/42",
        "http.response.status_code": 200,
        "faas.trigger": "http"
      })
    }))

  it.scopedLive("an SQS batch: one CONSUMER span per record under the invocation span, linked to the record's AWSTraceHeader", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const { emulator, fn } = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, TELEMETRY_FIXTURE: "sqs" })
      const linked = sqsRecord("m-1", JSON.stringify("a"))
      const event = {
        Records: [
          { ...linked, attributes: { ...linked.attributes, AWSTraceHeader: header() } },
          sqsRecord("m-2", JSON.stringify("b")),
          sqsRecord("m-3", JSON.stringify("bad"))
        ]
      }
      const record = yield* emulator.invoke(event)
      expect(responseJson(record), fn.stdout()).toEqual({ batchItemFailures: [{ itemIdentifier: "m-3" }] })
      const spans = spansOf((yield* Queue.take(otlp.arrivals)).request)
      const server = spans.find((span) => span.kind === 2)!
      expect(attrs(server.attributes)).toMatchObject({ "faas.trigger": "pubsub" })
      const consumers = spans.filter((span) => span.kind === 5)
      expect(consumers).toHaveLength(3)
      for (const consumer of consumers) expect(consumer.parentSpanId).toBe(server.spanId)
      const m1 = consumers.find((span) => attrs(span.attributes)["messaging.message.id"] === "m-1")!
      expect(m1.links).toEqual([expect.objectContaining({ traceId: TRACE_ID, spanId: PARENT })])
      const m2 = consumers.find((span) => attrs(span.attributes)["messaging.message.id"] === "m-2")!
      expect(m2.links).toEqual([])
      expect(m2.status.code).not.toBe(2)
      // A failed record's span is an error, the batch's answer names it as before.
      const m3 = consumers.find((span) => attrs(span.attributes)["messaging.message.id"] === "m-3")!
      expect(m3.status).toMatchObject({ code: 2 })
      expect(attrs(m3.events.find((event: Json) => event.name === "exception").attributes)).toMatchObject({
        "exception.type": "OrderRejected"
      })
    }))

  it.scopedLive("a collector answering in 300 ms does not delay the response", () =>
    Effect.gen(function*() {
      const otlp = yield* collector({ delayMs: 300 })
      const { emulator } = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })
      for (const [i, id] of ["o-1", "o-2"].entries()) {
        const record = yield* emulator.invoke({ id })
        const arrival = yield* Queue.take(otlp.arrivals)
        // The response was complete before the export started.
        expect(arrival.at).toBeGreaterThan(record.resultAt!)
        yield* emulator.awaitNextRequest(i + 2)
      }
    }))

  it.scopedLive("a collector that refuses connections changes nothing: right answers, one warning line across invocations", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.promise(() => FakeCollector.start())
      yield* Effect.promise(() => closed.close())
      const { emulator, fn } = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: closed.url })
      for (const [i, id] of ["o-1", "o-2", "o-3"].entries()) {
        expect(responseJson(yield* emulator.invoke({ id }))).toMatchObject({ id })
        yield* emulator.awaitNextRequest(i + 2)
      }
      // Written before o-3's line: the pipe may deliver stdout after the emulator saw a request.
      yield* fn.awaitOutput("order o-3 received")
      // One line for the failure streak: the next exports are paused.
      const warnings = fn.stdout().split("\n").filter((line) => line.includes("\tWARN\t"))
      expect(warnings, fn.stdout()).toHaveLength(1)
      expect(warnings[0]).toContain("ECONNREFUSED")
      expect(fn.stderr()).toBe("")
    }))

  it.scopedLive("SIGTERM exports the spans still pending within the shutdown budget", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const { emulator, fn } = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })
      const pending = yield* emulator.enqueue({ id: "o-1", action: "sleep" })
      yield* fn.awaitOutput("order o-1 sleeping")
      expect(otlp.requests).toHaveLength(0)
      fn.child.kill("SIGTERM")
      const code = yield* fn.exited
      yield* emulator.runtimeExited({ code, signal: null })
      expect((yield* pending.result).outcome).toMatchObject({ _tag: "Error" })
      expect(code).toBe(0)
      const server = spansOf((yield* Queue.take(otlp.arrivals)).request).find((span) => span.kind === 2)!
      expect(attrs(server.attributes)).toMatchObject({ "faas.invocation_id": (yield* pending.result).requestId })
    }))
})

describe("observability: Lambda Managed Instances", () => {
  it.scopedLive("8 invocations at once on 4 loops: each SERVER span in its own trace with its own children, every span exported once, cold start on one only", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const emulator = yield* Emulator.make({ concurrency: 4, functionName: "orders" })
      const fn = yield* spawnFunction("test/fixtures/telemetry.ts", {
        ...emulator.environment,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json"
      })
      yield* emulator.awaitNextRequest(4)
      const roots = Array.from({ length: 8 }, (_, i) => `1-5759e988-bd862e3fe1be46a9942727${10 + i}`)
      const records = yield* Effect.forEach(
        roots,
        (root, i) => emulator.invoke({ id: `o-${i}` }, { traceId: header(root) }),
        { concurrency: "unbounded" }
      )
      for (const [i, record] of records.entries()) expect(responseJson(record)).toMatchObject({ id: `o-${i}` })
      // Each window exports what has ended by then: its own spans, perhaps others'.
      const spans: Array<Json> = []
      while (
        spans.filter((span) => span.kind === 2).length < 8 || spans.filter((s) => s.name === "archive").length < 8
      ) {
        spans.push(...spansOf((yield* Queue.take(otlp.arrivals)).request))
      }
      expect(new Set(spans.map((span) => span.spanId)).size).toBe(spans.length)
      const servers = spans.filter((span) => span.kind === 2)
      expect(servers.filter((span) => attrs(span.attributes)["faas.coldstart"] === true)).toHaveLength(1)
      for (const [i, record] of records.entries()) {
        const traceId = roots[i]!.slice(2).replace("-", "")
        const server = servers.find((span) => attrs(span.attributes)["faas.invocation_id"] === record.requestId)!
        expect(server).toMatchObject({ traceId, parentSpanId: PARENT })
        for (const name of ["validate", "archive"]) {
          expect(spans.filter((span) => span.name === name && span.parentSpanId === server.spanId)).toEqual([
            expect.objectContaining({ traceId })
          ])
        }
      }
      expect(fn.stderr()).toBe("")
    }))
})

describe("observability: the example", () => {
  it.scopedLive("examples/observability.ts exports its nested spans to an OTLP collector and writes its metrics as EMF", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("examples/observability.ts", {
        ...emulator.environment,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        POWERTOOLS_METRICS_NAMESPACE: "Shop"
      })
      const record = yield* emulator.invoke(observabilityEvent)
      expect(responseJson(record)).toEqual({ orderId: "o-1", accepted: true })
      expect(spanTree(spansOf((yield* Queue.take(otlp.arrivals)).request))).toEqual(expectedSpanTree)
      yield* fn.awaitOutput("OrderSize")
      expect(emfMetrics(fn.stdout())).toEqual(expectedEmfMetrics)
    }))
})

describe("observability: exports at shutdown", () => {
  it.scopedLive("SIGTERM while the window's export waits for the collector: the spans are exported again by the shutdown's export", () =>
    Effect.gen(function*() {
      const otlp = yield* collector({ delayMs: 60_000 })
      const { emulator, fn } = yield* start({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })
      const record = yield* emulator.invoke({ id: "o-1" })
      expect(responseJson(record)).toMatchObject({ id: "o-1" })
      const first = yield* Queue.take(otlp.arrivals)
      // The window's POST is waiting for its answer: the shutdown interrupts it.
      otlp.setDelay(0)
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(0)
      const second = yield* Queue.take(otlp.arrivals)
      const ids = (request: CollectorRequest) => spansOf(request).map((span) => span.spanId).sort()
      expect(ids(second.request)).toEqual(ids(first.request))
      expect(spansOf(second.request).find((span) => span.kind === 2)).toBeDefined()
    }))
})

describe("observability: a built function", () => {
  it.scopedLive("without the variables nothing connects and the exporters' modules are never loaded; with them, they are, after the first export", () =>
    Effect.gen(function*() {
      const build = yield* buildFixture
      const otlp = yield* collector()
      const daemon = yield* xrayDaemon
      const off = yield* Emulator.make()
      yield* startBuilt(build, off, {})
      for (const id of ["o-1", "o-2"]) {
        expect(responseJson(yield* off.invoke({ id }))).toMatchObject({ id, dgram: false, httpClient: false })
      }
      expect(otlp.requests).toHaveLength(0)

      const on = yield* Emulator.make()
      yield* startBuilt(build, on, {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.port}`
      })
      expect(responseJson(yield* on.invoke({ id: "o-1" }, { traceId: header() }))).toMatchObject({ dgram: false })
      expect(responseJson(yield* on.invoke({ id: "o-2" }, { traceId: header() }))).toMatchObject({
        dgram: true,
        httpClient: true
      })
      expect((yield* Queue.take(otlp.arrivals)).request.contentType).toBe("application/json")
      expect(yield* Queue.take(daemon.documents)).toMatchObject({ type: "subsegment", trace_id: ROOT })
    }))
})

describe("observability: X-Ray daemon", () => {
  it.scopedLive("sampled invocations' spans reach the daemon as subsegments of the header's trace; Sampled=0 sends nothing", () =>
    Effect.gen(function*() {
      const daemon = yield* xrayDaemon
      const { emulator } = yield* start({ AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.port}` })
      const unsampled = "1-5759e988-bd862e3fe1be46a994272799"
      responseJson(yield* emulator.invoke({ id: "o-1" }, { traceId: header(unsampled, 0) }))
      const record = yield* emulator.invoke({ id: "o-2" }, { traceId: header() })
      expect(responseJson(record)).toMatchObject({ id: "o-2" })
      // The documents up to the sampled invocation's last (its detached span ends last): one socket
      // sends them in order, so any of the unsampled invocation (sent before) would be among them.
      const all: Array<Json> = []
      while (!all.some((document) => document.name === "archive")) all.push(yield* Queue.take(daemon.documents))
      expect(all.length).toBeGreaterThanOrEqual(3)
      for (const document of all) expect(document).toMatchObject({ type: "subsegment", trace_id: ROOT })
      expect(all.find((document) => document.parent_id === PARENT)).toMatchObject({ name: "orders" })
    }))
})

describe("observability: EMF", () => {
  it.scopedLive("the metricsNamespace run option turns EMF on without the variable", () =>
    Effect.gen(function*() {
      const { emulator, fn } = yield* start({ FIXTURE_METRICS_NAMESPACE: "Orders" })
      for (const id of ["o-1", "o-2"]) responseJson(yield* emulator.invoke({ id }))
      yield* fn.awaitOutput("order o-2 received")
      const processed = jsonLines(fn).filter((line) => line.ordersProcessed !== undefined)
      expect(processed).toHaveLength(1)
      expect(processed[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "Orders" })
    }))

  it.scopedLive("one line per invocation with the deltas and the tags as dimensions, and the cold-start line once", () =>
    Effect.gen(function*() {
      const { emulator, fn } = yield* start({ POWERTOOLS_METRICS_NAMESPACE: "Shop", POWERTOOLS_SERVICE_NAME: "orders" })
      for (const id of ["o-1", "o-2", "o-3"]) responseJson(yield* emulator.invoke({ id }))
      // o-1's and o-2's EMF lines were written before o-3's first line.
      yield* fn.awaitOutput("order o-3 received")
      const emf = jsonLines(fn).filter((line) => line._aws !== undefined)
      const coldStarts = emf.filter((line) => line.ColdStart !== undefined)
      expect(coldStarts).toHaveLength(1)
      expect(coldStarts[0]).toMatchObject({ ColdStart: 1, service: "orders", function_name: "orders" })
      // Effect's own fiber metrics (on in Effect 3's default runtime) are not the function's.
      expect(emf.filter((line) => Object.keys(line).some((key) => key.startsWith("effect_fiber_")))).toEqual([])
      const processed = emf.filter((line) => line.ordersProcessed !== undefined)
      expect(processed.length).toBeGreaterThanOrEqual(2)
      for (const line of processed) {
        expect(line).toMatchObject({ ordersProcessed: 1, kind: "plain", service: "orders" })
        expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: "Shop" })
        expect(line._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(["service", "kind"]))
      }
    }))
})

describe("observability: flushAfterResponse", () => {
  it.scopedLive("runs the flushes a layer registers (the OpenTelemetry SDK's) after the response, before the next /next", () =>
    Effect.gen(function*() {
      const otlp = yield* collector()
      const emulator = yield* Emulator.make()
      yield* spawnFunction("test/fixtures/flushAfterResponse.ts", {
        ...emulator.environment,
        SDK_COLLECTOR_URL: `${otlp.url}/v1/traces`
      })
      const record = yield* emulator.invoke({})
      expect(responseJson(record)).toEqual({ ok: true })
      const { at, request } = yield* Queue.take(otlp.arrivals)
      const nextAt = yield* emulator.awaitNextRequest(2)
      expect(record.resultAt!).toBeLessThan(at)
      expect(request.answeredAt!).toBeLessThanOrEqual(nextAt)
      expect(spansOf(request).map((span) => span.name)).toEqual(["sdk work"])
    }))
})
