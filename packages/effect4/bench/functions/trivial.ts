// The Effect 4 line with a trivial Effect handler, bundled as a user would deploy it: the same
// handler as bench/functions/trivial.ts on the Effect 3 line (bench/lines.ts runs both).
import { Effect } from "effect"
import { LambdaRuntime } from "../../src/index.js"

LambdaRuntime.run((event: { readonly n: number }) => Effect.succeed({ ok: true, echo: event.n }), {
  registerExtension: false
})
