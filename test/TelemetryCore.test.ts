/**
 * The Effect-free core of observability (issue 20): the trace header, the settings from the
 * standard variables, the FaaS trigger and attributes, the span buffer and failures, the OTLP
 * trace data and the failure streak; and the fake collector the integration tests use.
 */
import { describe, expect, it } from "vitest"
import { samples, sampleNames } from "../src/internal/core/samples/index.js"
import * as Faas from "../src/internal/core/telemetry/faas.js"
import * as Otlp from "../src/internal/core/telemetry/otlp.js"
import * as Settings from "../src/internal/core/telemetry/settings.js"
import * as Spans from "../src/internal/core/telemetry/spans.js"
import * as TraceHeader from "../src/internal/core/telemetry/traceHeader.js"
import * as FakeCollector from "./fakeCollector.js"
import { hostile } from "./hostile.js"
import { finishedSpan } from "./telemetrySpans.js"

const ROOT = "1-5759e988-bd862e3fe1be46a994272793"
const TRACE_ID = "5759e988bd862e3fe1be46a994272793"

describe("traceHeader", () => {
  it("reads Root, Parent and Sampled in any order, with spaces", () => {
    const expected = { traceId: TRACE_ID, parentSpanId: "53995c3f42cd8ad8", sampled: true }
    expect(TraceHeader.parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`)).toEqual(expected)
    expect(TraceHeader.parseTraceHeader(`Sampled=1;Parent=53995c3f42cd8ad8;Root=${ROOT}`)).toEqual(expected)
    expect(TraceHeader.parseTraceHeader(` Root = ${ROOT} ; Parent=53995C3F42CD8AD8 ;Sampled=1;Lineage=a:1`))
      .toEqual(expected)
  })

  it("says what is missing or unknown as undefined", () => {
    expect(TraceHeader.parseTraceHeader(`Root=${ROOT}`)).toEqual({
      traceId: TRACE_ID,
      parentSpanId: undefined,
      sampled: undefined
    })
    expect(TraceHeader.parseTraceHeader(`Root=${ROOT};Sampled=?`)?.sampled).toBeUndefined()
    expect(TraceHeader.parseTraceHeader(`Root=${ROOT};Sampled=0`)?.sampled).toBe(false)
    expect(TraceHeader.parseTraceHeader(`Root=${ROOT};Parent=xyz`)?.parentSpanId).toBeUndefined()
  })

  it("is undefined without a valid Root", () => {
    for (
      const header of [
        undefined,
        "",
        "Parent=53995c3f42cd8ad8;Sampled=1",
        "Root=1-5759e988-bd862e3fe1be46a99427279",
        "Root=2-5759e988-bd862e3fe1be46a994272793",
        "Root=1-5759e98g-bd862e3fe1be46a994272793",
        "Root=5759e988bd862e3fe1be46a994272793",
        "Root=1-00000000-000000000000000000000000",
        "garbage"
      ]
    ) expect(TraceHeader.parseTraceHeader(header), String(header)).toBeUndefined()
  })

  it("maps ids both ways, and new ids are lowercase hex with the epoch seconds first", () => {
    expect(TraceHeader.xrayTraceId(TRACE_ID)).toBe(ROOT)
    const nowMs = 1_700_000_000_123
    const ids = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const traceId = TraceHeader.newTraceId(nowMs)
      expect(traceId).toMatch(/^[0-9a-f]{32}$/)
      expect(parseInt(traceId.slice(0, 8), 16)).toBe(1_700_000_000)
      expect(TraceHeader.parseTraceHeader(`Root=${TraceHeader.xrayTraceId(traceId)}`)?.traceId).toBe(traceId)
      const spanId = TraceHeader.newSpanId()
      expect(spanId).toMatch(/^[0-9a-f]{16}$/)
      expect(spanId).not.toBe("0000000000000000")
      ids.add(traceId).add(spanId)
    }
    expect(ids.size).toBe(2000)
  })
})

describe("settings", () => {
  const lambda = {
    AWS_LAMBDA_FUNCTION_NAME: "orders",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/05/[$LATEST]abc",
    AWS_REGION: "eu-west-1"
  }
  const on = (env: Settings.TelemetryEnvironment, options?: { readonly metricsNamespace?: string }) => {
    const settings = Settings.telemetrySettings({ ...lambda, ...env }, options)
    if (settings.off) throw new Error(`off: ${settings.problems.join("; ")}`)
    return settings
  }

  it("is off without any variable, and lists the timeout variables", () => {
    expect(Settings.telemetrySettings(lambda)).toEqual({ off: true, problems: [] })
    expect(Settings.telemetrySettings({})).toEqual({ off: true, problems: [] })
    expect(Settings.TELEMETRY_VARIABLES).toContain("OTEL_EXPORTER_OTLP_TIMEOUT")
    expect(Settings.TELEMETRY_VARIABLES).toContain("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
  })

  it("builds the traces URL as OpenTelemetry's specification says", () => {
    const url = (env: Settings.TelemetryEnvironment) => on(env).otlp?.url
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe("http://collector:4318/v1/traces")
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toBe("http://collector:4318/v1/traces")
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example/otlp/" })).toBe("https://c.example/otlp/v1/traces")
    expect(url({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom" })).toBe("http://c:4318/custom")
    expect(url({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://generic:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://specific:4318/x/"
    })).toBe("http://specific:4318/x/")
  })

  it("reads headers and timeout; sends JSON, saying so when http/protobuf is asked for", () => {
    const otlp = on({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc, x-team = a%2Cb ,x-both=generic",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-both=specific",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500"
    }).otlp
    expect(otlp).toEqual({
      url: "http://c:4318/v1/traces",
      headers: { authorization: "Bearer abc", "x-team": "a,b", "x-both": "specific" },
      timeoutMs: 2500
    })
    const defaults = Settings.telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })
    expect(defaults.off ? undefined : defaults.otlp?.timeoutMs).toBe(10_000)
    // JSON is what is sent: no protocol set is no problem, http/protobuf is one line saying so.
    expect(defaults.problems).toEqual([])
    const specific = on({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "700"
    }).otlp
    expect(specific?.timeoutMs).toBe(700)
    const protobuf = Settings.telemetrySettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf"
    })
    expect(protobuf.off ? undefined : protobuf.otlp?.url).toBe("http://c:4318/v1/traces")
    expect(protobuf.problems).toEqual([expect.stringContaining("sent as http/json")])
    const badTimeout = on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_TIMEOUT: "soon" })
    expect(badTimeout.otlp?.timeoutMs).toBe(10_000)
    expect(badTimeout.problems).toEqual([expect.stringContaining("OTEL_EXPORTER_OTLP_TIMEOUT")])
  })

  it("turns OTLP off for grpc, an unknown protocol, a bad URL, or OTEL_SDK_DISABLED, saying why", () => {
    const grpc = Settings.telemetrySettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc"
    })
    expect(grpc.off).toBe(true)
    expect(grpc.problems).toEqual([expect.stringMatching(/"grpc".*use http\/json/)])
    const other = Settings.telemetrySettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "thrift",
      POWERTOOLS_METRICS_NAMESPACE: "Shop"
    })
    expect(other.off).toBe(false)
    expect(other.off ? undefined : other.otlp).toBeUndefined()
    expect(other.problems).toEqual([expect.stringContaining("\"thrift\"")])
    expect(Settings.telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }).problems).toEqual([
      expect.stringContaining("not an http(s) URL")
    ])
    for (const value of ["true", "TRUE", "True"]) {
      expect(Settings.telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: value }))
        .toEqual({ off: true, problems: [] })
    }
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "false" }).otlp).toBeDefined()
  })

  it("reads the X-Ray daemon's UDP address in both forms", () => {
    expect(on({ AWS_XRAY_DAEMON_ADDRESS: "127.0.0.1:2000" }).xray).toEqual({ host: "127.0.0.1", port: 2000 })
    expect(on({ AWS_XRAY_DAEMON_ADDRESS: "tcp:127.0.0.1:2000 udp:127.0.0.2:2001" }).xray).toEqual({
      host: "127.0.0.2",
      port: 2001
    })
    expect(on({ AWS_XRAY_DAEMON_ADDRESS: "udp:127.0.0.2:2001 tcp:127.0.0.1:2000" }).xray?.port).toBe(2001)
    expect(on({ AWS_XRAY_DAEMON_ADDRESS: "[::1]:2000" }).xray).toEqual({ host: "::1", port: 2000 })
    for (const bad of ["127.0.0.1", "127.0.0.1:99999", ":2000", "[]:2000", "tcp:127.0.0.1:2000", "localhost:port"]) {
      const settings = Settings.telemetrySettings({ AWS_XRAY_DAEMON_ADDRESS: bad })
      expect(settings.off, bad).toBe(true)
      expect(settings.problems, bad).toEqual([expect.stringContaining("AWS_XRAY_DAEMON_ADDRESS")])
    }
  })

  it("turns EMF on from the namespace (variable or option) unless Powertools' metrics are disabled", () => {
    expect(on({ POWERTOOLS_METRICS_NAMESPACE: "Shop" }).emf).toEqual({ namespace: "Shop", service: "orders" })
    expect(on({}, { metricsNamespace: "Opt" }).emf).toEqual({ namespace: "Opt", service: "orders" })
    expect(on({ POWERTOOLS_METRICS_NAMESPACE: "Shop", POWERTOOLS_SERVICE_NAME: "checkout" }).emf?.service)
      .toBe("checkout")
    expect(on({ POWERTOOLS_METRICS_NAMESPACE: "Shop", OTEL_SERVICE_NAME: "svc" }).emf?.service).toBe("svc")
    expect(Settings.telemetrySettings({ POWERTOOLS_METRICS_NAMESPACE: "Shop", POWERTOOLS_METRICS_DISABLED: "TRUE" }))
      .toEqual({ off: true, problems: [] })
    const emfOnly = on({ POWERTOOLS_METRICS_NAMESPACE: "Shop" })
    expect(emfOnly.otlp).toBeUndefined()
    expect(emfOnly.xray).toBeUndefined()
  })

  it("describes the resource, OTEL_RESOURCE_ATTRIBUTES over Lambda's, OTEL_SERVICE_NAME over both", () => {
    expect(on({ POWERTOOLS_METRICS_NAMESPACE: "Shop" }).resource).toEqual({
      "service.name": "orders",
      "cloud.provider": "aws",
      "cloud.platform": "aws_lambda",
      "cloud.region": "eu-west-1",
      "faas.name": "orders",
      "faas.version": "$LATEST",
      "faas.instance": "2026/12/05/[$LATEST]abc",
      "faas.max_memory": 512 * 1024 * 1024
    })
    const custom = on({
      POWERTOOLS_METRICS_NAMESPACE: "Shop",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod%20eu,service.name=from-attributes,team=a=b"
    })
    expect(custom.resource["deployment.environment"]).toBe("prod eu")
    expect(custom.resource["team"]).toBe("a=b")
    expect(custom.serviceName).toBe("from-attributes")
    const explicit = on({
      POWERTOOLS_METRICS_NAMESPACE: "Shop",
      OTEL_SERVICE_NAME: "explicit",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes,novalue"
    })
    expect(explicit.serviceName).toBe("explicit")
    expect(explicit.resource["service.name"]).toBe("explicit")
    expect(explicit.problems).toEqual([expect.stringContaining("novalue")])
    expect(on({ POWERTOOLS_METRICS_NAMESPACE: "Shop", OTEL_RESOURCE_ATTRIBUTES: "service.name=" }).serviceName)
      .toBe("orders")
    expect(Settings.telemetrySettings({ POWERTOOLS_METRICS_NAMESPACE: "Shop" })).toMatchObject({
      serviceName: "unknown_service:node"
    })
  })
})

describe("faas", () => {
  const expected: Record<string, Faas.Trigger> = {
    "apigw-v1": "http",
    "apigw-v2": "http",
    "function-url": "http",
    alb: "http",
    sqs: "pubsub",
    "sqs-fifo": "pubsub",
    sns: "pubsub",
    s3: "datasource",
    eventbridge: "pubsub",
    dynamodb: "datasource",
    kinesis: "pubsub",
    scheduled: "timer"
  }
  const handWritten: Record<string, readonly [unknown, Faas.Trigger]> = {
    msk: [{ eventSource: "aws:kafka", eventSourceArn: "arn:aws:kafka:x", records: { "t-0": [] } }, "pubsub"],
    selfManagedKafka: [{ eventSource: "SelfManagedKafka", records: {} }, "pubsub"],
    mq: [{ eventSource: "aws:mq", eventSourceArn: "arn:aws:mq:x", messages: [] }, "pubsub"],
    rabbit: [{ eventSource: "aws:rmq", rmqMessagesByQueue: {} }, "pubsub"],
    scheduler: [{ "detail-type": "Custom", source: "aws.scheduler", detail: {} }, "timer"],
    custom: [{ "detail-type": "OrderPlaced", source: "shop", detail: { requestContext: "x" } }, "pubsub"],
    emptyRecords: [{ Records: [] }, "other"],
    unknownRecords: [{ Records: [{ eventSource: "aws:ses" }] }, "other"],
    sqsBodyMentioningS3: [{
      Records: [{ body: "{\"eventSource\":\"aws:s3\",\"requestContext\":{}}", eventSource: "aws:sqs" }]
    }, "pubsub"],
    httpBodyMentioningSqs: [{
      requestContext: { http: { method: "POST" } },
      body: "{\"Records\":[{\"eventSource\":\"aws:sqs\"}]}"
    }, "http"],
    cloudTrailViaEventBridge: [{
      version: "0",
      id: "e-1",
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.apigateway",
      detail: { eventSource: "apigateway.amazonaws.com", requestParameters: { httpMethod: "GET" } }
    }, "pubsub"],
    restApiWithoutContext: [{ resource: "/", path: "/", httpMethod: "GET", headers: {} }, "http"],
    httpApiWithoutContext: [{ version: "2.0", routeKey: "$default", rawPath: "/", headers: {} }, "http"],
    notTheShape: [{ Records: "none", requestContext: "none", httpMethod: 1, eventSource: {} }, "other"],
    plain: [{ orderId: "o-1" }, "other"],
    emptyObject: [{}, "other"],
    array: [[1, 2], "other"],
    string: ["text", "other"],
    number: [42, "other"],
    nullValue: [null, "other"]
  }

  it("knows each sample event's trigger, from the value and from its text", () => {
    for (const name of sampleNames) {
      expect(Faas.triggerOf(samples[name]), name).toBe(expected[name])
      expect(Faas.triggerOfBody(JSON.stringify(samples[name])), name).toBe(expected[name])
      expect(Faas.triggerOfBody(JSON.stringify(samples[name], null, 2)), `${name} indented`).toBe(expected[name])
      expect(Faas.triggerOfBytes(Buffer.from(JSON.stringify(samples[name]))), `${name} bytes`).toBe(expected[name])
    }
  })

  it("agrees on hand-written events, whatever their spacing", () => {
    for (const [name, [event, trigger]] of Object.entries(handWritten)) {
      expect(Faas.triggerOf(event), name).toBe(trigger)
      expect(Faas.triggerOfBody(JSON.stringify(event)), name).toBe(trigger)
      expect(Faas.triggerOfBody(JSON.stringify(event, null, "\t")), `${name} indented`).toBe(trigger)
    }
    expect(Faas.triggerOfBody("")).toBe("other")
    expect(Faas.triggerOfBody("not json")).toBe("other")
  })

  it("finds the first record's source beyond the first 4 KB (a large DynamoDB image)", () => {
    const image = { big: { S: "x".repeat(10_000) } }
    const event = { Records: [{ eventID: "1", dynamodb: { NewImage: image }, eventSource: "aws:dynamodb" }] }
    expect(Faas.triggerOf(event)).toBe("datasource")
    expect(Faas.triggerOfBody(JSON.stringify(event))).toBe("datasource")
    // From the invocation's bytes: beyond the first 4 KB only for a batch of records.
    expect(Faas.triggerOfBytes(Buffer.from(JSON.stringify(event)))).toBe("datasource")
    expect(Faas.triggerOfBytes(Buffer.from(JSON.stringify({ payload: "x".repeat(10_000), eventSource: "aws:sqs" }))))
      .toBe("other")
  })

  it("recognises an HTTP request whose headers push requestContext beyond the first 4 KB", () => {
    const cookies = Array.from({ length: 200 }, (_, i) => `c${i}=${"v".repeat(20)}`).join("; ")
    const event = {
      resource: "/",
      path: "/",
      httpMethod: "GET",
      headers: { cookie: cookies },
      multiValueHeaders: { cookie: [cookies] },
      requestContext: { httpMethod: "GET" },
      body: null
    }
    expect(JSON.stringify(event).indexOf("requestContext")).toBeGreaterThan(4096)
    expect(Faas.triggerOf(event)).toBe("http")
    expect(Faas.triggerOfBody(JSON.stringify(event))).toBe("http")
  })

  it("never throws on hostile events", () => {
    const throwing = Object.defineProperty({}, "Records", {
      get() {
        throw new Error("no")
      }
    })
    const revoked = Proxy.revocable({}, {})
    revoked.revoke()
    for (
      const event of [
        throwing,
        revoked.proxy,
        { Records: [revoked.proxy] },
        ...Object.values(hostile).map((f) => f())
      ]
    ) {
      expect(["other", "http", "pubsub", "datasource", "timer"]).toContain(Faas.triggerOf(event))
    }
  })

  it("gives the invocation's attributes, the account from a well-formed ARN only", () => {
    const base = { requestId: "r-1", coldStart: true, trigger: "http" as const, region: "eu-west-1" }
    expect(
      Faas.invocationAttributes({
        ...base,
        invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders:live"
      })
    )
      .toEqual({
        "faas.invocation_id": "r-1",
        "faas.coldstart": true,
        "faas.trigger": "http",
        "cloud.provider": "aws",
        "cloud.region": "eu-west-1",
        "cloud.account.id": "123456789012",
        "aws.lambda.invoked_arn": "arn:aws:lambda:eu-west-1:123456789012:function:orders:live"
      })
    for (const arn of ["", "orders", "arn:aws:lambda:eu-west-1:function:orders", "arn:aws:s3:::bucket"]) {
      expect(Faas.invocationAttributes({ ...base, invokedFunctionArn: arn }), arn).not.toHaveProperty(
        "cloud.account.id"
      )
    }
  })
})

const span = (overrides: Partial<Spans.FinishedSpan> = {}): Spans.FinishedSpan =>
  finishedSpan({
    traceId: TRACE_ID,
    spanId: "1111111111111111",
    parentSpanId: "53995c3f42cd8ad8",
    startNs: 1_700_000_000_000_000_000n,
    endNs: 1_700_000_000_250_000_000n,
    attributes: new Map<string, unknown>([["faas.trigger", "http"]]),
    ...overrides
  })

describe("spans", () => {
  it("buffers up to its capacity, counts the rest, and take() empties it", () => {
    const buffer = new Spans.SpanBuffer(3)
    expect(buffer.isEmpty()).toBe(true)
    for (let i = 0; i < 5; i++) buffer.push(span({ spanId: `${i}`.padStart(16, "0") }))
    expect(buffer.dropped).toBe(2)
    const taken = buffer.take()
    expect(taken.map((s) => s.spanId.slice(-1))).toEqual(["0", "1", "2"])
    expect(buffer.isEmpty()).toBe(true)
    expect(buffer.dropped).toBe(0)
    buffer.push(span())
    expect(taken).toHaveLength(3)
    expect(buffer.take()).toHaveLength(1)
  })

  it("names a failure by its _tag, else an Error's name, else Error", () => {
    class NotFound extends Error {
      readonly _tag = "NotFound"
    }
    expect(Spans.failureOf(new NotFound("no order"), false)).toMatchObject({
      type: "NotFound",
      message: "no order",
      defect: false
    })
    expect(Spans.failureOf({ _tag: "Timeout", message: "slow" }, false)).toEqual({
      type: "Timeout",
      message: "slow",
      stack: undefined,
      defect: false
    })
    const typeError = Spans.failureOf(new TypeError("bad"), true)
    expect(typeError).toMatchObject({ type: "TypeError", message: "bad", defect: true })
    expect(typeError.stack).toContain("TypeError: bad")
    expect(Spans.failureOf({ name: "NotAnError" }, false)).toMatchObject({
      type: "Error",
      message: "{\"name\":\"NotAnError\"}"
    })
    expect(Spans.failureOf("boom", true)).toEqual({ type: "Error", message: "boom", stack: undefined, defect: true })
    expect(Spans.failureOf(undefined, true).message).toBe("undefined")
  })

  it("never throws on hostile values", () => {
    for (const [name, make] of Object.entries(hostile)) {
      const failure = Spans.failureOf(make(), false)
      expect(typeof failure.type, name).toBe("string")
      expect(typeof failure.message, name).toBe("string")
    }
    expect(Spans.failureOf(hostile.throwingTag!(), false)).toMatchObject({ type: "Error", message: "tagged" })
    expect(Spans.failureOf(hostile.emptyTag!(), false).type).toBe("Error")
  })
})

describe("otlp", () => {
  it("writes attribute values as OTLP's AnyValue", () => {
    expect(Otlp.otlpValue("s")).toEqual({ stringValue: "s" })
    expect(Otlp.otlpValue(true)).toEqual({ boolValue: true })
    expect(Otlp.otlpValue(42)).toEqual({ intValue: 42 })
    expect(Otlp.otlpValue(1.5)).toEqual({ doubleValue: 1.5 })
    expect(Otlp.otlpValue(10n)).toEqual({ intValue: 10 })
    expect(Otlp.otlpValue(2n ** 60n)).toEqual({ stringValue: "1152921504606846976" })
    expect(Otlp.otlpValue(-(2n ** 53n) + 1n)).toEqual({ intValue: -(2 ** 53) + 1 })
    expect(Otlp.otlpValue(2 ** 60)).toEqual({ doubleValue: 2 ** 60 })
    expect(Otlp.otlpValue(2n ** 70n)).toEqual({ stringValue: "1180591620717411303424" })
    expect(Otlp.otlpValue([1, "a"])).toEqual({ arrayValue: { values: [{ intValue: 1 }, { stringValue: "a" }] } })
    expect(Otlp.otlpValue({ a: 1, b: { c: false } })).toEqual({
      kvlistValue: {
        values: [
          { key: "a", value: { intValue: 1 } },
          { key: "b", value: { kvlistValue: { values: [{ key: "c", value: { boolValue: false } }] } } }
        ]
      }
    })
    expect(Otlp.otlpValue(new Date("2026-12-05T00:00:00Z"))).toEqual({ stringValue: "2026-12-05T00:00:00.000Z" })
    expect(Otlp.otlpValue(null)).toEqual({ stringValue: "null" })
    expect(Otlp.otlpValue(new Map([["k", 1]]))).toHaveProperty("stringValue")
    for (const [name, make] of Object.entries(hostile)) {
      expect(() => JSON.stringify(Otlp.otlpValue(make())), name).not.toThrow()
    }
  })

  it("writes a failed, an interrupted and a linked span", () => {
    const failed = span({
      spanId: "2222222222222222",
      failures: [
        { type: "NotFound", message: "no order", stack: "NotFound: no order\n    at x", defect: false },
        { type: "Error", message: "second", stack: undefined, defect: true }
      ],
      events: [{ name: "cache miss", timeNs: 1_700_000_000_100_000_000n, attributes: { key: "o-1" } }]
    })
    const interrupted = span({
      spanId: "3333333333333333",
      kind: "internal",
      interrupted: true,
      parentSpanId: undefined
    })
    const linked = span({
      spanId: "4444444444444444",
      kind: "consumer",
      links: [{ traceId: TRACE_ID, spanId: "53995c3f42cd8ad8", attributes: { "messaging.message.id": "m-1" } }]
    })
    const data = Otlp.toTraceData(
      [failed, interrupted, linked],
      { "service.name": "orders", "faas.max_memory": 1024 },
      "1.2.3"
    )
    expect(data.resourceSpans).toHaveLength(1)
    const [resourceSpans] = data.resourceSpans
    expect(resourceSpans!.resource.attributes).toEqual([
      { key: "service.name", value: { stringValue: "orders" } },
      { key: "faas.max_memory", value: { intValue: 1024 } }
    ])
    expect(resourceSpans!.scopeSpans[0]!.scope).toEqual({ name: "effect-lambda-runtime", version: "1.2.3" })
    const [f, i, l] = resourceSpans!.scopeSpans[0]!.spans
    expect(f).toMatchObject({
      traceId: TRACE_ID,
      spanId: "2222222222222222",
      parentSpanId: "53995c3f42cd8ad8",
      kind: 2,
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000000250000000",
      status: { code: 2, message: "no order" },
      attributes: [{ key: "faas.trigger", value: { stringValue: "http" } }]
    })
    expect(f!.events).toEqual([
      {
        name: "cache miss",
        timeUnixNano: "1700000000100000000",
        attributes: [{ key: "key", value: { stringValue: "o-1" } }],
        droppedAttributesCount: 0
      },
      {
        name: "exception",
        timeUnixNano: "1700000000250000000",
        attributes: [
          { key: "exception.type", value: { stringValue: "NotFound" } },
          { key: "exception.message", value: { stringValue: "no order" } },
          { key: "exception.stacktrace", value: { stringValue: "NotFound: no order\n    at x" } }
        ],
        droppedAttributesCount: 0
      },
      expect.objectContaining({ name: "exception", timeUnixNano: "1700000000250000000" })
    ])
    expect(i).toMatchObject({ kind: 1, parentSpanId: undefined, status: { code: 0 }, events: [] })
    expect(i!.attributes).toContainEqual({ key: "effect.fiber.interrupted", value: { boolValue: true } })
    expect(l).toMatchObject({
      kind: 5,
      status: { code: 0 },
      links: [{
        traceId: TRACE_ID,
        spanId: "53995c3f42cd8ad8",
        attributes: [{ key: "messaging.message.id", value: { stringValue: "m-1" } }],
        droppedAttributesCount: 0
      }]
    })
    expect(l!.attributes).not.toContainEqual(expect.objectContaining({ key: "effect.fiber.interrupted" }))
    expect(Otlp.OTLP_SPAN_KIND).toEqual({ internal: 1, server: 2, client: 3, producer: 4, consumer: 5 })
  })

  it("warns once per failure streak, pauses 60 s, and a success ends the streak", () => {
    const streak = new Otlp.FailureStreak("OTLP export to http://c:4318/v1/traces")
    expect(streak.paused(0)).toBe(false)
    const warning = streak.failed(1_000, "ECONNREFUSED")
    expect(warning).toContain("OTLP export to http://c:4318/v1/traces failed (ECONNREFUSED)")
    expect(warning).toContain("60 s")
    expect(streak.paused(1_000)).toBe(true)
    expect(streak.paused(60_999)).toBe(true)
    expect(streak.paused(61_000)).toBe(false)
    expect(streak.failed(61_000, "status 503")).toBeUndefined()
    expect(streak.paused(61_001)).toBe(true)
    streak.succeeded()
    expect(streak.paused(61_001)).toBe(false)
    expect(streak.failed(70_000, "timeout")).toContain("timeout")
    expect(new Otlp.FailureStreak("X", 5_000).failed(0, "e")).toContain("5 s")
  })
})

describe("fakeCollector", () => {
  it("records JSON and protobuf requests, answers with the status and delay set", async () => {
    const collector = await FakeCollector.start()
    try {
      const data = Otlp.toTraceData([span()], { "service.name": "orders" }, "1.0.0")
      const next = collector.nextRequest()
      const response = await fetch(`${collector.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer abc" },
        body: JSON.stringify(data)
      })
      expect(response.status).toBe(200)
      const request = await next
      expect(request).toMatchObject({ method: "POST", path: "/v1/traces", contentType: "application/json" })
      expect(request.headers.authorization).toBe("Bearer abc")
      expect(request.json).toEqual(JSON.parse(JSON.stringify(data)))
      expect(collector.spans()).toEqual([expect.objectContaining({ spanId: "1111111111111111", name: "orders" })])

      collector.setStatus(503)
      const failed = await fetch(`${collector.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: new Uint8Array([10, 0])
      })
      expect(failed.status).toBe(503)
      const protobuf = await collector.nextRequest()
      expect(protobuf.contentType).toBe("application/x-protobuf")
      expect([...protobuf.body]).toEqual([10, 0])
      expect(protobuf.json).toBeUndefined()
      expect(collector.requests).toHaveLength(2)
      expect(collector.spans()).toHaveLength(1)

      // A delayed answer: the request is recorded at once, the response waits.
      collector.setStatus(200)
      collector.setDelay(60_000)
      const slow = fetch(`${collector.url}/v1/traces`, { method: "POST", body: "{}" }).then(
        (r) => r.status,
        () => "cut" as const
      )
      await collector.nextRequest()
      expect(collector.requests).toHaveLength(3)
      await collector.close()
      expect(await slow).toBe("cut")
    } finally {
      await collector.close().catch(() => undefined)
    }
  })
})
