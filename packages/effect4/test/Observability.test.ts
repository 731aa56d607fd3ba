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
import { Samples } from "../src/internal/core.js"
import { emulator, responseOf, spawnFunction } from "./process.js"

const OBSERVED = "test/fixtures/observed.ts"
const HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
const TRACE_ID = "5759e988bd862e3fe1be46a994272793"
const now = () => performance.timeOrigin + performance.now()

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
})

void Samples
void now
void daemonScoped
