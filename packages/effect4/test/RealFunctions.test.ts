/**
 * Real functions on the Effect 4 line, deployed as users deploy them, as the root suite's
 * test/RealFunctions.test.ts pins them on the Effect 3 line: each fixture in `fixtures/real/` is
 * built with this line's `Build.build` and started through the generated `bootstrap` the way
 * Lambda starts it (a fresh process in the task root, with only Lambda's environment), against
 * the emulator. The functions run on the Node that runs the suite (22 or later).
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Queue } from "effect"
import { randomUUID } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  enqueuedBy,
  errorLines,
  handlerSubsegment,
  idleRounds,
  loggedAt,
  parseJson,
  startXRayDaemon,
  traceHeader,
  traceRoots
} from "../../../test/builtFunctions.js"
import type * as Build from "../src/Build.js"
import { startSqsEndpoint } from "../../../test/sqsEndpoint.js"
import * as Emulator from "../src/Emulator.js"
import { answerOf, buildInto, shutDown, startFunction } from "./built.js"
import { errorDocument } from "./support.js"

/** Builds `fixtures/real/<name>.ts` with this Node. */
const buildReal = (name: string) =>
  buildInto({ entry: fileURLToPath(new URL(`fixtures/real/${name}.ts`, import.meta.url)) })

/** Sets an environment variable of this process while `effect` runs (the build reads it). */
const withEnv = <A, E, R>(name: string, value: string, effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => [process.env[name], process.env[name] = value][0]),
    () => effect,
    (saved) => Effect.sync(() => saved === undefined ? delete process.env[name] : (process.env[name] = saved))
  )

/** The built function started against a fresh emulator (`bootstrap` is its `_HANDLER`). */
const served = (build: Build.BuildResult, emulatorOptions: Emulator.EmulatorOptions = {}, extra = {}) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({ handler: "bootstrap", ...emulatorOptions })
    return { emulator, fn: yield* startFunction(build, emulator, extra) }
  })

describe("Effect 4: real functions: AWS SDK and Powertools", () => {
  it.live("an AWS SDK client at module level and a client a scoped layer builds send to SQS from detached work, after the response", () =>
    Effect.gen(function*() {
      const build = yield* buildReal("sqs")
      // Held: the fake answers only when the test says so, so the function's calls are still in
      // flight when the response must already have been posted.
      const sqs = yield* Effect.acquireRelease(
        Effect.promise(() => startSqsEndpoint({ hold: true })),
        (sqs) => Effect.promise(sqs.close)
      )
      const QUEUE_URL = `${sqs.endpoint}/123456789012/orders`
      const { emulator, fn } = yield* served(build, {}, { QUEUE_URL })
      for (const [i, orderId] of ["o-1", "o-2"].entries()) {
        const record = yield* emulator.invoke({ orderId })
        expect(answerOf(record)).toEqual({ accepted: orderId })
        const calls = yield* Effect.promise(() => Promise.all([sqs.take(), sqs.take()]))
        expect(calls.map((call) => [call.target, call.queueUrl, JSON.parse(call.messageBody)])).toEqual(
          expect.arrayContaining(
            ["aws-sdk", "layer"].map((via) => ["AmazonSQS.SendMessage", QUEUE_URL, { orderId, via }])
          )
        )
        // Both calls in flight: the runtime has not asked for the next invocation.
        expect(yield* emulator.nextRequests).toHaveLength(i + 1)
        const answeredAt = Math.max(...calls.map((call) => call.answer()))
        const nextAt = yield* emulator.awaitNextRequest(i + 2)
        const lines = yield* Effect.forEach(
          [["aws-sdk", "the AWS SDK"], ["layer", "the layer's client"]] as const,
          ([via, client]) => fn.awaitLine(enqueuedBy(orderId, via, client))
        )
        // The response was posted while both SQS calls were held; `/next` waited for them, and
        // for the lines logged after their answers.
        expect({ posted: record.resultAt! < answeredAt, next: nextAt >= answeredAt }).toEqual({
          posted: true,
          next: true
        })
        expect(lines.map(loggedAt).filter((at) => at > nextAt)).toEqual([])
      }
      yield* shutDown(fn)
      expect(errorLines(fn.stdout())).toEqual([])
    }))

  it.live("Powertools Logger and Metrics created at module level write their JSON log lines and EMF metrics", () =>
    Effect.gen(function*() {
      const { emulator, fn } = yield* served(yield* buildReal("powertools"))
      const record = yield* emulator.invoke({ orderId: "o-1", items: 3 })
      expect(answerOf(record)).toEqual({ accepted: "o-1" })
      // The metrics are flushed by detached work, before `/next`; after the exit all output is in.
      yield* emulator.awaitNextRequest(2)
      yield* shutDown(fn)
      const lines = fn.stdout().split("\n").map(parseJson).filter((json) => json !== undefined)
      const expected = [
        { level: "INFO", service: "orders", message: "module loaded" },
        { level: "INFO", service: "orders", message: "order received", orderId: "o-1", requestId: record.requestId },
        {
          _aws: {
            CloudWatchMetrics: [{
              Namespace: "RealFunctions",
              Dimensions: [["service"]],
              Metrics: expect.arrayContaining([
                { Name: "ordersReceived", Unit: "Count" },
                { Name: "itemsOrdered", Unit: "Count" }
              ])
            }]
          },
          service: "orders",
          ordersReceived: 1,
          itemsOrdered: 3
        }
      ]
      // Each expected line, found by its message (the EMF document by its `_aws` key).
      for (const line of expected) {
        const found = lines.find((json) => "_aws" in line ? "_aws" in json : json.message === line.message)
        expect(found, fn.stdout()).toMatchObject(line)
      }
    }))
})

