/**
 * Observability on the Effect 4 line, through real functions (child processes served by the
 * project's emulator) and a fake OTLP/HTTP collector and X-Ray daemon on loopback: the
 * invocation's SERVER span and its FaaS attributes, parenting from the X-Ray header, user and
 * detached spans in the same trace, failures, batch record spans, HTTP route names, the export's
 * place (after the response, before the next `/next`), a slow or absent collector, EMF lines,
 * the trace ids in JSON logs, and the export on SIGTERM.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FakeCollector from "../../../test/fakeCollector.js"
import * as FakeXRayDaemon from "../../../test/fakeXRayDaemon.js"
import { sqsRecord } from "../../../test/eventRecords.js"
import { Samples } from "../src/internal/core.js"
import { emulator, responseOf, spawnFunction } from "./process.js"

const OBSERVED = "test/fixtures/observed.ts"
const HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
const TRACE_ID = "5759e988bd862e3fe1be46a994272793"

type KeyValue = { readonly key: string; readonly value: Record<string, unknown> }
type Span = {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly attributes: ReadonlyArray<KeyValue>
  readonly status: { readonly code: number; readonly message?: string }
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: ReadonlyArray<KeyValue> }>
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
}

/** An attribute's value, whichever `AnyValue` member holds it. */
const attribute = (attributes: ReadonlyArray<KeyValue>, key: string): unknown => {
  const value = attributes.find((attribute) => attribute.key === key)?.value
  return value === undefined ? undefined : Object.values(value)[0]
}

const collectorScoped = (options?: Parameters<typeof FakeCollector.start>[0]) =>
  Effect.acquireRelease(
    Effect.promise(() => FakeCollector.start(options)),
    (collector) => Effect.promise(collector.close)
  )

const daemonScoped = () =>
  Effect.acquireRelease(Effect.promise(() => FakeXRayDaemon.start()), (daemon) => Effect.promise(daemon.close))

const spansOf = (request: FakeCollector.CollectorRequest) => FakeCollector.spansOf(request) as unknown as Array<Span>

const otlpEnvironment = (url: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json"
})

