/**
 * Real functions, deployed as users deploy them: each fixture in `test/fixtures/real/` is built
 * with `Build.build` and started through the generated `bootstrap` the way Lambda starts it (a
 * fresh process in the task root, with only Lambda's environment, none of the test's), against
 * the emulator. Each case broke in the V8 startup snapshot the build used to make by default
 * (issue 9): the AWS SDK could not be built, Powertools printed nothing, timers stopped firing
 * after an idle gap, module-level environment reads kept the build machine's value and stack
 * traces were empty.
 *
 * The functions run on the Node that runs the tests (`npm run test:node22` runs this file on
 * Node 22, `npm run test:node24` on Node 24). The drop-in's plain handlers in
 * `test/fixtures/real/node-line/` are served by the built drop-in (`dropIn: true`), whose rules
 * follow that Node's line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Queue } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"
import type { EmulatorService, InvocationRecord } from "../src/Emulator.js"
import {
  enqueuedBy,
  errorLines,
  handlerSubsegment,
  idleRounds,
  lambdaEnvironment,
  loggedAt,
  parseJson,
  startXRayDaemon,
  traceHeader,
  traceRoots
} from "./builtFunctions.js"
import { fakeSqs } from "./fakeSqs.js"
import { projectFile } from "./process.js"

/** Builds a module of the project into a temporary directory removed with the scope. */
const buildModule = (path: string) =>
  Effect.gen(function*() {
    const outdir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-lambda-real-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    return yield* Build.build({ entry: projectFile(path), outdir })
  })

/** Builds the drop-in (`dropIn: true`) into a temporary directory removed with the scope. */
const buildDropIn = Effect.gen(function*() {
  const outdir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-lambda-real-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  return yield* Build.build({ dropIn: true, outdir })
})

/** Builds `test/fixtures/real/<fixture>.ts` (see {@link buildModule}). */
const buildFixture = (fixture: string) => buildModule(`test/fixtures/real/${fixture}.ts`)

/** Sets an environment variable of this process while `effect` runs (the build reads it). */
const withEnv = <A, E, R>(name: string, value: string, effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = process.env[name]
      process.env[name] = value
      return saved
    }),
    () => effect,
    (saved) =>
      Effect.sync(() => {
        if (saved === undefined) delete process.env[name]
        else process.env[name] = saved
      })
  )

/**
 * Waits for `effect`, but dies after 10 s saying what it was waiting for: a function that never
 * does what the test waits for fails the test at once instead of at the test's time limit. A
 * guard against hangs, far above anything measured, not a timing assertion.
 */
const guard = <A>(waitingFor: string, effect: Effect.Effect<A>, detail: () => string = () => ""): Effect.Effect<A> =>
  effect.pipe(
    Effect.timeoutFail({
      duration: Duration.seconds(10),
      onTimeout: () => new Error(`still waiting after 10 s for ${waitingFor}${detail()}`)
    }),
    Effect.orDie
  )

/** The arrival time of the n-th `GET /next` (1-based). */
const awaitNext = (emulator: EmulatorService, n: number) => guard(`GET /next #${n}`, emulator.awaitNextRequest(n))

interface StartedFunction {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /**
   * Waits for a complete stdout line that satisfies `predicate`, and returns it (see {@link guard};
   * the failure shows what the function printed).
   */
  readonly awaitLine: (predicate: (line: string) => boolean) => Effect.Effect<string>
  /** The exit code, once the process has exited and all its output has been read. */
  readonly exited: Effect.Effect<number | null>
}

/**
 * Starts a build's `bootstrap` as Lambda does. Its exit is reported to the emulator, so an
 * invocation of a crashed function ends with `Runtime.ExitError` instead of waiting for its deadline.
 */
