/**
 * Traces and metrics with no tracing code: the runtime puts each invocation in a span, the
 * handler's `Effect.fn` and `Effect.withSpan` spans nest under it, the detached audit's span stays
 * in the trace, and the `Metric`s become CloudWatch EMF lines. All of it is exported after the
 * response. What turns it on is the environment:
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318   (an ADOT or any OTLP collector)
 *   AWS_XRAY_DAEMON_ADDRESS (set by Lambda when active tracing is on)
 *   POWERTOOLS_METRICS_NAMESPACE=Shop                    (EMF lines in the function's logs)
 *
 *   POWERTOOLS_METRICS_NAMESPACE=Shop npx effect-lambda run examples/observability.ts \
 *     --event '{"orderId":"o-1","quantity":2}'
 */
import { Data, Effect, Metric, MetricBoundaries, Schema } from "effect"
import { LambdaContext, LambdaRuntime } from "../src/index.js"

const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Int })

class OrderRejected extends Data.TaggedError("OrderRejected")<{ readonly orderId: string; readonly reason: string }> {}

const ordersPlaced = Metric.counter("OrdersPlaced").pipe(Metric.tagged("channel", "web"))
const orderSize = Metric.histogram("OrderSize", MetricBoundaries.fromIterable([1, 5, 10, 50]))

/** A span of its own, named `reserveStock`, with the order id as an attribute. */
const reserveStock = Effect.fn("reserveStock")(function*(order: typeof Order.Type) {
  yield* Effect.annotateCurrentSpan("order.id", order.orderId)
  if (order.quantity <= 0) return yield* new OrderRejected({ orderId: order.orderId, reason: "nothing ordered" })
  yield* Effect.log(`reserved ${order.quantity} for ${order.orderId}`)
})

LambdaRuntime.run((event: unknown) =>
  Effect.gen(function*() {
    const order = yield* Schema.decodeUnknown(Order)(event)
    yield* reserveStock(order)
    yield* Metric.increment(ordersPlaced)
    yield* Metric.update(orderSize, order.quantity)
    // After the response: in the same trace, exported with it before the next invocation.
    const { detachedScope } = yield* LambdaContext
    yield* Effect.forkIn(
      Effect.log(`audit: order ${order.orderId}`).pipe(Effect.withSpan("audit")),
      detachedScope
    )
    return { orderId: order.orderId, accepted: true }
  })
)
