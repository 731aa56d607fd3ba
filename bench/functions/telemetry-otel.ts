// The telemetry suite's baseline (bench/telemetry.ts): the plain Node handler users write today
// on aws-lambda-ric with the OpenTelemetry SDK, bundled as a user bundles it. The same work as
// bench/functions/telemetry.ts: an invocation span, a "work" span, an "audit" span. The audit
// runs before the answer (a plain handler has no detached scope: Lambda freezes the process
// after the answer) and the spans are flushed before returning, `await provider.forceFlush()`,
// since a BatchSpanProcessor's timer does not run while Lambda has the process frozen.
// OTEL_EXPORTER_OTLP_ENDPOINT (the suite's fake collector) is read by the exporter itself.
// BENCH_OTEL=0: the same handler with no OpenTelemetry at all, for reference.
import { context, SpanKind, trace } from "@opentelemetry/api"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace"
import { auditRecord, parseOrder, price, type Priced } from "./telemetry/order.js"

const enabled = process.env.BENCH_OTEL !== "0"
const provider = enabled
  ? new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] })
  : undefined
const tracer = provider?.getTracer("bench")
/** The counter the Effect functions keep with `Metric.counter`. */
let orders = 0

export const handler = async (event: { readonly body: string }): Promise<Priced> => {
  const order = parseOrder(event)
  if (provider === undefined || tracer === undefined) {
    const priced = price(order)
    void auditRecord(order, priced)
    orders++
    return priced
  }
  // No context manager is registered (none is needed for three spans): the parent is passed.
  const invocation = tracer.startSpan(process.env.AWS_LAMBDA_FUNCTION_NAME ?? "handler", { kind: SpanKind.SERVER })
  const parent = trace.setSpan(context.active(), invocation)
  const work = tracer.startSpan("work", undefined, parent)
  const priced = price(order)
  work.end()
  const audit = tracer.startSpan("audit", undefined, parent)
  audit.setAttribute("audit.record", auditRecord(order, priced))
  audit.end()
  orders++
  invocation.setAttribute("orders", orders)
  invocation.end()
  await provider.forceFlush()
  return priced
}
