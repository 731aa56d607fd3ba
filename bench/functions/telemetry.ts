// The telemetry suite's function on the Effect 3 line (bench/telemetry.ts): the order's JSON
// parsed, priced in a "work" span, an "audit" span forked into the invocation's detached scope
// (it ends after the response), and a counter incremented. The same function runs with tracing
// off, OTLP, X-Ray and EMF: only the environment differs.
import { Effect, Metric } from "effect"
import type { LambdaContext } from "../../src/index.js"
import { LambdaRuntime } from "../../src/index.js"
import { auditRecord, parseOrder, price } from "./telemetry/order.js"

const orders = Metric.counter("orders")

LambdaRuntime.run((event: { readonly body: string }, context: LambdaContext) =>
  Effect.gen(function*() {
    const order = parseOrder(event)
    const priced = yield* Effect.sync(() => price(order)).pipe(Effect.withSpan("work"))
    yield* Effect.forkIn(
      // The record goes on the span, as an audit trail in traces would.
      Effect.suspend(() => Effect.annotateCurrentSpan("audit.record", auditRecord(order, priced))).pipe(
        Effect.withSpan("audit")
      ),
      context.detachedScope
    )
    yield* Metric.increment(orders)
    return priced
  }), { registerExtension: false })
