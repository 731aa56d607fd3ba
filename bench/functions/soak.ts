// The soak's function (bench/soak.ts): one handler, a behaviour per event kind, and a `stats`
// kind that reports the process's own RSS, heap and open handles, so the soak compares the
// process with itself before and after.
import { Data, Effect } from "effect"
import type { LambdaContext } from "../../src/index.js"
import { LambdaRuntime } from "../../src/index.js"

class SoakFailure extends Data.TaggedError("SoakFailure")<{ readonly n: number }> {}

export type SoakKind = "success" | "failure" | "defect" | "detached" | "timeout" | "stats"

let started = 0
let finished = 0

const stats = () => {
  // Run with --expose-gc: a collection first, so heap figures compare like with like.
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const memory = process.memoryUsage()
  const resources: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1
  const handles = (process as unknown as { _getActiveHandles?: () => ReadonlyArray<unknown> })._getActiveHandles?.()
    .length
  return {
    rssMb: memory.rss / 1048576,
    heapUsedMb: memory.heapUsed / 1048576,
    handles: handles ?? -1,
    resources,
    detached: { started, finished }
  }
}

LambdaRuntime.run(
  (
    event: { readonly kind: SoakKind; readonly n: number },
    context: LambdaContext
  ): Effect.Effect<unknown, SoakFailure> => {
    switch (event.kind) {
      case "success":
        return Effect.succeed({ ok: true, n: event.n })
      case "failure":
        return Effect.fail(new SoakFailure({ n: event.n }))
      case "defect":
        return Effect.die(new Error(`defect ${event.n}`))
      case "detached":
        return Effect.suspend(() => {
          // Evidence for the soak: every earlier detached task finished before this invocation.
          const evidence = { ok: true, n: event.n, started, finished }
          started++
          return Effect.forkIn(
            Effect.sleep("1 millis").pipe(Effect.zipRight(Effect.sync(() => void finished++))),
            context.detachedScope
          ).pipe(Effect.as(evidence))
        })
      case "timeout":
        return Effect.never
      case "stats":
        return Effect.sync(stats)
    }
  }
)
