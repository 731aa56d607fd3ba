/**
 * The fixtures of test/Observability.test.ts: the function (test/fixtures/telemetry.ts) as a
 * child process against the emulator, a fake OTLP collector and a fake X-Ray daemon for the
 * scope, a build of the function, and readers of what they received.
 */
import { expect } from "@effect/vitest"
import { Effect, Queue } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"
import type { EmulatorService, InvocationRecord } from "../src/Emulator.js"
import { lambdaEnvironment, parseJson, startXRayDaemon } from "./builtFunctions.js"
import * as FakeCollector from "./fakeCollector.js"
import type { CollectorRequest } from "./fakeCollector.js"
import { projectFile, spawnFunction } from "./process.js"
import type { FunctionProcess } from "./process.js"

export type Json = Record<string, any>

export const ROOT = "1-5759e988-bd862e3fe1be46a994272793"
export const TRACE_ID = "5759e988bd862e3fe1be46a994272793"
export const PARENT = "53995c3f42cd8ad8"
export const header = (root = ROOT, sampled = 1) => `Root=${root};Parent=${PARENT};Sampled=${sampled}`

/** A collector for the scope, its requests (each with the moment it arrived) in a queue. */
export const collector = (options: { readonly delayMs?: number } = {}) =>
  Effect.gen(function*() {
    const started = yield* Effect.acquireRelease(
      Effect.promise(() => FakeCollector.start(options)),
      (c) => Effect.promise(() => c.close())
    )
    const arrivals = yield* Queue.unbounded<{ readonly request: CollectorRequest; readonly at: number }>()
    const pump = (): void => {
      void started.nextRequest().then((request) => {
        Queue.unsafeOffer(arrivals, { request, at: request.at })
        pump()
      })
    }
    pump()
    return { ...started, arrivals }
  })

/** A fake X-Ray daemon for the scope, its documents in a queue. */
export const xrayDaemon = Effect.gen(function*() {
  const documents = yield* Queue.unbounded<Json>()
  const daemon = yield* Effect.acquireRelease(
    Effect.promise(() => startXRayDaemon((document) => Queue.unsafeOffer(documents, document))),
    (d) => Effect.sync(() => d.close())
  )
  return { port: daemon.port, documents }
})

export interface Setup {
  readonly emulator: EmulatorService
  readonly fn: FunctionProcess
}

/** The emulator and the function with `env` (the function is named `orders`). */
export const start = (env: Record<string, string>): Effect.Effect<Setup, never, Scope.Scope> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({
      functionName: "orders",
      region: "eu-west-1",
      memorySizeMb: 256,
      functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:orders"
    })
    const fn = yield* spawnFunction("test/fixtures/telemetry.ts", { ...emulator.environment, ...env })
    return { emulator, fn }
  })

export const responseJson = (record: InvocationRecord): Json => {
  expect(record.outcome, JSON.stringify(record.outcome)).toMatchObject({ _tag: "Response" })
  return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null")
}

/** The spans of one request. */
export const spansOf = (request: CollectorRequest): Array<Json> => FakeCollector.spansOf(request)

/** An OTLP attribute list as a plain record. */
export const attrs = (list: Array<Json>): Json =>
  Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value as Json)[0]]))

/** The JSON lines of the function's stdout. */
export const jsonLines = (fn: FunctionProcess): Array<Json> =>
  fn.stdout().split("\n").flatMap((line) => {
    const json = parseJson(line)
    return json === undefined ? [] : [json]
  })

/** Builds the fixture as users build functions (esbuild, code cache skipped) into a directory removed with the scope. */
export const buildFixture = Effect.gen(function*() {
  const outdir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-lambda-telemetry-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  return yield* Effect.orDie(Build.build({ entry: projectFile("test/fixtures/telemetry.ts"), outdir }))
})

/** Starts a build's `bootstrap` with plain Node, as Lambda does; its answers are what is checked. */
export const startBuilt = (build: Build.BuildResult, emulator: EmulatorService, extra: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(build.bootstrap, [], {
        cwd: build.outdir,
        env: lambdaEnvironment(emulator.environment, build.outdir, extra),
        stdio: ["ignore", "ignore", "inherit"]
      })
    ),
    (child) => Effect.sync(() => child.kill("SIGKILL"))
  )