const startFunction = (
  build: Build.BuildResult,
  emulator: EmulatorService,
  extra: Record<string, string> = {}
): Effect.Effect<StartedFunction, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const exited = Deferred.unsafeMake<number | null>(undefined as never)
      const child = spawn(build.bootstrap, [], {
        cwd: build.outdir,
        env: lambdaEnvironment(emulator.environment, build.outdir, extra),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      let waiters: Array<{ predicate: (line: string) => boolean; done: (line: string) => void }> = []
      const completeLines = () => stdout.slice(0, stdout.lastIndexOf("\n") + 1).split("\n")
      const check = () => {
        const lines = completeLines()
        waiters = waiters.filter((waiter) => {
          const line = lines.find(waiter.predicate)
          if (line !== undefined) waiter.done(line)
          return line === undefined
        })
      }
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        check()
      })
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      child.on("exit", (code, signal) => Effect.runFork(emulator.runtimeExited({ code, signal })))
      child.on("close", (code) => Deferred.unsafeDone(exited, Exit.succeed(code)))
      return {
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        awaitLine: (predicate) =>
          guard(
            "a line on the function's stdout",
            Effect.async<string>((resume) => {
              const line = completeLines().find(predicate)
              if (line !== undefined) return resume(Effect.succeed(line))
              const waiter = { predicate, done: (line: string) => resume(Effect.succeed(line)) }
              waiters.push(waiter)
              return Effect.sync(() => {
                waiters = waiters.filter((w) => w !== waiter)
              })
            }),
            () => `; stdout:\n${stdout}\nstderr:\n${stderr}`
          ),
        exited: Deferred.await(exited)
      } satisfies StartedFunction
    }),
    ({ child, exited }) =>
      Effect.suspend(() => {
        if (child.exitCode !== null || child.signalCode !== null) return Effect.void
        child.kill("SIGKILL")
        return Effect.asVoid(exited)
      })
  )

/** Stops the function as Lambda does at shutdown, and expects a clean exit. */
const shutDown = (fn: StartedFunction) =>
  Effect.gen(function*() {
    fn.child.kill("SIGTERM")
    expect(yield* guard("the exit after SIGTERM", fn.exited), `stderr: ${fn.stderr()}`).toBe(0)
  })

const responseJson = (record: InvocationRecord): unknown => {
  expect(record.outcome, JSON.stringify(record.outcome)).toMatchObject({ _tag: "Response" })
  return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null")
}

interface ErrorDocument {
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace: ReadonlyArray<string>
}

const errorDocument = (record: InvocationRecord): ErrorDocument => {
  expect(record.outcome, JSON.stringify(record.outcome)).toMatchObject({ _tag: "Error" })
  return (record.outcome?._tag === "Error" ? record.outcome.document : undefined) as ErrorDocument
}

/** The X-Ray daemon of `startXRayDaemon` for the scope, its documents in a queue. */
const fakeXRayDaemon = Effect.gen(function*() {
  const documents = yield* Queue.unbounded<Record<string, unknown>>()
  const daemon = yield* Effect.acquireRelease(
    Effect.promise(() => startXRayDaemon((document) => Queue.unsafeOffer(documents, document))),
    (daemon) => Effect.sync(daemon.close)
  )
  return { port: daemon.port, documents }
})

