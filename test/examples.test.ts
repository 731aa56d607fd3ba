/**
 * Every example's entry in `examples/` runs as a child process against the emulator, the way the
 * README tells users to run them: what only a real process shows (the entry imports its
 * handler module and starts the runtime, Lambda's Text log lines on stdout, when `/next` is
 * asked, SIGTERM). What each handler answers is tested in-process, in more cases, by
 * `test/exampleHandlers.test.ts`. The entries `streaming.ts` and `powertools.ts` run as
 * processes in `test/Streaming.test.ts`, `test/Build.test.ts`, `test/NodeContext.test.ts` and
 * `test/RealFunctions.test.ts`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import * as Emulator from "../src/Emulator.js"
import type { InvocationRecord } from "../src/Emulator.js"
import { readFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { spawnFunction } from "./process.js"
import { fakeSqs } from "./fakeSqs.js"
import { order, sqsRecord, streamRecord } from "./eventRecords.js"
import { errorsCases, errorsSeen } from "./errorsExample.js"
import { ticksEvent, ticksExpected, ticksSeen } from "./httpStreamExample.js"

const responseJson = (record: InvocationRecord): unknown => {
  expect(record.outcome?._tag).toBe("Response")
  return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null")
}

const errorDocument = (record: InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Error")
  return record.outcome?._tag === "Error" ? record.outcome.document : undefined
}

/** The epoch milliseconds of the Lambda text-format line that contains `text`. */
const loggedAt = (stdout: string, text: string): number => {
  const line = stdout.split("\n").find((l) => l.includes(text))
  expect(line).toBeDefined()
  return Date.parse(line!.split("\t")[0]!)
}

