/**
 * The runtime's own timers (src/internal/runtime/timers.ts): the times of `at` share one Node timer.
 * Real time, short delays; each test waits for the events it checks, not for a duration.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import { at } from "../src/internal/core/timers.js"
import { projectFile } from "./process.js"

describe("at (shared timer)", () => {
  it.live("times fire in time order, a later-added earlier time included, and cancelled ones never", () =>
    Effect.gen(function*() {
      const fired: Array<string> = []
      const last = yield* Deferred.make<void>()
      const now = Date.now()
      at(now + 60, () => {
        fired.push("60")
        Deferred.unsafeDone(last, Exit.void)
      })
      const cancel = at(now + 20, () => fired.push("20 (cancelled)"))
      // Earlier than the time the shared timer is armed for: it must not wait for that one.
      at(now + 10, () => fired.push("10"))
      at(now + 40, () => fired.push("40"))
      cancel()
      yield* Deferred.await(last)
      expect(fired).toEqual(["10", "40", "60"])
    }))

  it.live("a time set from inside another's callback fires too", () =>
    Effect.gen(function*() {
      const done = yield* Deferred.make<number>()
      at(Date.now() + 5, () => at(Date.now() + 5, () => Deferred.unsafeDone(done, Exit.succeed(2))))
      expect(yield* Deferred.await(done)).toBe(2)
    }))

  it.scopedLive(
    "cancelled times do not keep the process alive; pending ones do until they fire",
    () =>
      Effect.gen(function*() {
        const script = [
          `import { at } from ${JSON.stringify(projectFile("src/internal/runtime/timers.ts"))}`,
          // A near time, then a far one, cancelled later from a plain timer: once the near one
          // fired, nothing is pending and the process may exit.
          `at(Date.now() + 5, () => console.log("near fired"))`,
          `const cancel = at(Date.now() + 3_600_000, () => console.log("far fired"))`,
          `setTimeout(() => { cancel(); console.log("far cancelled") }, 30)`
        ].join("\n")
        const exited = yield* Deferred.make<{ code: number | null; stdout: string }>()
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          stdio: ["ignore", "pipe", "inherit"]
        })
        let stdout = ""
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
        child.on("exit", (code) => Deferred.unsafeDone(exited, Exit.succeed({ code, stdout })))
        yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
        // Not a time limit: without the unref of an idle shared timer the child would live an hour,
        // and the test would never see it exit.
        expect(yield* Deferred.await(exited)).toEqual({ code: 0, stdout: "near fired\nfar cancelled\n" })
      }),
    { timeout: 30_000 }
  )
})
