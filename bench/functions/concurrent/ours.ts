// The concurrent benchmark on this runtime: an Effect handler that waits on one loopback HTTP
// call (about 20 ms, see io.ts) and returns a small JSON. AWS_LAMBDA_MAX_CONCURRENCY comes from
// the bench's environment.
import { Effect } from "effect"
import { LambdaRuntime } from "../../../src/index.js"
import { callIo } from "./io.js"

LambdaRuntime.run(
  (event: { readonly n: number }) =>
    Effect.tryPromise((signal) => callIo(signal)).pipe(Effect.map((io) => ({ ok: true, echo: event.n, io }))),
  { registerExtension: false }
)