describe("examples", () => {
  it.scopedLive("hello.ts answers with a greeting", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* spawnFunction("examples/hello.ts", emulator.environment)
      expect(responseJson(yield* emulator.invoke({ name: "world" }))).toEqual({ greeting: "hello, world" })
      expect(responseJson(yield* emulator.invoke({}))).toEqual({ greeting: "hello, stranger" })
    }))

  it.scopedLive("detached.ts posts the response before the metrics flush, and asks for /next after it", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("examples/detached.ts", emulator.environment)
      const record = yield* emulator.invoke({ orderId: "o-1" })
      expect(responseJson(record)).toEqual({ statusCode: 200, body: `{"accepted":"o-1"}` })
      const nextAt = yield* emulator.awaitNextRequest(2)
      // The line was written before /next was asked, but the pipe may deliver it after.
      yield* fn.awaitOutput(`metrics flushed for ${record.requestId}`)
      const flushedAt = loggedAt(fn.stdout(), `metrics flushed for ${record.requestId}`)
      // The flush sleeps 200 ms after the fork, so it ends after the response was posted...
      expect(flushedAt).toBeGreaterThanOrEqual(Math.floor(record.resultAt!))
      // ...and the runtime waited for it before asking for the next invocation.
      expect(nextAt).toBeGreaterThanOrEqual(flushedAt)
      expect(fn.stdout()).toContain(`audit: order o-1 accepted`)
    }))

  it.scopedLive("errors.ts reports typed failures, defects and bad events with their errorType", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* spawnFunction("examples/errors.ts", emulator.environment)
      // The cases both lines' errors.ts examples answer alike (test/errorsExample.ts).
      for (const { event, expected } of errorsCases) {
        expect(errorsSeen(yield* emulator.invoke(event))).toMatchObject(expected)
      }
    }))

  it.scopedLive("layers.ts builds the SQS client once, sends each order after the response, and releases it on SIGTERM", () =>
    Effect.gen(function*() {
      const sqs = yield* fakeSqs()
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("examples/layers.ts", {
        ...emulator.environment,
        QUEUE_URL: "http://sqs.local/123456789012/orders",
        SQS_ENDPOINT: sqs.endpoint,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test"
      })
      for (const orderId of ["o-1", "o-2"]) {
        expect(responseJson(yield* emulator.invoke({ orderId }))).toEqual({ accepted: orderId })
        const message = yield* Queue.take(sqs.requests)
        expect(message.target).toBe("AmazonSQS.SendMessage")
        expect(message.queueUrl).toBe("http://sqs.local/123456789012/orders")
        expect(message.messageBody).toBe(JSON.stringify({ orderId }))
      }
      yield* emulator.awaitNextRequest(3)
      expect(fn.stdout()).toContain("order o-2 enqueued as m-17")
      fn.child.kill("SIGTERM")
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout().split("SQS client ready")).toHaveLength(2)
      expect(fn.stdout()).toContain("SQS client released")
    }))

  it.scopedLive("http-api.ts serves an order with a cookie, answers a typed 404, and audits before the next /next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("examples/http-api.ts", emulator.environment)
      const event = JSON.parse(readFileSync(new URL("../examples/events/http-api-get.json", import.meta.url), "utf8"))
      const found = yield* emulator.invoke(event)
      const doc = responseJson(found) as { statusCode: number; body: string; cookies: Array<string> }
      expect(doc.statusCode).toBe(200)
      expect(JSON.parse(doc.body)).toEqual({ id: "o-1", item: "coffee beans", requestId: found.requestId })
      expect(doc.cookies).toEqual([`visitor=v-${found.requestId.slice(0, 8)}; Path=/; HttpOnly; Secure`])
      const nextAt = yield* emulator.awaitNextRequest(2)
      yield* fn.awaitOutput("audit: order o-1 read by alice via ApiGatewayV2")
      // The audit is detached: it may run while the response is on its way, and the runtime
      // waits for it before asking for the next invocation (the log's clock is in whole ms).
      const auditedAt = loggedAt(fn.stdout(), "audit: order o-1 read by alice via ApiGatewayV2")
      expect(Math.ceil(nextAt)).toBeGreaterThanOrEqual(auditedAt)

      const missing = responseJson(yield* emulator.invoke({ ...event, rawPath: "/orders/o-9" })) as {
        statusCode: number
        body: string
      }
      expect(missing.statusCode).toBe(404)
      expect(JSON.parse(missing.body)).toEqual({ _tag: "OrderNotFound", id: "o-9" })
    }))

  it.scopedLive("http-stream.ts streams server-sent events, the first before the last is produced", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* spawnFunction("examples/http-stream.ts", emulator.environment)
      const seen = ticksSeen(yield* emulator.invoke(ticksEvent()))
      expect(seen).toMatchObject(ticksExpected)
      expect(seen.spreadMs).toBeGreaterThan(100)
    }))
})

/** A price service on loopback that answers after 20 ms and counts the requests it holds at once. */
const priceService = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly maxInFlight: () => number }>((resume) => {
    let inFlight = 0
    let maxInFlight = 0
    const server = http.createServer((req, res) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const sku = decodeURIComponent(req.url!.split("/").pop()!)
      setTimeout(() => {
        inFlight--
        if (sku === "unknown") res.writeHead(404).end()
        else {res.writeHead(200, { "content-type": "application/json" }).end(
            JSON.stringify({ sku, cents: sku.length * 100 })
          )}
      }, 20)
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        maxInFlight: () => maxInFlight,
        server
      })))
  }),
  (service) => Effect.sync(() => (service as unknown as { server: http.Server }).server.close())
)

