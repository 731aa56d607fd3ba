/**
 * `effect-lambda build` on an Effect 4 function: the bundle carries Effect 4, the code cache is
 * trained by this line's runtime (its warm-up, never the user's handler), and the built
 * `bootstrap` serves through the emulator as Lambda starts it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { buildInto, invokeBuilt, started, tempDir } from "./built.js"
import { fileURLToPath } from "node:url"
import { cachedZipModes, dropInHandlers, dropInTaskRoot, unpackZip, zipModes } from "../../../test/builtFunctions.js"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}.ts`, import.meta.url))
const exampleFile = (name: string) => fileURLToPath(new URL(`../examples/${name}.ts`, import.meta.url))
const example = exampleFile("hello")

const sqsRecord = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: "1",
    SentTimestamp: "1545082649183",
    SenderId: "AIDAIENQZJOLO23YVJ4VO",
    ApproximateFirstReceiveTimestamp: "1545082649185"
  },
  messageAttributes: {},
  md5OfBody: "0",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:orders",
  awsRegion: "us-east-1"
})

/** Each example built as a user deploys it, one event, and the answer the built function must give. */
const cases: ReadonlyArray<{
  readonly name: string
  readonly why: string
  readonly event: unknown
  readonly expected: (requestId: string) => unknown
}> = [
  {
    name: "hello",
    why: "imports the modules it uses",
    event: { name: "Grace" },
    expected: (requestId) => ({ greeting: "hello, Grace", requestId })
  },
  {
    name: "sqs-batch",
    why: "imports the package's index, which must not pull the build or the emulator into a function",
    event: { Records: [sqsRecord("m-1", `{"orderId":"o-1","quantity":1}`), sqsRecord("m-2", "not an order")] },
    expected: () => ({ batchItemFailures: [{ itemIdentifier: "m-2" }] })
  }
]

describe("Effect 4: effect-lambda build", () => {
  for (const { event, expected, name, why } of cases) {
    it.live(`builds ${name}.ts (${why}) with a code cache trained on this Node, and the bootstrap serves it`, () =>
      Effect.gen(function*() {
        const outdir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "effect4-build-"))),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        )
        const build = yield* Build.build({ entry: exampleFile(name), outdir, nodeBinary: process.execPath })
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
        const record = yield* emulator.invoke(event)
        expect(record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : record.outcome).toEqual(
          expected(record.requestId)
        )
        child.kill("SIGTERM")
        expect(yield* Effect.promise(() => exited)).toBe(0)
        // The cache was accepted: the loader says nothing when it is.
        expect(stderr).toBe("")
      }))
  }

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

