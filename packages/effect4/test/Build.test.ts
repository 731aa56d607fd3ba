/**
 * `effect-lambda build` on an Effect 4 function: the bundle carries Effect 4, the code cache is
 * trained by this line's runtime (its warm-up, never the user's handler), and the built
 * `bootstrap` serves through the emulator as Lambda starts it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"

const example = fileURLToPath(new URL("../examples/hello.ts", import.meta.url))

describe("Effect 4: effect-lambda build", () => {
  it.live("builds hello.ts with a code cache trained on this Node, and the bootstrap serves it", () =>
    Effect.gen(function*() {
      const outdir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "effect4-build-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const build = yield* Build.build({ entry: example, outdir, nodeBinary: process.execPath })
      expect(build.warnings).toEqual([])
      // Trained: this line's runtime served the warm-up's invocations before the cache was written.
      expect(build.codeCache).toMatchObject({ trained: true })
      expect(build.codeCache?.bytes).toBeGreaterThan(0)
      // Effect 4's values carry this key; Effect 3's a symbol named "effect/Effect".
      expect(readFileSync(build.bundle, "utf8")).toContain("~effect/Effect")
      const emulator = yield* Emulator.make()
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(build.bootstrap, [], {
            cwd: outdir,
            env: { ...emulator.environment, EFFECT_LAMBDA_NODE: process.execPath, LAMBDA_TASK_ROOT: outdir },
            stdio: ["ignore", "pipe", "pipe"]
          })
        ),
        (child) => Effect.sync(() => child.kill("SIGKILL"))
      )
      let stderr = ""
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
      const record = yield* emulator.invoke({ name: "Grace" })
      expect(record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : record.outcome).toEqual({
        greeting: "hello, Grace",
        requestId: record.requestId
      })
      child.kill("SIGTERM")
      expect(yield* Effect.promise(() => exited)).toBe(0)
      // The cache was accepted: the loader says nothing when it is.
      expect(stderr).toBe("")
    }))
  it.effect("an entry with dropIn: true is a BuildError, before anything is bundled (the drop-in build: DropIn.test.ts)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Build.build({ entry: example, dropIn: true, outdir: join(tmpdir(), "effect4-no-drop-in") } as never)
      )
      expect(error).toBeInstanceOf(Build.BuildError)
      expect(error).toMatchObject({ _tag: "BuildError", stage: "bundle" })
      expect(error.message).toBe("effect-lambda build (bundle): an entry and dropIn: true exclude each other")
    }))
})
