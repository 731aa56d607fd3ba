// The telemetry suite's function on the Effect 4 line: the same handler as
// bench/functions/telemetry.ts on the Effect 3 line (bench/telemetry.ts runs both).
import { Effect, Metric } from "effect"
import type { LambdaContextShape } from "../../src/index.js"
import { LambdaRuntime } from "../../src/index.js"
import { auditRecord, parseOrder, price } from "../../../../bench/functions/telemetry/order.js"

const orders = Metric.counter("orders")

LambdaRuntime.run((event: { readonly body: string }, context: LambdaContextShape) =>
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
    yield* Metric.update(orders, 1)
    return priced
  }), { registerExtension: false })