describe("real functions: AWS SDK and Powertools", () => {
  it.scopedLive("an AWS SDK client at module level and an @effect-aws layer send to SQS from detached work, after the response", () =>
    Effect.gen(function*() {
      const build = yield* buildFixture("sqs")
      // Held: the fake answers only when the test says so, so the function's calls are still in
      // flight when the response must already have been posted.
      const sqs = yield* fakeSqs({ hold: true })
      const queueUrl = `${sqs.endpoint}/123456789012/orders`
      const emulator = yield* Emulator.make({ handler: "bootstrap" })
      const fn = yield* startFunction(build, emulator, { QUEUE_URL: queueUrl })
      for (const [i, orderId] of ["o-1", "o-2"].entries()) {
        const record = yield* emulator.invoke({ orderId })
        expect(responseJson(record)).toEqual({ accepted: orderId })
        const calls = yield* guard(
          "the two SendMessage calls",
          Effect.all([Queue.take(sqs.requests), Queue.take(sqs.requests)])
        )
        const bodies = calls.map((call) => JSON.parse(call.messageBody) as unknown)
        expect(bodies).toEqual(expect.arrayContaining([{ orderId, via: "aws-sdk" }, { orderId, via: "effect-aws" }]))
        for (const call of calls) {
          expect(call.target).toBe("AmazonSQS.SendMessage")
          expect(call.queueUrl).toBe(queueUrl)
        }
        // Both calls in flight: the runtime has not asked for the next invocation.
        expect(yield* emulator.nextRequests).toHaveLength(i + 1)
        const answeredAt = Math.max(...(yield* Effect.all(calls.map((call) => call.answer))))
        const nextAt = yield* awaitNext(emulator, i + 2)
        // The response was posted while both SQS calls were held (before they could finish: a
        // runtime that waited for them would have timed out above), and `/next` waited for them.
        expect(record.resultAt!).toBeLessThan(answeredAt)
        expect(nextAt).toBeGreaterThanOrEqual(answeredAt)
        for (const [via, client] of [["aws-sdk", "the AWS SDK"], ["effect-aws", "effect-aws"]] as const) {
          const line = yield* fn.awaitLine(enqueuedBy(orderId, via, client))
          expect(loggedAt(line)).toBeLessThanOrEqual(nextAt)
        }
      }
      yield* shutDown(fn)
      expect(errorLines(fn.stdout())).toEqual([])
    }))

  it.scopedLive("Powertools Logger and Metrics created at module level write their JSON log lines and EMF metrics", () =>
    Effect.gen(function*() {
      const build = yield* buildFixture("powertools")
      const emulator = yield* Emulator.make({ handler: "bootstrap" })
      const fn = yield* startFunction(build, emulator)
      const record = yield* emulator.invoke({ orderId: "o-1", items: 3 })
      expect(responseJson(record)).toEqual({ accepted: "o-1" })
      // The metrics are flushed by detached work, before `/next`; after the exit all output is in.
      yield* awaitNext(emulator, 2)
      yield* shutDown(fn)
      const lines = fn.stdout().split("\n").map(parseJson).filter((json) => json !== undefined)
      const jsonLine = (predicate: (json: Record<string, unknown>) => boolean) => {
        const line = lines.find(predicate)
        expect(line, `no such JSON line on the function's stdout:\n${fn.stdout()}`).toBeDefined()
        return line!
      }
      expect(jsonLine((json) => json.message === "module loaded")).toMatchObject({ level: "INFO", service: "orders" })
      expect(jsonLine((json) => json.message === "order received")).toMatchObject({
        level: "INFO",
        service: "orders",
        orderId: "o-1",
        requestId: record.requestId
      })
      const emf = jsonLine((json) => json._aws !== undefined)
      expect(emf).toMatchObject({
        _aws: {
          CloudWatchMetrics: [{
            Namespace: "RealFunctions",
            Dimensions: [["service"]],
            Metrics: expect.arrayContaining([{ Name: "ordersReceived", Unit: "Count" }, {
              Name: "itemsOrdered",
              Unit: "Count"
            }])
          }]
        },
        service: "orders",
        ordersReceived: 1,
        itemsOrdered: 3
      })
    }))
  it.scopedLive("Powertools Tracer sends the handler's subsegment to the X-Ray daemon, under the invocation's trace", () =>
    Effect.gen(function*() {
      // The example users copy, built and started as they deploy it.
      const build = yield* buildModule("examples/powertools.ts")
      const daemon = yield* fakeXRayDaemon
      const emulator = yield* Emulator.make({ handler: "bootstrap" })
      // As on provided.al2023: no AWS_EXECUTION_ENV (Powertools Tracer disables itself without one).
      const fn = yield* startFunction(build, emulator, { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.port}` })
      for (const [i, root] of traceRoots.entries()) {
        const record = yield* emulator.invoke({ orderId: `o-${i}` }, { traceId: traceHeader(root) })
        expect(responseJson(record)).toEqual({ accepted: `o-${i}` })
        // Active tracing turns the runtime's own spans on as well (its SERVER span, named after the
        // function): the handler's subsegment is the one Powertools names `## handler`.
        const handlerDocument: Effect.Effect<Record<string, unknown>> = Effect.flatMap(
          Queue.take(daemon.documents),
          (document) => document.name === "## handler" ? Effect.succeed(document) : handlerDocument
        )
        const subsegment = yield* guard(
          `the subsegment of invocation ${i + 1}`,
          handlerDocument,
          () => `; stdout:\n${fn.stdout()}`
        )
        expect(subsegment).toMatchObject(handlerSubsegment(i, root))
      }
      yield* shutDown(fn)
    }))
})

