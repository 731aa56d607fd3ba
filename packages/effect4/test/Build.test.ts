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
