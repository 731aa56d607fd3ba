/**
 * Detached work on the Effect 4 line: the response is posted as soon as the handler returns; the
 * metrics flush forked into `context.detachedScope` runs after it and is finished before the
 * runtime asks for the next invocation (or interrupted at the deadline, with its finalizers run).
 *
 *   PATH=<Node 22>:$PATH npx effect-lambda run packages/effect4/examples/detached.ts --event examples/events/order.json --count 3
 */
import { Effect } from "effect"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

/** Stands in for a call to a metrics backend that takes a while. */
const flushMetrics = (requestId: string) =>
  Effect.gen(function*() {
    yield* Effect.sleep("200 millis")
    yield* Effect.log(`metrics flushed for ${requestId}`)
  }).pipe(Effect.ensuring(Effect.logDebug("metrics flusher stopped")))

LambdaRuntime.run((event: { readonly orderId?: string }) =>
  Effect.gen(function*() {
    const context = yield* LambdaContext
    yield* Effect.forkIn(flushMetrics(context.requestId), context.detachedScope)
    // Either form works: the explicit `forkIn` or the `detach` shorthand.
    yield* LambdaContext.detach(Effect.log(`audit: order ${event?.orderId ?? "?"} accepted`))
    return { statusCode: 200, body: JSON.stringify({ accepted: event?.orderId ?? null }) }
  })
)