describe("examples: Lambda Managed Instances", () => {
  it.scopedLive("managed-instances.ts serves 32 quotes at once through 8 loops, each answer and log line its own, and reports an unknown price as PriceUnavailable", () =>
    Effect.gen(function*() {
      const prices = yield* priceService
      const emulator = yield* Emulator.make({ concurrency: 8 })
      const fn = yield* spawnFunction("examples/managed-instances.ts", {
        ...emulator.environment,
        PRICES_URL: prices.url
      })
      yield* emulator.awaitNextRequest(8)
      const skus = Array.from({ length: 32 }, (_, i) => `sku-${i}`)
      const records = yield* Effect.forEach(skus, (sku) => emulator.invoke({ sku, quantity: 2 }), {
        concurrency: "unbounded"
      })
      records.forEach((record, i) => {
        expect(responseJson(record)).toEqual({
          requestId: record.requestId,
          sku: skus[i],
          totalCents: skus[i]!.length * 200
        })
      })
      // The loops waited on the price service side by side, never more than 8 at once.
      expect(prices.maxInFlight()).toBeGreaterThanOrEqual(2)
      expect(prices.maxInFlight()).toBeLessThanOrEqual(8)
      for (const [i, record] of records.entries()) {
        yield* fn.awaitOutput(`quote recorded: ${skus[i]}`)
        const line = fn.stdout().split("\n").find((l) => l.includes(`"quote recorded: ${skus[i]} `))
        expect(JSON.parse(line!)).toMatchObject({ level: "INFO", requestId: record.requestId })
      }
      expect(errorDocument(yield* emulator.invoke({ sku: "unknown", quantity: 1 }))).toMatchObject({
        errorType: "PriceUnavailable",
        errorMessage: expect.stringContaining("no price for unknown")
      })
    }))
})

describe("examples: event sources", () => {
  it.scopedLive("sqs-batch.ts saves the good orders, reports the poisoned ones, and finishes the detached metrics before /next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("examples/sqs-batch.ts", emulator.environment)
      const record = yield* emulator.invoke({
        Records: [
          sqsRecord("m-1", JSON.stringify({ orderId: "o-1", quantity: 2 })),
          sqsRecord("m-2", JSON.stringify({ orderId: "o-2", quantity: "lots" })),
          sqsRecord("m-3", JSON.stringify({ orderId: "o-3", quantity: 500 })),
          sqsRecord("m-4", JSON.stringify({ orderId: "o-4", quantity: 1 }))
        ]
      })
      expect(responseJson(record)).toEqual({
        batchItemFailures: [{ itemIdentifier: "m-2" }, { itemIdentifier: "m-3" }]
      })
      const nextAt = yield* emulator.awaitNextRequest(2)
      yield* fn.awaitOutput("metric: orders.saved +1 (o-1)")
      yield* fn.awaitOutput("metric: orders.saved +1 (o-4)")
      const out = fn.stdout()
      // Lambda's Text lines, with the record's id annotated (the log's contents: exampleHandlers.test.ts).
      expect(out).toMatch(
        new RegExp(
          `\t${record.requestId}\tERROR\trecord does not decode: at \\["body"\\]\\["quantity"\\].*recordId=m-2`
        )
      )
      expect(out).toContain("SQS batch of 4: 2 succeeded, 2 failed, 0 interrupted, 0 skipped")
      // Detached work does not hold the response back, and is finished before the next /next.
      expect(nextAt).toBeGreaterThanOrEqual(loggedAt(out, "metric: orders.saved +1 (o-1)"))
      expect(nextAt).toBeGreaterThanOrEqual(loggedAt(out, "metric: orders.saved +1 (o-4)"))
      expect(out).not.toContain("metric: orders.saved +1 (o-3)")
    }))

  it.scopedLive("dynamodb-stream.ts checkpoints at the first bad record, in Lambda's log format", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("examples/dynamodb-stream.ts", emulator.environment)
      const bad = yield* emulator.invoke({
        Records: [
          streamRecord("400", "INSERT", { NewImage: order("placed") }),
          streamRecord("500", "MODIFY", { OldImage: order("placed"), NewImage: order("lost") }),
          streamRecord("600", "MODIFY", { OldImage: order("placed"), NewImage: order("shipped") })
        ]
      })
      expect(responseJson(bad)).toEqual({ batchItemFailures: [{ itemIdentifier: "500" }] })
      yield* emulator.awaitNextRequest(2)
      // The changes' order and the other cases: exampleHandlers.test.ts.
      const out = fn.stdout()
      expect(out).toMatch(new RegExp(`\t${bad.requestId}\tINFO\torder o-1 placed \\(42\\.5\\)`))
      expect(out).toMatch(/record does not decode: at \["dynamodb"\]\["NewImage"\]\["status"\].*recordId=500/)
      expect(out).not.toContain("placed -> shipped")
    }))
})