describe("real functions: timers, environment and stack traces", () => {
  it.scopedLive(
    "timers keep firing after idle gaps: sleeps, a deadline and detached work, then /next again",
    () =>
      Effect.gen(function*() {
        const build = yield* buildFixture("idle")
        // Deadline 1 s after `/next` answers; the runtime cuts the handler 200 ms before it.
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000, handler: "bootstrap" })
        const fn = yield* startFunction(build, emulator)
        yield* awaitNext(emulator, 1)
        for (const [i, { idleMs, job }] of idleRounds.entries()) {
          // Real idle time: what dead timers need to show up.
          yield* Effect.sleep(Duration.millis(idleMs))
          const record = yield* emulator.invoke(job)
          if (job.id === "too-slow") {
            expect(errorDocument(record)).toMatchObject({ errorType: "Runtime.HandlerTimeout" })
            const nextAt = yield* awaitNext(emulator, i + 2)
            expect(nextAt).toBeGreaterThanOrEqual(record.resultAt!)
            continue
          }
          expect(responseJson(record)).toEqual({ id: job.id, sleptMs: job.sleepMs })
          const nextAt = yield* awaitNext(emulator, i + 2)
          const line = yield* fn.awaitLine((l) => l.includes(`job ${job.id}: detached work done`))
          // The detached sleep ended after the response was posted, and before `/next`.
          expect(loggedAt(line)).toBeGreaterThanOrEqual(Math.floor(record.resultAt!))
          expect(loggedAt(line)).toBeLessThanOrEqual(nextAt)
        }
        yield* shutDown(fn)
      }),
    { timeout: 60_000 }
  )

  it.scopedLive("a module-level process.env read sees the function's environment, and the build's is not in the artifact", () =>
    Effect.gen(function*() {
      const buildValue = `build-machine-${randomUUID()}`
      const build = yield* withEnv("STAGE", buildValue, buildFixture("environment"))
      const emulator = yield* Emulator.make({ handler: "bootstrap" })
      const fn = yield* startFunction(build, emulator, { STAGE: "function-value" })
      // `node` also shows that the function runs on the Node binary these tests run on.
      expect(responseJson(yield* emulator.invoke({}))).toEqual({ stage: "function-value", node: process.version })
      yield* shutDown(fn)
      // Nor does the build machine's value ship with the function (a secret would leak).
      for (const file of readdirSync(build.outdir)) {
        expect(readFileSync(join(build.outdir, file)).includes(buildValue), `${file} holds the build's STAGE`).toBe(
          false
        )
      }
    }))

  it.scopedLive("error documents keep the stack trace of a typed failure and of a defect", () =>
    Effect.gen(function*() {
      const build = yield* buildFixture("errors")
      const emulator = yield* Emulator.make({ handler: "bootstrap" })
      const fn = yield* startFunction(build, emulator)
      expect(responseJson(yield* emulator.invoke({ orderId: "o-1", quantity: 2 }))).toEqual({
        orderId: "o-1",
        authorization: "auth-o-1"
      })
      const bundleFrame = `${build.bundle}:`
      const rejected = errorDocument(yield* emulator.invoke({ orderId: "o-2", quantity: 0 }))
      expect(rejected).toMatchObject({ errorType: "OrderRejected", errorMessage: "order o-2 rejected: no items" })
      expect(rejected.stackTrace).toContainEqual(expect.stringMatching(/\bat .*validateOrder .*main\.cjs:\d+:\d+/))
      expect(rejected.stackTrace.join("\n")).toContain(bundleFrame)
      const crashed = errorDocument(yield* emulator.invoke({ orderId: "broken-1", quantity: 1 }))
      expect(crashed).toMatchObject({ errorType: "Error", errorMessage: "payment gateway unreachable for broken-1" })
      expect(crashed.stackTrace).toContainEqual(expect.stringMatching(/\bat .*authorizePayment .*main\.cjs:\d+:\d+/))
      expect(crashed.stackTrace.join("\n")).toContain(bundleFrame)
      yield* shutDown(fn)
    }))
})

