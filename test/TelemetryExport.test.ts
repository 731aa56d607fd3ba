/**
 * The Effect-free exporters of issue 20: spans as X-Ray subsegment documents sent to a daemon over
 * real UDP on loopback, and metric snapshots as CloudWatch Embedded Metric Format lines (checked
 * against the structure the EMF specification requires of every line).
 */
import * as Dgram from "node:dgram"
import { describe, expect, it } from "vitest"
import type { MetricSample } from "../src/internal/core/telemetry/emf.js"
import { coldStartLine, EMF_LIMITS, MetricDeltas } from "../src/internal/core/telemetry/emf.js"
import type { EmfSettings } from "../src/internal/core/telemetry/settings.js"
import type { FinishedSpan } from "../src/internal/core/telemetry/spans.js"
import { failureOf } from "../src/internal/core/telemetry/spans.js"
import {
  DAEMON_HEADER,
  makeDaemonSender,
  MAX_DATAGRAM_BYTES,
  toSubsegment
} from "../src/internal/core/telemetry/xray.js"
import { start } from "./fakeXRayDaemon.js"
import { hostile } from "./hostile.js"
import { finishedSpan } from "./telemetrySpans.js"

const TRACE = "5759e988bd862e3fe1be46a994272793"
const HEADER_PARENT = "53995c3f42cd8ad8"
const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders"

const span = (overrides: Partial<FinishedSpan> = {}): FinishedSpan =>
  finishedSpan({
    traceId: TRACE,
    spanId: "a1b2c3d4e5f60718",
    parentSpanId: HEADER_PARENT,
    ...overrides
  })

const doc = (s: FinishedSpan): Record<string, any> => {
  const text = toSubsegment(s, "orders-service")
  expect(text).toBeDefined()
  return JSON.parse(text!) as Record<string, any>
}