describe("Effect 4: observability", () => {
  it.live("exports the invocation's span, its user and detached spans, after the response and before /next", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator()
      yield* spawnFunction(OBSERVED, {
        ...api.environment,
        ...otlpEnvironment(collector.url),
        OTEL_SERVICE_NAME: "shop"
      })
      const exported = collector.nextRequest()
      const record = yield* Effect.promise(() => api.invoke({ mode: "ok" }, { traceId: HEADER }))
      expect(responseOf(record)).toEqual({ ok: true })
      const request = yield* Effect.promise(() => exported)
      const nextAt = yield* Effect.promise(() => api.awaitNextRequest(2))
      expect(request.at).toBeGreaterThan(record.resultAt!)
      expect(request.at).toBeLessThan(nextAt)
      expect(request.path).toBe("/v1/traces")
      const body = request.json as { resourceSpans: Array<{ resource: { attributes: Array<KeyValue> } }> }
      const resource = body.resourceSpans[0]!.resource.attributes
      expect(attribute(resource, "service.name")).toBe("shop")
      expect(attribute(resource, "faas.name")).toBe("test_function")
      expect(attribute(resource, "cloud.provider")).toBe("aws")
      const spans = spansOf(request)
      const server = spans.find((span) => span.name === "test_function")!
      expect(server.kind).toBe(2)
      expect(server.traceId).toBe(TRACE_ID)
      expect(server.parentSpanId).toBe("53995c3f42cd8ad8")
      expect(attribute(server.attributes, "faas.invocation_id")).toBe(record.requestId)
      expect(attribute(server.attributes, "faas.coldstart")).toBe(true)
      expect(attribute(server.attributes, "faas.trigger")).toBe("other")
      expect(attribute(server.attributes, "cloud.account.id")).toBe("012345678912")
      for (const name of ["work", "audit"]) {
        const span = spans.find((span) => span.name === name)!
        expect({ name, traceId: span.traceId, parent: span.parentSpanId }).toEqual({
          name,
          traceId: TRACE_ID,
          parent: server.spanId
        })
      }
      // The second invocation is not a cold start.
      const second = collector.nextRequest()
      yield* Effect.promise(() => api.invoke({ mode: "ok" }))
      const secondSpans = spansOf(yield* Effect.promise(() => second))
      expect(attribute(secondSpans.find((span) => span.kind === 2)!.attributes, "faas.coldstart")).toBe(false)
    })))

  it.live("marks a failed invocation ERROR with an exception event typed by the error's _tag, defects too", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator()
      yield* spawnFunction(OBSERVED, { ...api.environment, ...otlpEnvironment(collector.url) })
      for (const [mode, type, message] of [["fail", "OrderRejected", "out of stock"], ["die", "TypeError", "boom"]]) {
        const exported = collector.nextRequest()
        const record = yield* Effect.promise(() => api.invoke({ mode }))
        expect(record.outcome?._tag).toBe("Error")
        const server = spansOf(yield* Effect.promise(() => exported)).find((span) => span.kind === 2)!
        expect({ mode, status: server.status.code }).toEqual({ mode, status: 2 })
        const exception = server.events.find((event) => event.name === "exception")!
        expect(attribute(exception.attributes, "exception.type")).toBe(type)
        expect(attribute(exception.attributes, "exception.message")).toContain(message)
      }
    })))

  it.live("sends sampled spans to the X-Ray daemon as subsegments of Lambda's segment, nothing for Sampled=0", () =>
    Effect.scoped(Effect.gen(function*() {
      const daemon = yield* daemonScoped()
      const api = yield* emulator()
      yield* spawnFunction(OBSERVED, { ...api.environment, AWS_XRAY_DAEMON_ADDRESS: daemon.address })
      const unsampled = "Root=1-6759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
      yield* Effect.promise(() => api.invoke({ mode: "ok" }, { traceId: unsampled }))
      yield* Effect.promise(() => api.awaitNextRequest(2))
      const record = yield* Effect.promise(() => api.invoke({ mode: "ok" }, { traceId: HEADER }))
      const documents: Array<Record<string, unknown>> = []
      while (documents.length < 3) documents.push(yield* Effect.promise(() => daemon.nextDocument()))
      expect(daemon.documents.every((document) => document.trace_id === "1-5759e988-bd862e3fe1be46a994272793"))
        .toBe(true)
      const server = documents.find((document) => document.name === "test_function")!
      expect(server.type).toBe("subsegment")
      expect(server.parent_id).toBe("53995c3f42cd8ad8")
      expect((server.aws as Record<string, unknown>).request_id).toBe(record.requestId)
      for (const name of ["work", "audit"]) {
        expect(documents.find((document) => document.name === name)?.parent_id).toBe(server.id)
      }
    })))

  it.live("does not move the response for a collector that answers in 300 ms: the export waits in the window", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped({ delayMs: 300 })
      const api = yield* emulator()
      yield* spawnFunction(OBSERVED, { ...api.environment, ...otlpEnvironment(collector.url) })
      const exported = collector.nextRequest()
      const record = yield* Effect.promise(() => api.invoke({ mode: "ok" }))
      const request = yield* Effect.promise(() => exported)
      const nextAt = yield* Effect.promise(() => api.awaitNextRequest(2))
      // The response first; the export after it, answered before the runtime asks for more.
      expect(record.resultAt!).toBeLessThan(request.at)
      expect(request.answeredAt!).toBeLessThanOrEqual(nextAt)
    })))

  it.live("keeps answering when the collector refuses connections, with one warning for the streak", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(OBSERVED, { ...api.environment, ...otlpEnvironment("http://127.0.0.1:1") })
      for (let i = 0; i < 3; i++) {
        expect(responseOf(yield* Effect.promise(() => api.invoke({ mode: "ok" })))).toEqual({ ok: true })
      }
      yield* Effect.promise(() => api.awaitNextRequest(4))
      yield* fn.awaitOutput("\tWARN\t")
      const warnings = fn.stdout().split("\n").filter((line) => line.includes("\tWARN\t"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("127.0.0.1:1")
    })))

  it.live("loads and writes nothing of it without the variables", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(OBSERVED, { ...api.environment, AWS_LAMBDA_LOG_FORMAT: "JSON" })
      const record = yield* Effect.promise(() => api.invoke({ mode: "ok" }, { traceId: HEADER }))
      yield* fn.awaitOutput("audit written")
      const lines = fn.stdout().split("\n").filter((line) => line.includes(record.requestId))
      expect(lines.length).toBeGreaterThan(0)
      for (const line of lines) expect(JSON.parse(line)).not.toHaveProperty("traceId")
      expect(fn.stdout()).not.toContain("_aws")
    })))

  it.live("writes the function's metrics as EMF lines per invocation, and the cold start once", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator()
      const fn = yield* spawnFunction(OBSERVED, { ...api.environment, POWERTOOLS_METRICS_NAMESPACE: "Shop" })
      for (let i = 0; i < 2; i++) yield* Effect.promise(() => api.invoke({ mode: "ok" }))
      yield* Effect.promise(() => api.invoke({ mode: "fail" }))
      yield* Effect.promise(() => api.awaitNextRequest(4))
      const documents = () =>
        fn.stdout().split("\n").filter((line) => line.startsWith("{") && line.includes("\"_aws\""))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
      while (documents().filter((document) => "orders" in document).length < 2) yield* fn.awaitOutput("\"orders\"")
      const all = documents()
      expect(all.filter((document) => document.ColdStart === 1)).toHaveLength(1)
      const orders = all.filter((document) => "orders" in document)
      // One per invocation that incremented it, each with that invocation's increment, not a total.
      expect(orders.map((document) => [document.orders, document.channel, document.service])).toEqual([
        [1, "web", "test_function"],
        [1, "web", "test_function"]
      ])
      const directive = (orders[0]!._aws as { CloudWatchMetrics: Array<Record<string, unknown>> }).CloudWatchMetrics[0]!
      expect(directive.Namespace).toBe("Shop")
      expect(directive.Dimensions).toEqual([["service", "channel"]])
    })))

  it.live("puts the trace and span ids on the invocation's JSON log lines", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator()
      const fn = yield* spawnFunction(OBSERVED, {
        ...api.environment,
        ...otlpEnvironment(collector.url),
        AWS_LAMBDA_LOG_FORMAT: "JSON"
      })
      const exported = collector.nextRequest()
      yield* Effect.promise(() => api.invoke({ mode: "ok" }, { traceId: HEADER }))
      const spans = spansOf(yield* Effect.promise(() => exported))
      yield* fn.awaitOutput("audit written")
      const line = (message: string) =>
        JSON.parse(fn.stdout().split("\n").find((line) => line.includes(`"message":"${message}"`))!) as Record<
          string,
          unknown
        >
      const spanId = (name: string) => spans.find((span) => span.name === name)!.spanId
      expect(line("in handler")).toMatchObject({ traceId: TRACE_ID, spanId: spanId("test_function") })
      expect(line("in work")).toMatchObject({ traceId: TRACE_ID, spanId: spanId("work") })
      expect(line("audit written")).toMatchObject({ traceId: TRACE_ID, spanId: spanId("audit") })
    })))

  it.live("exports the spans of an invocation stopped by SIGTERM before the process exits", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator()
      const fn = yield* spawnFunction(OBSERVED, { ...api.environment, ...otlpEnvironment(collector.url) })
      const exported = collector.nextRequest()
      yield* Effect.promise(() => api.enqueue({ mode: "hang" }))
      yield* fn.awaitOutput("in handler")
      fn.child.kill("SIGTERM")
      const server = spansOf(yield* Effect.promise(() => exported)).find((span) => span.kind === 2)!
      expect(attribute(server.attributes, "effect.fiber.interrupted")).toBe(true)
      expect(yield* fn.exited).toBe(0)
    })))

  it.live("names an HTTP invocation's span after its route, with the request's attributes", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator()
      yield* spawnFunction("examples/http-api.ts", { ...api.environment, ...otlpEnvironment(collector.url) })
      const exported = collector.nextRequest()
      yield* Effect.promise(() => api.invoke(Samples.samples["apigw-v2"]))
      const spans = spansOf(yield* Effect.promise(() => exported))
      const server = spans.find((span) => attribute(span.attributes, "faas.invocation_id") !== undefined)!
      expect(server.name).toBe("POST /orders")
      // effect/http's own server span stays, under it.
      expect(spans.find((span) => span.parentSpanId === server.spanId)?.name).toBe("POST /orders")
      expect(attribute(server.attributes, "faas.trigger")).toBe("http")
      expect(attribute(server.attributes, "http.route")).toBe("/orders")
      expect(attribute(server.attributes, "http.response.status_code")).toBe(201)
    })))

  it.live("gives each SQS record a CONSUMER span linked to the trace its message was sent in", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator()
      yield* spawnFunction("examples/sqs-batch.ts", { ...api.environment, ...otlpEnvironment(collector.url) })
      const sent = sqsRecord("m-1", JSON.stringify({ orderId: "o-1", quantity: 1 }))
      const traced = {
        ...sent,
        attributes: {
          ...sent.attributes,
          AWSTraceHeader: "Root=1-5759e988-aaaaaaaaaaaaaaaaaaaaaaaa;Parent=1111111111111111;Sampled=1"
        }
      }
      const rejected = sqsRecord("m-2", JSON.stringify({ orderId: "o-2", quantity: 0 }))
      const exported = collector.nextRequest()
      yield* Effect.promise(() => api.invoke({ Records: [traced, rejected] }))
      const spans = spansOf(yield* Effect.promise(() => exported))
      const server = spans.find((span) => span.kind === 2)!
      expect(attribute(server.attributes, "faas.trigger")).toBe("pubsub")
      const records = spans.filter((span) => span.kind === 5)
      expect(records.map((span) => [span.name, span.parentSpanId, attribute(span.attributes, "messaging.message.id")]))
        .toEqual([["process orders", server.spanId, "m-1"], ["process orders", server.spanId, "m-2"]])
      expect(records[0]!.links).toEqual([
        expect.objectContaining({ traceId: "5759e988aaaaaaaaaaaaaaaaaaaaaaaa", spanId: "1111111111111111" })
      ])
      expect(records[1]!.links).toEqual([])
      // The rejected order: its span failed with the tag.
      expect(records[1]!.status.code).toBe(2)
    })))

  for (
    const [what, fixture, variable, span] of [
      ["effect/observability's OtlpTracer (its Flusher)", "userOtlp", "COLLECTOR_URL", "user work"],
      ["flushAfterResponse (the OpenTelemetry SDK's forceFlush)", "flushAfterResponse", "SDK_COLLECTOR_URL", "sdk work"]
    ] as const
  ) {
    it.live(`flushes the exporter a user's layer brings after the response, before /next: ${what}`, () =>
      Effect.scoped(Effect.gen(function*() {
        const collector = yield* collectorScoped()
        const api = yield* emulator()
        yield* spawnFunction(`test/fixtures/${fixture}.ts`, {
          ...api.environment,
          [variable]: `${collector.url}/v1/traces`
        })
        const exported = collector.nextRequest()
        const record = yield* Effect.promise(() => api.invoke({}))
        expect(responseOf(record)).toEqual({ ok: true })
        const request = yield* Effect.promise(() => exported)
        const nextAt = yield* Effect.promise(() => api.awaitNextRequest(2))
        expect(record.resultAt!).toBeLessThan(request.at)
        expect(request.answeredAt!).toBeLessThanOrEqual(nextAt)
        expect(spansOf(request).map((span) => span.name)).toEqual([span])
      })))
  }

  it.live("on Managed Instances, exports every span of invocations served at once, each in its own trace", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator({ concurrency: 4, functionTimeoutMs: 30_000 })
      yield* spawnFunction(OBSERVED, { ...api.environment, ...otlpEnvironment(collector.url) })
      const records = yield* Effect.forEach(
        Array.from({ length: 8 }, (_, i) => i),
        () => Effect.promise(() => api.invoke({ mode: "ok" })),
        { concurrency: "unbounded" }
      )
      // Each invocation's window exports what has ended by then: 3 spans each, whatever the requests.
      while (collector.spans().length < 24) yield* Effect.promise(() => collector.nextRequest())
      const spans = collector.spans() as unknown as Array<Span>
      expect(spans).toHaveLength(24)
      for (const record of records) {
        const server = spans.find((span) => attribute(span.attributes, "faas.invocation_id") === record.requestId)!
        const children = spans.filter((span) => span.parentSpanId === server.spanId).map((span) => span.name).sort()
        expect({ id: record.requestId, children }).toEqual({ id: record.requestId, children: ["audit", "work"] })
      }
    })))

  it.live("SIGTERM while the window's export waits for the collector: the shutdown's export sends those spans again", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped({ delayMs: 60_000 })
      const api = yield* emulator()
      const fn = yield* spawnFunction(OBSERVED, { ...api.environment, ...otlpEnvironment(collector.url) })
      const first = collector.nextRequest()
      expect(responseOf(yield* Effect.promise(() => api.invoke({ mode: "ok" })))).toEqual({ ok: true })
      const waiting = yield* Effect.promise(() => first)
      // The window's POST waits for its answer: the shutdown interrupts it.
      collector.setDelay(0)
      const second = collector.nextRequest()
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(0)
      const ids = (request: FakeCollector.CollectorRequest) => spansOf(request).map((span) => span.spanId).sort()
      expect(ids(yield* Effect.promise(() => second))).toEqual(ids(waiting))
    })))

  it.live("sends OTLP JSON; asked for http/protobuf, it says so once at init and sends JSON", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* collectorScoped()
      const api = yield* emulator()
      const fn = yield* spawnFunction(OBSERVED, {
        ...api.environment,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf"
      })
      const exported = collector.nextRequest()
      yield* Effect.promise(() => api.invoke({ mode: "ok" }, { traceId: HEADER }))
      const request = yield* Effect.promise(() => exported)
      expect(request.contentType).toBe("application/json")
      expect(spansOf(request).map((span) => span.traceId)).toEqual([TRACE_ID, TRACE_ID, TRACE_ID])
      yield* fn.awaitOutput("sent as http/json")
      expect(fn.stdout().split("\n").filter((line) => line.includes("\tWARN\t"))).toHaveLength(1)
    })))
})
