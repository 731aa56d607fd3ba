/**
 * Detached work: the response is posted as soon as the handler returns; the metrics flush
 * forked into `context.detachedScope` runs after it and is finished before the runtime asks
 * for the next invocation (or interrupted at the deadline, with its finalizers run).
 */
import { Effect } from "effect"
import { LambdaContext } from "../../src/index.js"

/** Stands in for a call to a metrics backend that takes a while. */
const flushMetrics = (requestId: string) =>
  Effect.gen(function*() {
    yield* Effect.sleep("200 millis")
    yield* Effect.log(`metrics flushed for ${requestId}`)
  }).pipe(Effect.ensuring(Effect.logDebug("metrics flusher stopped")))

export const handler = (event: { readonly orderId?: string }, context: LambdaContext) =>
  Effect.gen(function*() {
    // Either form works: the explicit `forkIn` or the `detach` shorthand.
    yield* Effect.forkIn(flushMetrics(context.requestId), context.detachedScope)
    yield* LambdaContext.detach(Effect.log(`audit: order ${event?.orderId ?? "?"} accepted`))
    return { statusCode: 200, body: JSON.stringify({ accepted: event?.orderId ?? null }) }
  })