describe("X-Ray subsegment documents", () => {
  it("the invocation's server span: a subsegment of Lambda's segment (the header's Parent)", () => {
    const d = doc(span({
      attributes: new Map<string, unknown>([
        ["faas.invocation_id", "req-1"],
        ["aws.lambda.invoked_arn", ARN],
        ["faas.trigger", "http"],
        ["faas.coldstart", true]
      ])
    }))
    expect(d).toMatchObject({
      name: "orders",
      id: "a1b2c3d4e5f60718",
      trace_id: "1-5759e988-bd862e3fe1be46a994272793",
      parent_id: HEADER_PARENT,
      type: "subsegment",
      aws: { function_arn: ARN, request_id: "req-1" },
      annotations: {
        faas_invocation_id: "req-1",
        aws_lambda_invoked_arn: ARN,
        faas_trigger: "http",
        faas_coldstart: true
      }
    })
    // Epoch seconds, microsecond precision.
    expect(d.start_time).toBe(1_733_000_000.123456)
    expect(d.end_time).toBe(1_733_000_000.223456)
    expect(d).not.toHaveProperty("namespace")
    expect(d).not.toHaveProperty("fault")
    expect(d).not.toHaveProperty("error")
  })

  it("a client span is remote", () => {
    const d = doc(span({ kind: "client", name: "DynamoDB.GetItem", parentSpanId: "0102030405060708" }))
    expect(d).toMatchObject({ namespace: "remote", parent_id: "0102030405060708", name: "DynamoDB.GetItem" })
  })

  it("a failed span: fault for a defect, error for a typed failure, their exceptions in cause", () => {
    const error = new Error("boom")
    const d = doc(span({
      failures: [
        { type: "OrderNotFound", message: "no order 7", stack: undefined, defect: false },
        { type: "TypeError", message: "boom", stack: error.stack, defect: true }
      ]
    }))
    expect(d.fault).toBe(true)
    expect(d.error).toBe(true)
    const [typed, defect] = d.cause.exceptions
    expect(typed).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), type: "OrderNotFound", message: "no order 7" })
    expect(defect.type).toBe("TypeError")
    expect(defect.id).toMatch(/^[0-9a-f]{16}$/)
    expect(defect.id).not.toBe(typed.id)
    expect(defect.stack[0]).toEqual({
      path: expect.stringContaining("TelemetryExport.test.ts"),
      line: expect.any(Number),
      label: expect.any(String)
    })

    // As the tracers record them: the type of a tagged failure is its tag.
    class OrderNotFound extends Error {
      readonly _tag = "OrderNotFound"
    }
    const recorded = doc(span({ failures: [failureOf(new OrderNotFound("no order 8"), false)] }))
    expect(recorded.cause.exceptions[0]).toMatchObject({ type: "OrderNotFound", message: "no order 8" })
    expect(recorded.cause.exceptions[0].stack.length).toBeGreaterThan(0)
    expect(recorded.error).toBe(true)

    const typedOnly = doc(span({ failures: [{ type: "Invalid", message: "", stack: undefined, defect: false }] }))
    expect(typedOnly.error).toBe(true)
    expect(typedOnly).not.toHaveProperty("fault")
  })

  it("an HTTP span has the http block; a 5xx is a fault, 4xx an error, 429 a throttle", () => {
    const http = (status: number) =>
      doc(span({
        name: "GET /orders/:id",
        attributes: new Map<string, unknown>([
          ["http.request.method", "GET"],
          ["url.path", "/orders/7"],
          ["http.route", "/orders/:id"],
          ["http.response.status_code", status]
        ])
      }))
    const ok = http(200)
    expect(ok.http).toEqual({ request: { method: "GET", url: "/orders/7" }, response: { status: 200 } })
    expect(ok.name).toBe("GET /orders/:id")
    expect(ok.annotations).toMatchObject({ http_route: "/orders/:id", http_response_status_code: 200 })
    expect(ok).not.toHaveProperty("fault")
    expect(http(503).fault).toBe(true)
    expect(http(404)).toMatchObject({ error: true })
    expect(http(429)).toMatchObject({ error: true, throttle: true })
  })

  it("annotation keys are converted, 50 at most; everything else is metadata", () => {
    const attributes = new Map<string, unknown>([
      ["faas.trigger", "pubsub"],
      ["my-key with space", "v"],
      ["messaging.batch.message_count", 3],
      ["nested", { a: [1, 2] }],
      ["not-finite", Number.POSITIVE_INFINITY],
      ["long", "x".repeat(2000)]
    ])
    for (let i = 0; i < 60; i++) attributes.set(`extra.${i}`, i)
    const d = doc(span({ attributes }))
    const keys = Object.keys(d.annotations)
    expect(keys).toHaveLength(50)
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_]+$/)
    expect(d.annotations).toMatchObject({
      faas_trigger: "pubsub",
      my_key_with_space: "v",
      messaging_batch_message_count: 3
    })
    expect(d.annotations.long).toHaveLength(1000)
    expect(d.metadata.default).toMatchObject({ nested: { a: [1, 2] }, "not-finite": null })
    // What is over the limit is kept as metadata, not lost.
    expect(Object.keys(d.metadata.default).filter((key) => key.startsWith("extra."))).toHaveLength(60 - 46)
  })

  it("names keep X-Ray's characters, 200 at most", () => {
    expect(doc(span({ name: "GET /a?b=<c>|d" })).name).toBe("GET /a_b=_c__d")
    expect(doc(span({ name: "é".repeat(300) })).name).toBe("é".repeat(200))
    expect(doc(span({ name: "" })).name).toBe("orders-service")
  })

  it("hostile attribute values never break the document", () => {
    const attributes = new Map<string, unknown>(Object.entries(hostile).map(([name, make]) => [name, make()]))
    attributes.set("big", 12345678901234567890n)
    attributes.set("function", () => 1)
    attributes.set("undefined", undefined)
    const d = doc(span({ attributes }))
    expect(d.metadata.default.big).toBe("12345678901234567890")
    expect(d.metadata.default.cyclic).toEqual({ _tag: "Cyclic", self: "[Circular]" })
    expect(d.metadata.default.bigint).toEqual({ _tag: "X", amount: "10" })
    expect(typeof d.metadata.default.proxy).toBe("string")
    expect(d.metadata.default.undefined).toBeNull()
    // Strings stay annotations, whatever else the values are.
    expect(d.annotations).toBeUndefined()
  })

  it("an unsampled span has no document", () => {
    expect(toSubsegment(span({ sampled: false }), "svc")).toBeUndefined()
  })

  it("a span without a parent is a segment of its own", () => {
    const d = doc(span({ parentSpanId: undefined }))
    expect(d).not.toHaveProperty("type")
    expect(d).not.toHaveProperty("parent_id")
    expect(d.trace_id).toBe("1-5759e988-bd862e3fe1be46a994272793")
  })
})