describe("Effect 4: the build command", () => {
  it.live("bundles, trains the code cache, and bootstrap starts with it", () =>
    Effect.gen(function*() {
      const result = yield* buildInto({ entry: fixture("buildable") })
      expect(result.warnings).toEqual([])
      expect(result.codeCache).toMatchObject({ trained: true, path: join(dirname(result.bundle), "main.cjs.cache") })
      const first = yield* started(result.bootstrap)
      expect(first).toMatchObject({ message: "hi, build", codeCache: "accepted", flags: [] })
      // Stack frames point into main.cjs, as they do when Node loads it itself.
      expect((first as { frame: string }).frame).toContain(result.bundle)
      expect(yield* started(result.bootstrap, { EFFECT_LAMBDA_CODE_CACHE: "0" })).toMatchObject({
        codeCache: "disabled"
      })
      // Node does not apply source maps to the cache's vm script: with them on, the bundle is required.
      expect(yield* started(result.bootstrap, { NODE_OPTIONS: "--enable-source-maps" })).toMatchObject({
        message: "hi, build",
        codeCache: "disabled"
      })
      // As AWS_LAMBDA_EXEC_WRAPPER on a managed runtime: Lambda passes its own command line.
      const wrapper = [process.execPath, "--expose-gc", "/var/runtime/index.mjs"]
      expect(yield* started(result.bootstrap, {}, { name: "wrapper" }, wrapper)).toMatchObject({
        message: "hi, wrapper",
        codeCache: "accepted"
      })
    }))

  // Effect 4 runs on Node 22 and later, where V8 runs import() from a cached script: both keep the cache.
  for (
    const [title, name] of [
      ["an entry with a #! line and an import() of a Node built-in keeps the cache", "executable"],
      ["an import() left in the bundle (a computed specifier) keeps the cache on Node 22 and later", "computedImport"]
    ] as const
  ) {
    it.live(title, () =>
      Effect.gen(function*() {
        const result = yield* buildInto({ entry: fixture(name) })
        expect(result.warnings).toEqual([])
        expect(yield* started(result.bootstrap)).toEqual({ cpus: "function", codeCache: "accepted" })
      }))
  }

  it.live("a cache that V8 rejects (another Node release, a damaged file) only costs compile time", () =>
    Effect.gen(function*() {
      const result = yield* buildInto({ entry: fixture("buildable") })
      writeFileSync(result.codeCache!.path, Buffer.alloc(result.codeCache!.bytes, 7))
      expect(yield* started(result.bootstrap)).toMatchObject({ message: "hi, build", codeCache: "rejected" })
    }))

  it.live("function.zip holds bootstrap (0755) and what it starts, not the metafile, and runs unzipped", () =>
    Effect.gen(function*() {
      const result = yield* buildInto({ entry: fixture("buildable") })
      const archive = readFileSync(result.zip)
      expect(zipModes(archive)).toEqual(cachedZipModes)
      // Unpacked elsewhere, as Lambda unpacks it into /var/task, with the archive's modes.
      const task = yield* tempDir("effect4-task-")
      unpackZip(archive, task)
      expect(yield* started(join(task, "bootstrap"))).toMatchObject({ message: "hi, build", codeCache: "accepted" })
    }))

  it.live("a streaming function built with the code cache streams its body", () =>
    Effect.gen(function*() {
      const result = yield* buildInto({ entry: exampleFile("streaming") })
      const record = yield* invokeBuilt(result.bootstrap, {}, { rows: 3 })
      expect(record.outcome).toMatchObject({ _tag: "Response", http: { _tag: "Decoded", statusCode: 200 } })
      expect(record.firstByteAt).toBeDefined()
      // The header line, three rows, and the empty string after the last newline.
      expect(record.outcome?._tag === "Response" && record.outcome.text.split("\n")).toHaveLength(5)
    }))

  it.live("without the code cache, bootstrap runs the bundle, with the chosen Node flags", () =>
    Effect.gen(function*() {
      const nodeFlags = ["--stack-size=2000", "--max-semi-space-size=32"]
      const result = yield* buildInto({ entry: fixture("buildable"), codeCache: false, nodeFlags })
      expect(result.codeCache).toBeUndefined()
      expect(Object.keys(zipModes(readFileSync(result.zip))).sort()).toEqual(["bootstrap", "main.cjs"])
      expect(yield* started(result.bootstrap)).toMatchObject({ codeCache: "none", flags: nodeFlags })
    }))

  it.live("the training run sees an empty environment, and no build-time value reaches the artifact", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("effect4-env-")
      const value = `s3cr3t-${Math.random().toString(36).slice(2)}`
      process.env.BUILD_SECRET = value
      const result = yield* Build.build({
        entry: fixture("envAtLoad"),
        outdir: join(dir, "out"),
        nodeBinary: process.execPath
      }).pipe(Effect.ensuring(Effect.sync(() => delete process.env.BUILD_SECRET)))
      expect(result.codeCache?.trained).toBe(true)
      expect(JSON.parse(readFileSync(join(dir, "seen.json"), "utf8"))).toEqual(
        expect.not.arrayContaining(["BUILD_SECRET", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"])
      )
      for (const file of readdirSync(join(dir, "out"))) {
        expect(readFileSync(join(dir, "out", file)).includes(value), file).toBe(false)
      }
      expect(yield* started(result.bootstrap, { BUILD_SECRET: "function-value" })).toEqual({
        secret: "function-value"
      })
    }))

  it.live("a module that throws at load still builds, with a one-line warning and a compile-only cache", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("effect4-throws-")
      writeFileSync(join(dir, "throws.ts"), `throw new Error("cannot load: no DATABASE_URL")\n`)
      const result = yield* buildInto({ entry: join(dir, "throws.ts") })
      expect(result.codeCache?.trained).toBe(false)
      expect(result.warnings).toEqual([
        "code cache: the module threw while it was loaded: Error: cannot load: no DATABASE_URL; it covers compiling only"
      ])
    }))

  it.live("the deploy examples use the files the build writes", () =>
    Effect.gen(function*() {
      const result = yield* buildInto({ entry: fixture("buildable") })
      const deployed = Object.keys(zipModes(readFileSync(result.zip))).sort()
      const dockerfile = readFileSync(new URL("../../../examples/deploy/Dockerfile", import.meta.url), "utf8")
      const copied = /COPY --from=build (.+) \$\{LAMBDA_RUNTIME_DIR\}\//.exec(dockerfile)?.[1]?.split(" ")
      expect(copied?.map((path) => path.replace("/out/", "")).sort()).toEqual(deployed)
    }))
})

describe("Effect 4: the drop-in build (dropIn: true)", () => {
  it.live("serves ESM (.mjs, type module .js) and CommonJS handlers from LAMBDA_TASK_ROOT with the cache accepted", () =>
    Effect.gen(function*() {
      const result = yield* buildInto({ dropIn: true })
      // Trained without any handler: the build's empty environment has no _HANDLER.
      expect(result.warnings).toEqual([])
      expect(result.codeCache?.trained).toBe(true)
      for (const [handler, event, expected] of dropInHandlers) {
        const environment = { LAMBDA_TASK_ROOT: dropInTaskRoot, _HANDLER: handler }
        expect(yield* started(result.bootstrap, environment, event), handler).toMatchObject(expected)
      }
      // As AWS_LAMBDA_EXEC_WRAPPER on a managed runtime: Lambda passes its own command line.
      const [handler, event, expected] = dropInHandlers[0]!
      const wrapper = [process.execPath, "/var/runtime/index.mjs"]
      expect(yield* started(result.bootstrap, { LAMBDA_TASK_ROOT: dropInTaskRoot, _HANDLER: handler }, event, wrapper))
        .toMatchObject(expected)
    }))

  it.live("function.zip holds the runtime only; unpacked elsewhere (a layer's /opt), bootstrap finds start.cjs beside itself", () =>
    Effect.gen(function*() {
      const result = yield* buildInto({ dropIn: true })
      const archive = readFileSync(result.zip)
      expect(zipModes(archive)).toEqual(cachedZipModes)
      const opt = yield* tempDir("effect4-opt-")
      unpackZip(archive, opt)
      const [handler, event, expected] = dropInHandlers[0]!
      const environment = { LAMBDA_TASK_ROOT: dropInTaskRoot, _HANDLER: handler }
      expect(yield* started(join(opt, "bootstrap"), environment, event)).toMatchObject(expected)
    }))
})