describe("real functions: the drop-in follows the managed runtime of its Node line", () => {
  const taskRoot = projectFile("test/fixtures/real/node-line")
  const major = Number.parseInt(process.versions.node, 10)
  const legacy = ["callbackWaitsForEmptyEventLoop", "succeed", "fail", "done"]

  /** Starts the built drop-in with `_HANDLER=index.<name>` from the fixture's task root. */
  const startHandler = (build: Build.BuildResult, name: string) =>
    Effect.gen(function*() {
      // The emulator's `handler` is the function's `_HANDLER`.
      const emulator = yield* Emulator.make({ handler: `index.${name}` })
      const fn = yield* startFunction(build, emulator, { LAMBDA_TASK_ROOT: taskRoot })
      return { emulator, fn }
    })

  /** The streaming handler's answer: a streamed JSON body. */
  const streamedJson = (record: InvocationRecord): unknown => {
    expect(record.outcome, JSON.stringify(record.outcome)).toMatchObject({ _tag: "Response", streaming: true })
    return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null")
  }

  it.scopedLive.runIf(major >= 24)(
    "Node 24 and later (nodejs24.x): a callback handler fails init with Runtime.CallbackHandlerDeprecated; async and streaming handlers serve, with no callbackWaitsForEmptyEventLoop, succeed, fail or done on their context",
    () =>
      Effect.gen(function*() {
        const build = yield* buildDropIn
        const refused = yield* startHandler(build, "callback")
        const error = (yield* guard("the init error", refused.emulator.awaitInitError)).document as ErrorDocument
        expect(error.errorType).toBe("Runtime.CallbackHandlerDeprecated")
        expect(error.errorMessage).toContain("Node.js 24")
        expect(yield* guard("the exit after the init error", refused.fn.exited)).toBe(1)

        const served = yield* startHandler(build, "handler")
        expect(responseJson(yield* served.emulator.invoke({ n: 1 }))).toEqual({
          via: "async",
          echo: { n: 1 },
          node: process.version,
          legacy: []
        })
        yield* shutDown(served.fn)

        const streaming = yield* startHandler(build, "streaming")
        expect(streamedJson(yield* streaming.emulator.invoke({ n: 2 }))).toEqual({
          via: "streaming",
          echo: { n: 2 },
          legacy: []
        })
        yield* shutDown(streaming.fn)
      }),
    { timeout: 90_000 }
  )

  it.scopedLive.runIf(major < 24)(
    "Node 20 and 22 (nodejs22.x): a callback handler serves, and a handler's context has callbackWaitsForEmptyEventLoop, succeed, fail and done",
    () =>
      Effect.gen(function*() {
        const build = yield* buildDropIn
        const callback = yield* startHandler(build, "callback")
        expect(responseJson(yield* callback.emulator.invoke({ n: 1 }))).toEqual({
          via: "callback",
          echo: { n: 1 },
          node: process.version
        })
        yield* shutDown(callback.fn)

        const served = yield* startHandler(build, "handler")
        expect(responseJson(yield* served.emulator.invoke({ n: 2 }))).toEqual({
          via: "async",
          echo: { n: 2 },
          node: process.version,
          legacy
        })
        yield* shutDown(served.fn)

        const streaming = yield* startHandler(build, "streaming")
        expect(streamedJson(yield* streaming.emulator.invoke({ n: 3 }))).toEqual({
          via: "streaming",
          echo: { n: 3 },
          legacy
        })
        yield* shutDown(streaming.fn)
      }),
    { timeout: 90_000 }
  )
})

describe("real functions: Lambda Managed Instances", () => {
  it.scopedLive("the built function runs 8 loops: 32 invocations at once each see only themselves (context, child fiber, promise callback, InvokeStore)", () =>
    Effect.gen(function*() {
      const build = yield* buildModule("test/fixtures/managed/effect.ts")
      const emulator = yield* Emulator.make({ concurrency: 8, handler: "bootstrap" })
      const fn = yield* startFunction(build, emulator)
      yield* emulator.awaitNextRequest(8)
      const records = yield* Effect.forEach(
        Array.from({ length: 32 }, (_, i) => i),
        (i) => emulator.invoke({ mode: "echo", waitMs: 20 }, { tenantId: `tenant-${i}` }),
        { concurrency: "unbounded" }
      )
      records.forEach((record, i) => {
        expect(record.outcome?._tag, JSON.stringify(record.outcome)).toBe("Response")
        const seen = JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "{}") as Record<
          string,
          { readonly requestId: string; readonly tenantId?: string }
        >
        for (const place of ["context", "inHandler", "inChild", "inCallback"]) {
          expect({ place, requestId: seen[place]?.requestId, tenantId: seen[place]?.tenantId }).toEqual({
            place,
            requestId: record.requestId,
            tenantId: `tenant-${i}`
          })
        }
      })
      expect(fn.child.exitCode).toBeNull()
    }))
})
