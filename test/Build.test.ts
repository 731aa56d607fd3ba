import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"
import { bootstrapScript } from "../src/internal/build.js"
import { projectFile } from "./process.js"

const outdir = () =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-lambda-build-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** Starts a built `bootstrap` the way Lambda does: an executable, `node` found on PATH. */
const startBootstrap = (bootstrap: string, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const exited = yield* Deferred.make<number>()
      const child = spawn(bootstrap, [], {
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      child.on("exit", (code) => Deferred.unsafeDone(exited, Exit.succeed(code ?? -1)))
      return { child, exited: Deferred.await(exited) }
    }),
    ({ child, exited }) =>
      Effect.suspend(() => {
        if (child.exitCode !== null || child.signalCode !== null) return Effect.void
        child.kill("SIGKILL")
        return Effect.asVoid(exited)
      })
  )

const invokeBuilt = (bootstrap: string, env: Record<string, string> = {}, event: unknown = { name: "build" }) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const fn = yield* startBootstrap(bootstrap, { ...emulator.environment, GREETING: "hi", ...env })
    const record = yield* emulator.invoke(event)
    fn.child.kill("SIGTERM")
    expect(yield* fn.exited).toBe(0)
    return record
  })

/** What test/fixtures/buildable.ts answers: whether it started from the snapshot, and the Node flags it got. */
const fixtureAnswer = (snapshot: boolean, flags: ReadonlyArray<string>) => ({
  _tag: "Response",
  text: JSON.stringify({ message: "hi, build", snapshot, flags })
})

describe("the build command", () => {
  it.scopedLive("bundles, snapshots, and the bootstrap starts from the snapshot", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({ entry: projectFile("test/fixtures/buildable.ts"), outdir: dir, snapshot: true })
      expect(result.snapshot).toBeDefined()
      expect(result.snapshot!.nodeVersion).toContain(process.version)
      const record = yield* invokeBuilt(result.bootstrap)
      // Started with the default V8 flags, which the snapshot was built with (or it would not load).
      expect(record.outcome).toMatchObject(fixtureAnswer(true, ["--min-semi-space-size=8"]))
      // The same build without the snapshot, as the fallback path runs it.
      const plain = yield* invokeBuilt(result.bootstrap, { EFFECT_LAMBDA_SNAPSHOT: "0" })
      expect(plain.outcome).toMatchObject(fixtureAnswer(false, ["--min-semi-space-size=8"]))
    }), { timeout: 60_000 })

  it.scopedLive("a streaming function started from the snapshot streams its body", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({ entry: projectFile("examples/streaming.ts"), outdir: dir, snapshot: true })
      expect(result.snapshot).toBeDefined()
      const record = yield* invokeBuilt(result.bootstrap, {}, { rows: 3 })
      expect(record.outcome).toMatchObject({ _tag: "Response", http: { _tag: "Decoded", statusCode: 200 } })
      expect(record.firstByteAt).toBeDefined()
      // The header line, three rows, and the empty string after the last newline.
      expect(record.outcome?._tag === "Response" && record.outcome.text.split("\n")).toHaveLength(5)
    }), { timeout: 60_000 })

  it.scopedLive("falls back to the bundle when the Node binary is not the one that built the snapshot", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({ entry: projectFile("test/fixtures/buildable.ts"), outdir: dir, snapshot: true })
      writeFileSync(result.bootstrap, bootstrapScript({ ...result.snapshot!, nodeFingerprint: "0:0" }))
      const record = yield* invokeBuilt(result.bootstrap)
      expect(record.outcome).toMatchObject(fixtureAnswer(false, ["--min-semi-space-size=8"]))
    }), { timeout: 60_000 })

  it.scopedLive("without --snapshot (the default), writes a bootstrap that runs the bundle, with the chosen Node flags", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({
        entry: projectFile("test/fixtures/buildable.ts"),
        outdir: dir,
        snapshot: false,
        nodeFlags: ["--stack-size=2000", "--max-semi-space-size=32"]
      })
      expect(result.snapshot).toBeUndefined()
      const record = yield* invokeBuilt(result.bootstrap)
      expect(record.outcome).toMatchObject(fixtureAnswer(false, ["--stack-size=2000", "--max-semi-space-size=32"]))
    }), { timeout: 60_000 })
})
