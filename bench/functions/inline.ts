// The same 200 ms task awaited inside the handler: what a user must do without detached work.
import { Effect } from "effect"
import { LambdaRuntime } from "../../src/index.js"

LambdaRuntime.run((event: { readonly n: number }) =>
  Effect.gen(function*() {
    yield* Effect.sleep("200 millis")
    return { ok: true, echo: event.n }
  }), { registerExtension: false })
