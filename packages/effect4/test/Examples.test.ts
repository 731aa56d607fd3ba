/**
 * The Effect 4 line's examples as Lambda runs them: a child process (this Node, 22 or later)
 * against the project's emulator, its layer built once and released on SIGTERM.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { errorsCases, errorsSeen } from "../../../test/errorsExample.js"
import { sqsRecord } from "../../../test/eventRecords.js"
import * as FakeCollector from "../../../test/fakeCollector.js"
import {
  emfMetrics,
  expectedEmfMetrics,
  expectedSpanTree,
  observabilityEvent,
  spanTree
} from "../../../test/observabilityExample.js"
import { ticksEvent, ticksExpected, ticksSeen } from "../../../test/httpStreamExample.js"
import { startSqsEndpoint } from "../../../test/sqsEndpoint.js"
import { csvAuditLine, csvEvent, csvExpected, csvSeen } from "../../../test/streamingExample.js"
import * as Emulator from "../src/Emulator.js"
import { Samples } from "../src/internal/core.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

/** Starts `examples/<name>.ts` with the emulator's environment; killed with the scope. */
const spawnExample = (name: string, environment: Readonly<Record<string, string>>, path = `examples/${name}.ts`) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, ["--import", "tsx", path], {
        cwd: packageDir,
        env: { ...process.env, ...environment },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      const waiters: Array<{ readonly text: string; readonly done: () => void }> = []
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        for (const waiter of waiters.filter((waiter) => stdout.includes(waiter.text))) waiter.done()
      })
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      return {
        child,
        stdout: () => stdout,
        exited,
        awaitOutput: (text: string) =>
          Effect.callback<void>((resume) => {
            if (stdout.includes(text)) return resume(Effect.void)
            waiters.push({ text, done: () => resume(Effect.void) })
          })
      }
    }),
    ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
  )

/** When the text-format line containing `text` was written (its timestamp, whole ms). */
const loggedAt = (stdout: string, text: string): number => {
  const line = stdout.split("\n").find((line) => line.includes(text))
  if (line === undefined) throw new Error(`no line with ${text} in:\n${stdout}`)
  return Date.parse(line.split("\t")[0]!)
}

const responseJson = (record: { readonly outcome?: { readonly _tag: string; readonly text?: string } | undefined }) =>
  record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text!) : record.outcome

const emulatorInScope = Emulator.make()

