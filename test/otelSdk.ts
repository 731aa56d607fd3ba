/**
 * The OpenTelemetry SDK as a function outside Effect's tracing uses it (what `@effect/opentelemetry`'s
 * `NodeSdk` wraps): a tracer provider whose batch processor exports to `SDK_COLLECTOR_URL` on its
 * own schedule (not an `OTEL_*` variable, which would turn the runtime's own export on too). Both lines' `flushAfterResponse` fixtures
 * register `forceFlush` so that what it holds leaves before the process may be frozen.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace"

// A minute between the processor's own exports: only a flush sends anything during a test.
const processor = new BatchSpanProcessor({
  exporter: new OTLPTraceExporter({ url: process.env.SDK_COLLECTOR_URL ?? "http://127.0.0.1:4318/v1/traces" }),
  scheduledDelayMillis: 60_000
})
const provider = new TracerProvider({ spanProcessors: [processor] })

/** The SDK's flush: what the runtime is told to run after each response. */
export const forceFlush = (): Promise<void> => processor.forceFlush()

/** Records one ended span named `name` with the SDK. */
export const recordSpan = (name: string): void => {
  const span = provider.getTracer("test").startSpan(name)
  span.end()
}
