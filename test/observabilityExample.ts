/**
 * What both lines' example tests check of `examples/observability.ts` (each line's copy, run as
 * a child process against the emulator with a fake collector and EMF on): the spans of one
 * order, nested in one trace, and its metrics. No Effect, no vitest: each suite asserts with
 * its own `expect` on what these functions return.
 */

/** The order the example is invoked with. */
export const observabilityEvent = { orderId: "o-1", quantity: 3 }

type Span = Record<string, unknown> & { readonly name: string; readonly spanId: string; readonly traceId: string }

/** The spans of one invocation as `[name, parent's name]`, sorted, and whether they share one trace. */
export const spanTree = (spans: ReadonlyArray<Record<string, unknown>>) => {
  const all = spans as ReadonlyArray<Span>
  const nameOf = (spanId: unknown) => all.find((span) => span.spanId === spanId)?.name
  return {
    tree: all.map((span) => [span.name, nameOf(span.parentSpanId) ?? null]).sort(),
    oneTrace: new Set(all.map((span) => span.traceId)).size === 1
  }
}

/** What {@link spanTree} must give for the example's invocation (the function is `test_function`). */
export const expectedSpanTree = {
  tree: [["audit", "test_function"], ["reserveStock", "test_function"], ["test_function", null]],
  oneTrace: true
}

/** The metric members of the EMF lines in `stdout` (`OrdersPlaced`, `OrderSize`, `ColdStart`). */
export const emfMetrics = (stdout: string) =>
  stdout.split("\n").filter((line) => line.startsWith("{") && line.includes("\"_aws\"")).map((line) => {
    const document = JSON.parse(line) as Record<string, unknown>
    const names = (document._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> })
      .CloudWatchMetrics.flatMap((directive) => directive.Metrics.map((metric) => metric.Name))
    return Object.fromEntries(names.map((name) => [name, document[name]]))
  })

/** What {@link emfMetrics} must give after one invocation. */
export const expectedEmfMetrics = [{ ColdStart: 1 }, { OrdersPlaced: 1 }, { OrderSize: { Values: [5], Counts: [1] } }]