describe("the daemon sender, over UDP on loopback", () => {
  it("sends each sampled span in its own datagram after the header line", async () => {
    const daemon = await start()
    const [host, port] = daemon.address.split(":")
    const sender = makeDaemonSender({ host: host!, port: Number(port) })
    try {
      const sent = await sender.send([
        span({ spanId: "0000000000000001" }),
        span({ spanId: "0000000000000002", sampled: false }),
        span({ spanId: "0000000000000003", kind: "client" })
      ], "svc")
      expect(sent).toBe(2)
      const first = await daemon.nextDocument()
      const second = await daemon.nextDocument()
      expect([first.id, second.id].sort()).toEqual(["0000000000000001", "0000000000000003"])
      for (const raw of daemon.raw) expect(raw.startsWith(DAEMON_HEADER)).toBe(true)
      expect(daemon.malformed).toEqual([])
      expect(sender.dropped()).toBe(0)
    } finally {
      sender.close()
      await daemon.close()
    }
  })

  it("drops a document whose datagram exceeds 64 KB, and counts it", async () => {
    const daemon = await start()
    const sender = makeDaemonSender({ host: "127.0.0.1", port: daemon.port })
    try {
      const huge = span({
        spanId: "00000000000000ff",
        attributes: new Map([["body", { text: "x".repeat(MAX_DATAGRAM_BYTES) }]])
      })
      const sent = await sender.send([huge, span({ spanId: "0000000000000004" })], "svc")
      expect(sent).toBe(1)
      expect(sender.dropped()).toBe(1)
      expect((await daemon.nextDocument()).id).toBe("0000000000000004")
    } finally {
      sender.close()
      await daemon.close()
    }
  })

  it("a daemon that is not there: send resolves, nothing throws; after close nothing is sent", async () => {
    // A port that was just free: nothing listens on it.
    const probe = Dgram.createSocket("udp4")
    await new Promise<void>((resolve) => probe.bind(0, "127.0.0.1", resolve))
    const port = probe.address().port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const sender = makeDaemonSender({ host: "127.0.0.1", port })
    const sent = await sender.send([span(), span({ spanId: "0000000000000005" })], "svc")
    expect(sent + sender.failed()).toBe(2)
    sender.close()
    expect(await sender.send([span()], "svc")).toBe(0)
  })

  it("an address that does not resolve: send resolves with 0", async () => {
    const sender = makeDaemonSender({ host: "no-such-host.invalid", port: 2000 })
    try {
      expect(await sender.send([span()], "svc")).toBe(0)
      expect(sender.failed()).toBe(1)
    } finally {
      sender.close()
    }
  })
})

const SETTINGS: EmfSettings = { namespace: "Orders", service: "orders" }
const NOW = 1_733_000_000_000

/**
 * What the EMF specification requires of a line: `_aws.Timestamp` (ms), one directive at least
 * with `Namespace`, `Dimensions` (arrays of at most 30 keys) and `Metrics` (at most 100, each
 * named), every dimension key and metric name a member of the root, metric values numbers (or
 * `{Values, Counts}` of equal lengths), dimension values strings.
 */
const validLine = (line: string): Record<string, any> => {
  const root = JSON.parse(line) as Record<string, any>
  expect(typeof root).toBe("object")
  expect(Number.isInteger(root._aws.Timestamp)).toBe(true)
  expect(root._aws.CloudWatchMetrics.length).toBeGreaterThan(0)
  for (const directive of root._aws.CloudWatchMetrics) {
    expect(typeof directive.Namespace).toBe("string")
    expect(directive.Namespace.length).toBeGreaterThan(0)
    expect(Array.isArray(directive.Dimensions)).toBe(true)
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30)
      for (const key of set) {
        expect(typeof root[key]).toBe("string")
        expect(root[key].length).toBeGreaterThan(0)
        expect(root[key].length).toBeLessThanOrEqual(1024)
      }
    }
    expect(directive.Metrics.length).toBeGreaterThan(0)
    expect(directive.Metrics.length).toBeLessThanOrEqual(100)
    for (const metric of directive.Metrics) {
      expect(typeof metric.Name).toBe("string")
      expect(metric.Name.length).toBeGreaterThan(0)
      expect(metric.Name.length).toBeLessThanOrEqual(255)
      expect(metric.Name).not.toBe("_aws")
      const value = root[metric.Name]
      if (typeof value === "number") expect(Number.isFinite(value)).toBe(true)
      else {
        expect(value.Values.length).toBe(value.Counts.length)
        expect(value.Values.length).toBeGreaterThan(0)
        expect(value.Values.length).toBeLessThanOrEqual(100)
      }
    }
  }
  return root
}

