import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"
import { cachedZipModes, dropInHandlers, dropInTaskRoot, unpackZip, zipModes } from "./builtFunctions.js"
import { projectFile } from "./process.js"

const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
const outdir = () => tempDir("effect-lambda-build-")

/** Starts a built `bootstrap` the way Lambda does: an executable, `node` found on PATH. */
const startBootstrap = (bootstrap: string, env: Record<string, string>, args: ReadonlyArray<string> = []) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const exited = yield* Deferred.make<number>()
      const child = spawn(bootstrap, args, {
        env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...env },
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

const invokeBuilt = (
  bootstrap: string,
  env: Record<string, string> = {},
  event: unknown = { name: "build" },
  args: ReadonlyArray<string> = []
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const fn = yield* startBootstrap(bootstrap, { ...emulator.environment, GREETING: "hi", ...env }, args)
    const record = yield* emulator.invoke(event)
    fn.child.kill("SIGTERM")
    expect(yield* fn.exited).toBe(0)
    return record
  })

/** What test/fixtures/buildable.ts answers, parsed. */
const answer = (record: Emulator.InvocationRecord) => {
  expect(record.outcome).toMatchObject({ _tag: "Response" })
  return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null") as {
    readonly message: string
    readonly codeCache: string
    readonly flags: ReadonlyArray<string>
    readonly frame: string
  }
}

const buildable = projectFile("test/fixtures/buildable.ts")