/** The X-Ray daemon of `startXRayDaemon` for the scope, its documents in a queue. */
const fakeXRayDaemon = Effect.flatMap(Queue.unbounded<Record<string, unknown>>(), (documents) =>
  Effect.acquireRelease(
    Effect.promise(() => startXRayDaemon((document) => Queue.offerUnsafe(documents, document))),
    (daemon) => Effect.sync(daemon.close)
  ).pipe(Effect.map(({ port }) => ({ port, documents }))))

describe("Effect 4: real functions: AWS SDK and Powertools", () => {
  it.live("Powertools Tracer sends the handler's subsegment to the X-Ray daemon, under the invocation's trace", () =>
    Effect.gen(function*() {
      const daemon = yield* fakeXRayDaemon
      // As on provided.al2023: no AWS_EXECUTION_ENV (Powertools Tracer disables itself without one).
      const { emulator, fn } = yield* served(yield* buildReal("tracer"), {}, {
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.port}`
      })
      for (const [i, root] of traceRoots.entries()) {
        const record = yield* emulator.invoke({ orderId: `o-${i}` }, { traceId: traceHeader(root) })
        expect(answerOf(record)).toEqual({ accepted: `o-${i}` })
        // Active tracing turns the runtime's own spans on as well (its SERVER span, named after the
        // function): the handler's subsegment is the one Powertools names `## handler`.
        const handlerDocument: Effect.Effect<Record<string, unknown>> = Effect.flatMap(
          Queue.take(daemon.documents),
          (document) => document.name === "## handler" ? Effect.succeed(document) : handlerDocument
        )
        expect(yield* handlerDocument).toMatchObject(handlerSubsegment(i, root))
      }
      yield* shutDown(fn)
    }))
})

describe("Effect 4: real functions: timers, environment and stack traces", () => {
  it.live("timers keep firing after idle gaps: sleeps, a deadline and detached work, then /next again", () =>
    Effect.gen(function*() {
      // Deadline 1 s after `/next` answers; the runtime cuts the handler 200 ms before it.
      const { emulator, fn } = yield* served(yield* buildReal("idle"), { functionTimeoutMs: 1000 })
      yield* emulator.awaitNextRequest(1)
      for (const [i, { idleMs, job }] of idleRounds.entries()) {
        // Real idle time: what dead timers need to show up.
        yield* Effect.sleep(Duration.millis(idleMs))
        const record = yield* emulator.invoke(job)
        const nextAt = yield* emulator.awaitNextRequest(i + 2)
        if (job.id === "too-slow") {
          expect(errorDocument(record)).toMatchObject({ errorType: "Runtime.HandlerTimeout" })
          expect(nextAt).toBeGreaterThanOrEqual(record.resultAt!)
        } else {
          expect(answerOf(record)).toEqual({ id: job.id, sleptMs: job.sleepMs })
          const line = yield* fn.awaitLine((l) => l.includes(`job ${job.id}: detached work done`))
          // The detached sleep ended after the response was posted, and before `/next`.
          expect(loggedAt(line)).toBeGreaterThanOrEqual(Math.floor(record.resultAt!))
          expect(loggedAt(line)).toBeLessThanOrEqual(nextAt)
        }
      }
      yield* shutDown(fn)
    }))

  it.live("a module-level process.env read sees the function's environment, and the build's is not in the artifact", () =>
    Effect.gen(function*() {
      const buildValue = `build-machine-${randomUUID()}`
      const build = yield* withEnv("STAGE", buildValue, buildReal("environment"))
      const { emulator, fn } = yield* served(build, {}, { STAGE: "function-value" })
      // `node` also shows that the function runs on the Node binary these tests run on.
      expect(answerOf(yield* emulator.invoke({}))).toEqual({ stage: "function-value", node: process.version })
      yield* shutDown(fn)
      // Nor does the build machine's value ship with the function (a secret would leak).
      const holding = readdirSync(build.outdir).filter((file) =>
        readFileSync(join(build.outdir, file)).includes(buildValue)
      )
      expect(holding).toEqual([])
    }))

  it.live("error documents keep the stack trace of a typed failure and of a defect", () =>
    Effect.gen(function*() {
      const build = yield* buildReal("errors")
      const { emulator, fn } = yield* served(build)
      expect(answerOf(yield* emulator.invoke({ orderId: "o-1", quantity: 2 }))).toEqual({
        orderId: "o-1",
        authorization: "auth-o-1"
      })
      const cases = [
        [{ orderId: "o-2", quantity: 0 }, "OrderRejected", "order o-2 rejected: no items", "validateOrder"],
        [{ orderId: "broken-1", quantity: 1 }, "Error", "payment gateway unreachable for broken-1", "authorizePayment"]
      ] as const
      for (const [order, errorType, errorMessage, frame] of cases) {
        const document = errorDocument(yield* emulator.invoke(order))
        expect(document).toMatchObject({ errorType, errorMessage })
        // The frame of the function's own code, in the minified bundle, under its name.
        expect(document.stackTrace).toContainEqual(
          expect.stringMatching(new RegExp(`\\bat .*${frame} .*main\\.cjs:\\d+:\\d+`))
        )
        expect(document.stackTrace.join("\n")).toContain(`${build.bundle}:`)
      }
      yield* shutDown(fn)
    }))
})
