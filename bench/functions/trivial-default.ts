// The trivial handler with the runtime's default options: it registers its internal extension
// (so that Lambda would send SIGTERM) before asking for the first invocation.
import { Effect } from "effect"
import { LambdaRuntime } from "../../src/index.js"

LambdaRuntime.run((event: { readonly n: number }) => Effect.succeed({ ok: true, echo: event.n }))