describe("the build command", () => {
  it.scopedLive("bundles, trains the code cache, and bootstrap starts with it", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({ entry: buildable, outdir: dir })
      expect(result.warnings).toEqual([])
      expect(result.codeCache).toMatchObject({ trained: true, path: join(dir, "main.cjs.cache") })
      const started = answer(yield* invokeBuilt(result.bootstrap))
      expect(started).toMatchObject({ message: "hi, build", codeCache: "accepted", flags: [] })
      // Stack frames point into main.cjs, as they do when Node loads it itself.
      expect(started.frame).toContain(join(dir, "main.cjs"))
      const disabled = answer(yield* invokeBuilt(result.bootstrap, { EFFECT_LAMBDA_CODE_CACHE: "0" }))
      expect(disabled).toMatchObject({ message: "hi, build", codeCache: "disabled" })
      // Node does not apply source maps to the cache's vm script: with them on, the bundle is required.
      const mapped = answer(yield* invokeBuilt(result.bootstrap, { NODE_OPTIONS: "--enable-source-maps" }))
      expect(mapped).toMatchObject({ message: "hi, build", codeCache: "disabled" })
      // As AWS_LAMBDA_EXEC_WRAPPER on a managed runtime: Lambda passes its own command line.
      const wrapped = yield* invokeBuilt(result.bootstrap, {}, { name: "wrapper" }, [
        process.execPath,
        "--expose-gc",
        "/var/runtime/index.mjs"
      ])
      expect(answer(wrapped)).toMatchObject({ message: "hi, wrapper", codeCache: "accepted" })
    }), { timeout: 60_000 })

  it.scopedLive(
    "an entry with a #! line and an import() of a Node built-in keeps the cache, on Node 20 too",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const result = yield* Build.build({ entry: projectFile("test/fixtures/executable.ts"), outdir: dir })
        expect(result.warnings).toEqual([])
        const record = yield* invokeBuilt(result.bootstrap)
        expect(record.outcome).toMatchObject({
          _tag: "Response",
          text: JSON.stringify({ cpus: "function", codeCache: "accepted" })
        })
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "an import() left in the bundle: the cache on Node 22, none on Node 20 (which cannot run import() from a cache)",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const result = yield* Build.build({ entry: projectFile("test/fixtures/computedImport.ts"), outdir: dir })
        const node22 = Number(process.versions.node.split(".")[0]) >= 22
        expect(result.warnings).toEqual(
          node22 ? [] : [
            "code cache: the bundle keeps import() calls, which Node 20 cannot run from a code cache (Node 22 can); none was written"
          ]
        )
        const record = yield* invokeBuilt(result.bootstrap)
        expect(record.outcome).toMatchObject({
          _tag: "Response",
          text: JSON.stringify({ cpus: "function", codeCache: node22 ? "accepted" : "unsupported" })
        })
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "a cache that V8 rejects (another Node release, a damaged file) only costs compile time",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const result = yield* Build.build({ entry: buildable, outdir: dir })
        writeFileSync(result.codeCache!.path, Buffer.alloc(result.codeCache!.bytes, 7))
        expect(answer(yield* invokeBuilt(result.bootstrap))).toMatchObject({
          message: "hi, build",
          codeCache: "rejected"
        })
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "function.zip holds bootstrap (0755) and what it starts, not the metafile, and runs unzipped",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const result = yield* Build.build({ entry: buildable, outdir: dir })
        const archive = readFileSync(result.zip)
        expect(zipModes(archive)).toEqual(cachedZipModes)
        // Unpacked elsewhere, as Lambda unpacks it into /var/task, with the archive's modes.
        const task = yield* tempDir("effect-lambda-task-")
        unpackZip(archive, task)
        expect(answer(yield* invokeBuilt(join(task, "bootstrap")))).toMatchObject({
          message: "hi, build",
          codeCache: "accepted"
        })
      }),
    { timeout: 60_000 }
  )

  it.scopedLive("a streaming function built with the code cache streams its body", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({ entry: projectFile("examples/streaming.ts"), outdir: dir })
      const record = yield* invokeBuilt(result.bootstrap, {}, { rows: 3 })
      expect(record.outcome).toMatchObject({ _tag: "Response", http: { _tag: "Decoded", statusCode: 200 } })
      expect(record.firstByteAt).toBeDefined()
      // The header line, three rows, and the empty string after the last newline.
      expect(record.outcome?._tag === "Response" && record.outcome.text.split("\n")).toHaveLength(5)
    }), { timeout: 60_000 })

  it.scopedLive("with V8 flags, the code cache is trained under them, and V8 accepts it", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({ entry: buildable, outdir: dir, nodeFlags: ["--max-semi-space-size=32"] })
      expect(answer(yield* invokeBuilt(result.bootstrap))).toMatchObject({
        codeCache: "accepted",
        flags: ["--max-semi-space-size=32"]
      })
    }), { timeout: 60_000 })

  it.scopedLive(
    "without the code cache, bootstrap runs the bundle, with the chosen Node flags",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const result = yield* Build.build({
          entry: buildable,
          outdir: dir,
          codeCache: false,
          nodeFlags: ["--stack-size=2000", "--max-semi-space-size=32"]
        })
        expect(result.codeCache).toBeUndefined()
        expect(Object.keys(zipModes(readFileSync(result.zip))).sort()).toEqual(["bootstrap", "main.cjs"])
        expect(answer(yield* invokeBuilt(result.bootstrap))).toMatchObject({
          codeCache: "none",
          flags: ["--stack-size=2000", "--max-semi-space-size=32"]
        })
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "the training run sees an empty environment, and no build-time value reaches the artifact",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const value = `s3cr3t-${Math.random().toString(36).slice(2)}`
        process.env.BUILD_SECRET = value
        const result = yield* Build.build({
          entry: projectFile("test/fixtures/envAtLoad.ts"),
          outdir: join(dir, "out")
        }).pipe(
          Effect.ensuring(Effect.sync(() => delete process.env.BUILD_SECRET))
        )
        expect(result.codeCache?.trained).toBe(true)
        expect(JSON.parse(readFileSync(join(dir, "seen.json"), "utf8"))).toEqual(
          expect.not.arrayContaining(["BUILD_SECRET", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"])
        )
        for (const file of readdirSync(join(dir, "out"))) {
          expect(readFileSync(join(dir, "out", file)).includes(value), file).toBe(false)
        }
        const record = yield* invokeBuilt(result.bootstrap, { BUILD_SECRET: "function-value" })
        expect(record.outcome).toMatchObject({ _tag: "Response", text: JSON.stringify({ secret: "function-value" }) })
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "a module that never starts the runtime still builds, with a one-line warning",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const entry = join(dir, "library.ts")
        writeFileSync(entry, `export const answer = 42\n`)
        const result = yield* Build.build({ entry, outdir: join(dir, "out") })
        expect(result.codeCache?.trained).toBe(false)
        expect(result.warnings).toEqual([
          "code cache: the module did not call LambdaRuntime.run; it covers compiling only"
        ])
      }),
    { timeout: 60_000 }
  )

  it.scopedLive(
    "a module that throws at load still builds, with a one-line warning and a compile-only cache",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const entry = join(dir, "throws.ts")
        writeFileSync(entry, `throw new Error("cannot load: no DATABASE_URL")\n`)
        const result = yield* Build.build({ entry, outdir: join(dir, "out") })
        expect(result.codeCache?.trained).toBe(false)
        expect(result.warnings).toEqual([
          "code cache: the module threw while it was loaded: Error: cannot load: no DATABASE_URL; it covers compiling only"
        ])
      }),
    { timeout: 60_000 }
  )

  it.scopedLive("the deploy examples use the files the build writes", () =>
    Effect.gen(function*() {
      const dir = yield* outdir()
      const result = yield* Build.build({ entry: buildable, outdir: dir })
      const deployed = Object.keys(zipModes(readFileSync(result.zip))).sort()
      const dockerfile = readFileSync(projectFile("examples/deploy/Dockerfile"), "utf8")
      const copied = /COPY --from=build (.+) \$\{LAMBDA_RUNTIME_DIR\}\//.exec(dockerfile)?.[1]?.split(" ")
      expect(copied?.map((path) => path.replace("/out/", "")).sort()).toEqual(deployed)
      const template = readFileSync(projectFile("examples/deploy/template.yaml"), "utf8")
      expect(template).toContain("CodeUri: ../../dist/lambda/function.zip")
      expect(template).toContain("AWS_LAMBDA_EXEC_WRAPPER: /var/task/bootstrap")
    }), { timeout: 60_000 })
})

