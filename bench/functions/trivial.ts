// This runtime with a trivial Effect handler, bundled as a user would deploy it.
import { Effect } from "effect"
import { LambdaRuntime } from "../../src/index.js"

LambdaRuntime.run((event: { readonly n: number }) => Effect.succeed({ ok: true, echo: event.n }), {
  registerExtension: false
})
