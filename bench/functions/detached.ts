// This runtime with a handler that detaches a 200 ms task per invocation. The response carries
// evidence the bench server checks: how many detached tasks had started and finished when the
// handler ran, and when the last one finished (epoch ms), which must precede this invocation's /next.
import { Effect } from "effect"
import { LambdaContext, LambdaRuntime } from "../../src/index.js"

let started = 0
let finished = 0
let lastFinishedAt = 0

LambdaRuntime.run((event: { readonly n: number }, context: LambdaContext) =>
  Effect.gen(function*() {
    started++
    const evidence = { ok: true, echo: event.n, started, finished, lastFinishedAt }
    yield* Effect.forkIn(
      Effect.sleep("200 millis").pipe(Effect.zipRight(Effect.sync(() => {
        finished++
        lastFinishedAt = performance.timeOrigin + performance.now()
      }))),
      context.detachedScope
    )
    return evidence
  }), { registerExtension: false })