describe("Effect 4: examples", () => {
  it.live("hello.ts registers for SIGTERM, greets, audits after the response, and releases its layer on SIGTERM", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorInScope
      const fn = yield* spawnExample("hello", emulator.environment)
      const record = yield* emulator.invoke({ name: "Ada" })
      expect(responseJson(record)).toEqual({
        greeting: "hello, Ada",
        requestId: record.requestId
      })
      yield* fn.awaitOutput("audit: greeted Ada")
      expect(fn.stdout().indexOf("greeter ready")).toBeLessThan(fn.stdout().indexOf("audit: greeted Ada"))
      // Lambda's text format, the detached fiber's line under its invocation's request id.
      expect(fn.stdout()).toMatch(new RegExp(`^\\S+Z\\t${record.requestId}\\tINFO\\taudit: greeted Ada$`, "m"))
      // Registered during init, so that Lambda sends the SIGTERM below before it shuts down.
      expect((yield* emulator.extensions).map((extension) => extension.name)).toEqual([
        "effect-lambda-runtime"
      ])
      fn.child.kill("SIGTERM")
      expect(yield* Effect.promise(() => fn.exited)).toBe(0)
      expect(fn.stdout()).toContain("greeter released")
    }))

  it.live("hello.ts logs in Lambda's JSON format with AWS_LAMBDA_LOG_FORMAT=JSON, with the request and tenant ids", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorInScope
      const fn = yield* spawnExample("hello", { ...emulator.environment, AWS_LAMBDA_LOG_FORMAT: "JSON" })
      const record = yield* emulator.invoke({ name: "Lin" }, { tenantId: "tenant-7" })
      yield* fn.awaitOutput("audit: greeted Lin")
      const line = fn.stdout().split("\n").find((line) => line.includes("audit: greeted Lin"))
      expect(JSON.parse(line!)).toMatchObject({
        level: "INFO",
        requestId: record.requestId,
        tenantId: "tenant-7",
        message: "audit: greeted Lin"
      })
    }))

  for (const format of ["Text", "JSON"] as const) {
    it.live(`console.* (${format}) from the handler, a timer callback and detached work carries its invocation's request id, as InvokeStore does`, () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorInScope
        const fn = yield* spawnExample(
          "console",
          { ...emulator.environment, AWS_LAMBDA_LOG_FORMAT: format },
          "test/fixtures/console.ts"
        )
        for (const tag of ["a", "b"]) {
          const record = yield* emulator.invoke({ tag })
          // globalThis.awslambda.InvokeStore (Powertools, the AWS SDK) names it too.
          expect(responseJson(record)).toEqual({
            requestId: record.requestId,
            invokeStore: { inHandler: record.requestId, inTimer: record.requestId }
          })
          yield* fn.awaitOutput(`detached ${tag}`)
          const lines = fn.stdout().split("\n")
          for (
            const [text, level] of [[`handler ${tag}`, "INFO"], [`timer ${tag}`, "WARN"], [`detached ${tag}`, "ERROR"]]
          ) {
            const line = lines.find((line) => line.includes(text))!
            if (format === "JSON") {
              expect(JSON.parse(line)).toMatchObject({ level, requestId: record.requestId, message: text })
            } else {
              expect(line.split("\t").slice(1)).toEqual([record.requestId, level, text])
            }
          }
          // console.debug is not filtered when no level is set (as the official client); in JSON a
          // single object argument is the message itself.
          const debug = lines.find((line) =>
            line.includes(`debug`) && line.includes(tag) && line.includes(record.requestId)
          )
          if (format === "JSON") expect(JSON.parse(debug!).message).toEqual({ debug: tag })
          else expect(debug).toContain("\tDEBUG\t")
        }
      }))
  }
  it.live("detached.ts posts the response before the metrics flush, and asks for /next after it", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorInScope
      const fn = yield* spawnExample("detached", emulator.environment)
      const record = yield* emulator.invoke({ orderId: "o-1" })
      expect(responseJson(record)).toEqual({ statusCode: 200, body: `{"accepted":"o-1"}` })
      const nextAt = yield* emulator.awaitNextRequest(2)
      // The line was written before /next was asked, but the pipe may deliver it after.
      yield* fn.awaitOutput(`metrics flushed for ${record.requestId}`)
      const flushedAt = loggedAt(fn.stdout(), `metrics flushed for ${record.requestId}`)
      // The flush sleeps 200 ms after the fork, so it ends after the response was posted...
      expect(flushedAt).toBeGreaterThanOrEqual(Math.floor(record.resultAt!))
      // ...and the runtime waited for it before asking for the next invocation.
      expect(Math.ceil(nextAt)).toBeGreaterThanOrEqual(flushedAt)
      expect(fn.stdout()).toContain("audit: order o-1 accepted")
    }))

  it.live("errors.ts reports typed failures, defects and bad events with their errorType", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorInScope
      yield* spawnExample("errors", emulator.environment)
      // The Effect 3 line's checks of its own errors.ts (test/examples.test.ts).
      for (const { event, expected } of errorsCases) {
        expect(errorsSeen(yield* emulator.invoke(event))).toMatchObject(expected)
      }
    }))

  it.live("streaming.ts streams a CSV export with its prelude, then audits it before the next /next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 30_000 })
      const fn = yield* spawnExample("streaming", emulator.environment)
      const record = yield* emulator.invoke(csvEvent)
      const outcome = record.outcome
      expect(outcome).toMatchObject({ _tag: "Response", streaming: true, http: { _tag: "Decoded" } })
      const http = outcome?._tag === "Response" && outcome.http?._tag === "Decoded" ? outcome.http : undefined
      // The Effect 3 line's checks of its own streaming.ts (test/Streaming.test.ts).
      expect(csvSeen({
        statusCode: http?.statusCode ?? 0,
        contentType: http?.headers["content-type"],
        cookies: http?.cookies,
        body: Buffer.from(http?.body ?? new Uint8Array()).toString()
      })).toEqual(csvExpected(record.requestId))
      yield* fn.awaitOutput(csvAuditLine)
      yield* emulator.awaitNextRequest(2)
      expect(record.posts).toEqual([expect.objectContaining({ kind: "response", status: 202 })])
    }))

  it.live("layers.ts builds the SQS client once, sends each order after the response, and releases it on SIGTERM", () =>
    Effect.gen(function*() {
      const sqs = yield* Effect.acquireRelease(
        Effect.promise(() => startSqsEndpoint()),
        (sqs) => Effect.promise(sqs.close)
      )
      const emulator = yield* emulatorInScope
      const fn = yield* spawnExample("layers", {
        ...emulator.environment,
        QUEUE_URL: "http://sqs.local/123456789012/orders",
        SQS_ENDPOINT: sqs.endpoint,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test"
      })
      for (const orderId of ["o-1", "o-2"]) {
        expect(responseJson(yield* emulator.invoke({ orderId }))).toEqual({ accepted: orderId })
        const message = yield* Effect.promise(sqs.take)
        expect(message.target).toBe("AmazonSQS.SendMessage")
        expect(message.queueUrl).toBe("http://sqs.local/123456789012/orders")
        expect(message.messageBody).toBe(JSON.stringify({ orderId }))
      }
      yield* emulator.awaitNextRequest(3)
      yield* fn.awaitOutput("order o-2 enqueued as m-17")
      fn.child.kill("SIGTERM")
      expect(yield* Effect.promise(() => fn.exited)).toBe(0)
      expect(fn.stdout().split("SQS client ready")).toHaveLength(2)
      expect(fn.stdout()).toContain("SQS client released")
    }))

  it.live("sqs-batch.ts answers with the refused and the undecodable message only, each record's lines under its ids", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorInScope
      const fn = yield* spawnExample("sqs-batch", { ...emulator.environment, AWS_LAMBDA_LOG_FORMAT: "JSON" })
      const record = yield* emulator.invoke({
        Records: [
          sqsRecord("m-1", JSON.stringify({ orderId: "o-1", quantity: 2 })),
          sqsRecord("m-2", JSON.stringify({ orderId: "o-2", quantity: 0 })),
          sqsRecord("m-3", "not an order"),
          sqsRecord("m-4", JSON.stringify({ orderId: "o-4", quantity: 1 }))
        ]
      })
      expect(responseJson(record)).toEqual({
        batchItemFailures: [{ itemIdentifier: "m-2" }, { itemIdentifier: "m-3" }]
      })
      yield* fn.awaitOutput("SQS batch of 4")
      const lines = fn.stdout().split("\n").filter((line) => line.startsWith("{")).map(
        (line) => JSON.parse(line) as Record<string, unknown>
      )
      const ids = { requestId: record.requestId }
      expect(lines.find((line) => line["message"] === "saved order o-1 (2)")).toMatchObject({
        ...ids,
        level: "INFO",
        recordId: "m-1"
      })
      expect(lines.find((line) => line["recordId"] === "m-2" && line["level"] === "ERROR")).toMatchObject({
        ...ids,
        message: "record failed",
        errorType: "OrderRejected"
      })
      expect(lines.find((line) => line["recordId"] === "m-3" && line["level"] === "ERROR")?.["message"]).toMatch(
        /^record does not decode: at \["body"\]: /
      )
      expect(lines.find((line) => String(line["message"]).startsWith("SQS batch of 4"))).toMatchObject({
        ...ids,
        level: "WARN",
        message: "SQS batch of 4: 2 succeeded, 2 failed, 0 interrupted, 0 skipped",
        eventSource: "SQS"
      })
      fn.child.kill("SIGTERM")
      expect(yield* Effect.promise(() => fn.exited)).toBe(0)
    }))

  it.live("http-api.ts serves its HttpApi in every event shape (created, found, a typed 404, a bad payload), its layer built once and released on SIGTERM", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorInScope
      const fn = yield* spawnExample("http-api", emulator.environment)
      const invoke = (event: unknown) =>
        Effect.map(emulator.invoke(event), (record) => ({ requestId: record.requestId, answer: responseJson(record) }))
      // The core's samples (`effect-lambda event`): an HTTP API POST /orders, then GETs of that order.
      const { samples } = Samples
      const created = yield* invoke(samples["apigw-v2"])
      expect(created.answer).toMatchObject({ statusCode: 201, isBase64Encoded: false })
      expect(JSON.parse(created.answer.body)).toEqual({ orderId: "o-42", quantity: 2, requestId: created.requestId })
      yield* fn.awaitOutput("audit: order o-42 x2")
      const found = yield* invoke(samples["apigw-v1"])
      expect(found.answer).toMatchObject({ statusCode: 200, headers: { "content-type": "application/json" } })
      expect(JSON.parse(found.answer.body)).toMatchObject({ orderId: "o-42", requestId: created.requestId })
      expect((yield* invoke(samples.alb)).answer).toMatchObject({ statusCode: 200, statusDescription: "200 OK" })
      const missing = yield* invoke({ ...(samples["apigw-v1"] as object), path: "/orders/o-9" })
      expect(missing.answer.statusCode).toBe(404)
      expect(JSON.parse(missing.answer.body)).toEqual({ _tag: "OrderNotFound", orderId: "o-9" })
      const invalid = yield* invoke({ ...(samples["function-url"] as object), body: `{"orderId":"o-1"}` })
      expect(invalid.answer.statusCode).toBe(400)
      expect(fn.stdout().split("orders ready").length).toBe(2)
      fn.child.kill("SIGTERM")
      expect(yield* Effect.promise(() => fn.exited)).toBe(0)
      expect(fn.stdout()).toContain("orders released")
    }))

  it.live("http-stream.ts streams server-sent events, the first before the last is produced", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorInScope
      yield* spawnExample("http-stream", emulator.environment)
      // The Effect 3 line's checks of its own http-stream.ts (test/examples.test.ts).
      const seen = ticksSeen(yield* emulator.invoke(ticksEvent()))
      expect(seen).toMatchObject(ticksExpected)
      expect(seen.spreadMs).toBeGreaterThan(100)
    }))

  it.live("observability.ts exports its nested spans to an OTLP collector and writes its metrics as EMF", () =>
    Effect.scoped(Effect.gen(function*() {
      const collector = yield* Effect.acquireRelease(
        Effect.promise(() => FakeCollector.start()),
        (collector) => Effect.promise(collector.close)
      )
      const emulator = yield* emulatorInScope
      const fn = yield* spawnExample("observability", {
        ...emulator.environment,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        POWERTOOLS_METRICS_NAMESPACE: "Shop"
      })
      const exported = collector.nextRequest()
      const record = yield* emulator.invoke(observabilityEvent)
      expect(responseJson(record)).toEqual({ orderId: "o-1", accepted: true })
      expect(spanTree(FakeCollector.spansOf(yield* Effect.promise(() => exported)))).toEqual(expectedSpanTree)
      yield* fn.awaitOutput("OrderSize")
      expect(emfMetrics(fn.stdout())).toEqual(expectedEmfMetrics)
    })))
})