describe("the drop-in build (dropIn: true)", () => {
  const taskRoot = dropInTaskRoot
  const served = (record: Emulator.InvocationRecord) => {
    expect(record.outcome).toMatchObject({ _tag: "Response" })
    return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null") as unknown
  }

  it.scopedLive(
    "serves ESM (.mjs, type module .js) and CommonJS handlers from LAMBDA_TASK_ROOT with the cache accepted",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const result = yield* Build.build({ dropIn: true, outdir: dir })
        // Trained without any handler: the build's empty environment has no _HANDLER.
        expect(result.warnings).toEqual([])
        expect(result.codeCache?.trained).toBe(true)
        for (const [handler, event, expected] of dropInHandlers) {
          const env = { LAMBDA_TASK_ROOT: dropInTaskRoot, _HANDLER: handler }
          expect(served(yield* invokeBuilt(result.bootstrap, env, event)), handler).toMatchObject(expected)
        }
        const env = { LAMBDA_TASK_ROOT: taskRoot }
        // As AWS_LAMBDA_EXEC_WRAPPER on a managed runtime: Lambda passes its own command line.
        const wrapped = yield* invokeBuilt(result.bootstrap, { ...env, _HANDLER: "esm.handler" }, 4, [
          process.execPath,
          "/var/runtime/index.mjs"
        ])
        expect(served(wrapped)).toMatchObject({ kind: "mjs", echo: 4, codeCache: "accepted" })
      }),
    { timeout: 90_000 }
  )

  it.scopedLive(
    "function.zip holds the runtime only; unpacked elsewhere (a layer's /opt), bootstrap finds start.cjs beside itself",
    () =>
      Effect.gen(function*() {
        const dir = yield* outdir()
        const result = yield* Build.build({ dropIn: true, outdir: dir })
        const archive = readFileSync(result.zip)
        expect(zipModes(archive)).toEqual(cachedZipModes)
        const opt = yield* tempDir("effect-lambda-opt-")
        unpackZip(archive, opt)
        const record = yield* invokeBuilt(join(opt, "bootstrap"), {
          LAMBDA_TASK_ROOT: taskRoot,
          _HANDLER: "esm.handler"
        }, 5)
        expect(served(record)).toMatchObject({ kind: "mjs", echo: 5, codeCache: "accepted" })
      }),
    { timeout: 90_000 }
  )

  it.effect("an entry and dropIn: true exclude each other", () =>
    Effect.gen(function*() {
      const options = { dropIn: true, entry: buildable, outdir: "unused" } as unknown as Build.BuildOptions
      const error = yield* Effect.flip(Build.build(options))
      expect(error.message).toBe("effect-lambda build (bundle): an entry and dropIn: true exclude each other")
    }))
})