const linesOf = (deltas: MetricDeltas, samples: ReadonlyArray<MetricSample>) => {
  const out = deltas.lines(samples, SETTINGS, NOW)
  return { documents: out.lines.map(validLine), dropped: out.dropped }
}

const counter = (name: string, count: number, tags: ReadonlyArray<readonly [string, string]> = []): MetricSample => ({
  kind: "counter",
  name,
  tags,
  count
})

describe("EMF lines", () => {
  it("a counter incremented once per invocation reads 1 in each line; unchanged, it is left out", () => {
    const deltas = new MetricDeltas()
    const values = [1, 2, 3].map((count) =>
      linesOf(deltas, [counter("orders_placed", count)]).documents[0]?.orders_placed
    )
    expect(values).toEqual([1, 1, 1])
    expect(linesOf(deltas, [counter("orders_placed", 3)]).documents).toEqual([])
    const [first] = linesOf(new MetricDeltas(), [counter("orders_placed", 5)]).documents
    expect(first).toMatchObject({
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [{
          Namespace: "Orders",
          Dimensions: [["service"]],
          Metrics: [{ Name: "orders_placed", Unit: "Count" }]
        }]
      },
      service: "orders",
      orders_placed: 5
    })
  })

  it("a gauge is written when it changed since the last line", () => {
    const deltas = new MetricDeltas()
    const gauge = (value: number): MetricSample => ({ kind: "gauge", name: "queue_depth", tags: [], value })
    const read = (value: number) => linesOf(deltas, [gauge(value)]).documents[0]?.queue_depth
    expect([read(4), read(4), read(2), read(2), read(4)]).toEqual([4, undefined, 2, undefined, 4])
    const [line] = linesOf(new MetricDeltas(), [gauge(1)]).documents
    expect(line!._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: "queue_depth", Unit: "None" }])
  })

  it("a histogram writes its new observations per bucket as {Values, Counts}", () => {
    const deltas = new MetricDeltas()
    // Effect's buckets: cumulative counts (values <= bound), the last bound +Infinity.
    const histogram = (buckets: ReadonlyArray<readonly [number, number]>, sum: number): MetricSample => ({
      kind: "histogram",
      name: "latency_ms",
      tags: [],
      buckets,
      count: buckets.at(-1)![1],
      sum
    })
    const first = linesOf(deltas, [histogram([[10, 1], [100, 3], [Infinity, 3]], 120)]).documents[0]
    expect(first!.latency_ms).toEqual({ Values: [10, 100], Counts: [1, 2] })
    // One more at 50, one beyond the last finite bound (written at that bound, merged with it).
    const second = linesOf(deltas, [histogram([[10, 1], [100, 4], [Infinity, 5]], 1170)]).documents[0]
    expect(second!.latency_ms).toEqual({ Values: [100], Counts: [2] })
    expect(linesOf(deltas, [histogram([[10, 1], [100, 4], [Infinity, 5]], 1170)]).documents).toEqual([])
    // Only the +Infinity bucket: the mean of the new observations.
    const only = linesOf(new MetricDeltas(), [{
      kind: "histogram",
      name: "h",
      tags: [],
      buckets: [[Infinity, 2]],
      count: 2,
      sum: 30
    }]).documents[0]
    expect(only!.h).toEqual({ Values: [15], Counts: [2] })
  })

  it("tags are dimensions, after service and sorted; one document per tag set", () => {
    const deltas = new MetricDeltas()
    const { documents } = linesOf(deltas, [
      counter("a", 1, [["route", "/orders"], ["method", "GET"]]),
      counter("b", 1, [["method", "GET"], ["route", "/orders"]]),
      counter("a", 1, [["route", "/users"], ["method", "GET"]]),
      counter("c", 1, [["service", "spoofed"], ["empty", ""]])
    ])
    expect(documents).toHaveLength(3)
    expect(documents[0]).toMatchObject({ method: "GET", route: "/orders", service: "orders", a: 1, b: 1 })
    expect(documents[0]!._aws.CloudWatchMetrics[0].Dimensions).toEqual([["service", "method", "route"]])
    expect(documents[1]).toMatchObject({ route: "/users", a: 1 })
    // The runtime's service dimension wins; an empty value cannot be a dimension, so it stays a member.
    expect(documents[2]).toMatchObject({ service: "orders", empty: "", c: 1 })
    expect(documents[2]!._aws.CloudWatchMetrics[0].Dimensions).toEqual([["service"]])
  })

  it("at most 29 tags are dimensions; the others stay members; values cut to 1024, names to 255", () => {
    const tags = Array.from({ length: 35 }, (_, i) => [`t${String(i).padStart(2, "0")}`, "v".repeat(2000)] as const)
    const [line] = linesOf(new MetricDeltas(), [counter("n".repeat(300), 1, tags)]).documents
    const [set] = line!._aws.CloudWatchMetrics[0].Dimensions
    expect(set).toHaveLength(EMF_LIMITS.dimensions + 1)
    expect(set.slice(1)).toEqual(tags.slice(0, 29).map(([key]) => key))
    expect(line!.t34).toHaveLength(1024)
    expect(line!["n".repeat(255)]).toBe(1)
  })

  it("100 metrics per document, 100 documents per call; what is left out is counted and written next time", () => {
    const many = Array.from({ length: 250 }, (_, i) => counter(`m${i}`, 1))
    const split = linesOf(new MetricDeltas(), many)
    expect(split.documents.map((d) => d._aws.CloudWatchMetrics[0].Metrics.length)).toEqual([100, 100, 50])
    expect(split.dropped).toBe(0)

    const deltas = new MetricDeltas()
    const sets = Array.from({ length: 150 }, (_, i) => counter("hits", 1, [["tenant", `t${i}`]]))
    const first = linesOf(deltas, sets)
    expect(first.documents).toHaveLength(EMF_LIMITS.documents)
    expect(first.dropped).toBe(50)
    const second = linesOf(deltas, sets)
    expect(second.documents.map((d) => d.tenant)).toEqual(sets.slice(100).map((_, i) => `t${100 + i}`))
    expect(second.dropped).toBe(0)
  })

  it("a metric named like a member it would overwrite is left out and counted", () => {
    const { documents, dropped } = linesOf(new MetricDeltas(), [
      counter("_aws", 1),
      counter("service", 1),
      counter("route", 1, [["route", "/a"]]),
      counter("ok", 1, [["route", "/a"]]),
      { kind: "gauge", name: "ok", tags: [["route", "/a"]], value: 3 }
    ])
    expect(dropped).toBe(4)
    expect(documents).toHaveLength(1)
    expect(documents[0]).toMatchObject({ route: "/a", ok: 1 })
  })

  it("remembers 10,000 keys at most: a new one beyond them is left out and counted", () => {
    const deltas = new MetricDeltas()
    // 100 tag sets per call: the documents' limit (a key is remembered once its line is written).
    for (let from = 0; from < 10_000; from += 100) {
      deltas.lines(Array.from({ length: 100 }, (_, i) => counter("c", 1, [["k", `${from + i}`]])), SETTINGS, NOW)
    }
    expect(deltas.size).toBe(10_000)
    const { documents, dropped } = linesOf(deltas, [counter("c", 1, [["k", "new"]]), counter("c", 2, [["k", "0"]])])
    expect(dropped).toBe(1)
    expect(documents).toHaveLength(1)
    expect(documents[0]).toMatchObject({ k: "0", c: 1 })
    expect(deltas.size).toBe(10_000)
  })

  it("the cold-start line, as Powertools writes it", () => {
    const line = validLine(coldStartLine(SETTINGS, "orders-fn", NOW))
    expect(line).toEqual({
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [{
          Namespace: "Orders",
          Dimensions: [["service", "function_name"]],
          Metrics: [{ Name: "ColdStart", Unit: "Count" }]
        }]
      },
      service: "orders",
      function_name: "orders-fn",
      ColdStart: 1
    })
  })
})
