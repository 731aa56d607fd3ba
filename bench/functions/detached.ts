// This runtime with a handler that detaches a 200 ms task per invocation.
import { Effect } from "effect"
import { LambdaContext, LambdaRuntime } from "../../src/index.js"

LambdaRuntime.run((event: { readonly n: number }, context: LambdaContext) =>
  Effect.gen(function*() {
    yield* Effect.forkIn(Effect.sleep("200 millis"), context.detachedScope)
    return { ok: true, echo: event.n }
  }), { registerExtension: false })
