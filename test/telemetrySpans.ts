/**
 * A finished span for the telemetry core's unit tests (test/TelemetryCore.test.ts,
 * test/TelemetryExport.test.ts): a successful, sampled SERVER span named `orders`, 100 ms long,
 * with what a test sets over it.
 */
import type { FinishedSpan } from "../src/internal/core/telemetry/spans.js"

export const finishedSpan = (overrides: Partial<FinishedSpan> = {}): FinishedSpan => ({
  traceId: "5759e988bd862e3fe1be46a994272793",
  spanId: "a1b2c3d4e5f60718",
  parentSpanId: undefined,
  name: "orders",
  kind: "server",
  startNs: 1_733_000_000_123_456_789n,
  endNs: 1_733_000_000_223_456_789n,
  attributes: new Map(),
  events: [],
  links: [],
  failures: [],
  interrupted: false,
  sampled: true,
  ...overrides
})
