/**
 * Every example's handler, tested in-process with `LambdaTest` as users test theirs: the
 * handler module is imported (the entry in `examples/<name>.ts` only runs it), invoked through
 * the runtime's own loop, and checked on the answer Lambda's caller would get, the detached
 * work and the logs. `test/examples.test.ts` runs the entries themselves as child processes.
 */
import { describe, expect, it, vi } from "@effect/vitest"
import {
  Cause,
  ConfigProvider,
  Effect,
  Fiber,
  HashMap,
  Layer,
  Logger,
  Option,
  Queue,
  TestClock,
  TestServices
} from "effect"
import { readFileSync } from "node:fs"
import type { DropInContext } from "../src/DropIn.js"
import { LambdaTest } from "../src/index.js"
import * as Detached from "../examples/handlers/detached.js"
import * as DynamodbStream from "../examples/handlers/dynamodb-stream.js"
import * as Errors from "../examples/handlers/errors.js"
import * as Hello from "../examples/handlers/hello.js"
import * as HttpApi from "../examples/handlers/http-api.js"
import * as HttpStream from "../examples/handlers/http-stream.js"
import * as Layers from "../examples/handlers/layers.js"
import * as Powertools from "../examples/handlers/powertools.js"
import * as SqsBatch from "../examples/handlers/sqs-batch.js"
import * as Streaming from "../examples/handlers/streaming.js"
import { fakeSqs } from "./fakeSqs.js"
import { order, sqsRecord, streamRecord } from "./eventRecords.js"

interface LogEntry {
  readonly message: string
  /** The runtime annotates every line with the invocation's `requestId`; event sources add theirs. */
  readonly annotations: Record<string, unknown>
  /** `Cause.pretty` of the line's cause, "" without one. */
  readonly cause: string
}

/**
 * What the handler logs through Effect's logger, and the layer that collects it.
 * `@effect/vitest` removes the default logger, so the test adds its own.
 */
const logCapture = () => {
  const entries: Array<LogEntry> = []
  const layer = Logger.add(Logger.make(({ annotations, cause, message }) => {
    entries.push({
      message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
      annotations: Object.fromEntries(HashMap.toEntries(annotations)),
      cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause)
    })
  }))
  return { entries, messages: () => entries.map((entry) => entry.message), layer }
}

/**
 * `effect` within 5 real seconds: on the TestClock a wait that should not happen (an answer held
 * back by detached work) would otherwise hang until the test's timeout.
 */
const promptly = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  TestServices.provideLive(Effect.timeoutFail(effect, {
    duration: "5 seconds",
    onTimeout: () => new Error("not there within 5 real seconds, with the TestClock stopped")
  }))

const event = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../examples/events/${name}`, import.meta.url), "utf8"))

/** Lambda's HTTP integration response, as a Function URL decodes it: the JSON prelude, 8 NULs, the body. */
const httpIntegration = (result: LambdaTest.Result) => {
  if (result._tag === "Failure") {
    throw new Error(`The invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`)
  }
  expect(result.contentType).toBe("application/vnd.awslambda.http-integration-response")
  expect(result.streamError).toBeUndefined()
  const separator = result.text.indexOf("\0".repeat(8))
  expect(separator).toBeGreaterThan(0)
  return {
    prelude: JSON.parse(result.text.slice(0, separator)) as {
      statusCode: number
      headers: Record<string, string>
      cookies?: Array<string>
    },
    body: result.text.slice(separator + 8)
  }
}

describe("hello", () => {
  it.effect("greets by name, and strangers without one", () =>
    Effect.gen(function*() {
      expect(LambdaTest.json(yield* LambdaTest.invoke(Hello.handler, { name: "world" }))).toEqual({
        greeting: "hello, world"
      })
      expect(LambdaTest.json(yield* LambdaTest.invoke(Hello.handler, {}))).toEqual({ greeting: "hello, stranger" })
      expect(LambdaTest.json(yield* LambdaTest.invoke(Hello.handler, null))).toEqual({ greeting: "hello, stranger" })
    }))
})

describe("detached", () => {
  it.scoped("answers while the metrics flush is still running; the invocation ends after it", () => {
    const logs = logCapture()
    return Effect.gen(function*() {
      const invocation = yield* LambdaTest.start(Detached.handler, { orderId: "o-1" }, { requestId: "req-1" })
      // The TestClock has not moved: the flush is still in its 200 ms sleep, the answer is there.
      const result = yield* promptly(invocation.result)
      expect(LambdaTest.json(result)).toEqual({ statusCode: 200, body: JSON.stringify({ accepted: "o-1" }) })
      const done = yield* Effect.fork(invocation.done)
      yield* TestClock.adjust("199 millis")
      expect(yield* Fiber.poll(done)).toEqual(Option.none())
      expect(logs.messages()).toEqual(["audit: order o-1 accepted"])
      yield* TestClock.adjust("1 millis")
      // The flush and the audit line: both detached, both finished.
      expect(yield* Fiber.join(done)).toMatchObject({ completed: 2, failed: 0, interrupted: 0 })
      expect(logs.messages()).toEqual(["audit: order o-1 accepted", "metrics flushed for req-1"])
      // Detached lines keep the invocation's request id.
      expect(logs.entries.map((entry) => entry.annotations.requestId)).toEqual(["req-1", "req-1"])
    }).pipe(Effect.provide(logs.layer))
  })

  it.scoped("is interrupted at the deadline when the function's timeout is too short for the flush", () =>
    Effect.gen(function*() {
      const invocation = yield* LambdaTest.start(Detached.handler, { orderId: "o-2" }, {
        timeout: "300 millis",
        timeoutMargin: "200 millis"
      })
      expect(LambdaTest.json(yield* promptly(invocation.result))).toEqual({
        statusCode: 200,
        body: JSON.stringify({ accepted: "o-2" })
      })
      // deadline - margin = 100 ms, before the flush's 200 ms are up.
      yield* TestClock.adjust("100 millis")
      expect(yield* invocation.done).toMatchObject({ completed: 1, interrupted: 1 })
    }))
})

describe("errors", () => {
  const invoke = (command: unknown) => LambdaTest.invoke(Errors.handler, command, { event: Errors.Command })

  it.effect("pays", () =>
    Effect.gen(function*() {
      expect(LambdaTest.json(yield* invoke({ action: "pay" }))).toEqual({ paid: true })
    }))

  it.effect("a typed failure is the errorType and message of the error document", () =>
    Effect.gen(function*() {
      expect(LambdaTest.error(yield* invoke({ action: "decline" }))).toMatchObject({
        errorType: "PaymentDeclined",
        errorMessage: "card declined: insufficient funds"
      })
    }))

  it.effect("a defect keeps its Error name and message", () =>
    Effect.gen(function*() {
      expect(LambdaTest.error(yield* invoke({ action: "crash" }))).toMatchObject({
        errorType: "TypeError",
        errorMessage: "Cannot read properties of undefined (reading 'card')"
      })
    }))

  it.effect("an event the Schema refuses is an UnmarshalError naming the path", () =>
    Effect.gen(function*() {
      const error = LambdaTest.error(yield* invoke({ action: "refund" }))
      expect(error?.errorType).toBe("Runtime.UnmarshalError")
      expect(error?.errorMessage).toContain(`["action"]`)
      expect(error?.errorMessage).toContain(`"refund"`)
    }))
})

describe("layers", () => {
  const queueUrl = "http://sqs.local/123456789012/orders"

  it.scoped("sends the order to SQS after the answer, with the client built from Config and released after", () => {
    const logs = logCapture()
    return Effect.gen(function*() {
      // The AWS SDK reads its credentials from the environment, as on Lambda.
      vi.stubEnv("AWS_ACCESS_KEY_ID", "test")
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test")
      yield* Effect.addFinalizer(() => Effect.sync(() => vi.unstubAllEnvs()))
      const sqs = yield* fakeSqs()
      const result = yield* LambdaTest.invoke(Layers.handler, { orderId: "o-1" }).pipe(
        Effect.provide(Layers.layer),
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["QUEUE_URL", queueUrl], ["SQS_ENDPOINT", sqs.endpoint]]))
        )
      )
      expect(LambdaTest.json(result)).toEqual({ accepted: "o-1" })
      expect(result.detached).toMatchObject({ completed: 1, failed: 0, interrupted: 0 })
      const message = yield* Queue.take(sqs.requests)
      expect(message).toMatchObject({
        target: "AmazonSQS.SendMessage",
        queueUrl,
        messageBody: JSON.stringify({ orderId: "o-1" })
      })
      expect(logs.messages()).toEqual([
        "SQS client ready",
        `order o-1 enqueued as m-${JSON.stringify({ orderId: "o-1" }).length}`,
        "SQS client released"
      ])
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("without QUEUE_URL the layer does not build", () =>
    Effect.gen(function*() {
      const error = yield* LambdaTest.invoke(Layers.handler, { orderId: "o-1" }).pipe(
        Effect.provide(Layers.layer),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map())),
        Effect.flip
      )
      expect(String(error)).toContain("QUEUE_URL")
    }))

  it.effect("an order SQS refuses fails the detached fiber, not the answer", () =>
    Effect.gen(function*() {
      const refusing = Layer.succeed(Layers.Orders, {
        enqueue: (order) =>
          Effect.fail(new Layers.EnqueueFailed({ orderId: order.orderId, cause: new Error("throttled") }))
      })
      const result = yield* LambdaTest.invoke(Layers.handler, { orderId: "o-2" }).pipe(Effect.provide(refusing))
      expect(LambdaTest.json(result)).toEqual({ accepted: "o-2" })
      expect(result.detached).toMatchObject({ completed: 0, failed: 1 })
    }))
})

describe("sqs-batch", () => {
  it.effect("reports the poisoned messages in batchItemFailures and sends the saved orders' metrics detached", () => {
    const logs = logCapture()
    return Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(SqsBatch.handler, {
        Records: [
          sqsRecord("m-1", JSON.stringify({ orderId: "o-1", quantity: 2 })),
          sqsRecord("m-2", JSON.stringify({ orderId: "o-2", quantity: "lots" })),
          sqsRecord("m-3", JSON.stringify({ orderId: "o-3", quantity: 500 })),
          sqsRecord("m-4", JSON.stringify({ orderId: "o-4", quantity: 1 }))
        ]
      })
      expect(LambdaTest.json(result)).toEqual({
        batchItemFailures: [{ itemIdentifier: "m-2" }, { itemIdentifier: "m-3" }]
      })
      // One metric per saved order: o-1 and o-4.
      expect(result.detached).toMatchObject({ completed: 2, failed: 0, interrupted: 0 })
      const messages = logs.messages()
      expect(messages).toEqual(expect.arrayContaining([
        "order o-1 saved (2)",
        "order o-4 saved (1)",
        "metric: orders.saved +1 (o-1)",
        "metric: orders.saved +1 (o-4)",
        "SQS batch of 4: 2 succeeded, 2 failed, 0 interrupted, 0 skipped"
      ]))
      expect(messages).not.toContainEqual(expect.stringContaining("(o-3)"))
      expect(logs.entries).toContainEqual(expect.objectContaining({
        message: expect.stringMatching(/^record does not decode: at \["body"\]\["quantity"\]/),
        annotations: expect.objectContaining({ recordId: "m-2" })
      }))
      expect(logs.entries).toContainEqual(expect.objectContaining({
        annotations: expect.objectContaining({ recordId: "m-3" }),
        cause: expect.stringContaining("OutOfStock")
      }))
    }).pipe(Effect.provide(logs.layer))
  })
})

describe("dynamodb-stream", () => {
  const changes = (messages: ReadonlyArray<string>) => messages.filter((message) => message.startsWith("order o-1"))

  it.effect("publishes the changes in order", () => {
    const logs = logCapture()
    return Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(DynamodbStream.handler, {
        Records: [
          streamRecord("100", "INSERT", { NewImage: order("placed") }),
          streamRecord("200", "MODIFY", { OldImage: order("placed"), NewImage: order("paid") }),
          streamRecord("250", "MODIFY", { OldImage: order("paid", "42.5"), NewImage: order("paid", "40") }),
          streamRecord("300", "REMOVE", { OldImage: order("paid") })
        ]
      })
      expect(LambdaTest.json(result)).toEqual({ batchItemFailures: [] })
      // A change that keeps the status publishes nothing.
      expect(changes(logs.messages())).toEqual([
        "order o-1 placed (42.5)",
        "order o-1: placed -> paid",
        "order o-1 removed"
      ])
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("checkpoints at the first record that is not an order, and publishes nothing after it", () => {
    const logs = logCapture()
    return Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(DynamodbStream.handler, {
        Records: [
          streamRecord("400", "INSERT", { NewImage: order("placed") }),
          streamRecord("500", "MODIFY", { OldImage: order("placed"), NewImage: order("lost") }),
          streamRecord("600", "MODIFY", { OldImage: order("placed"), NewImage: order("shipped") })
        ]
      })
      expect(LambdaTest.json(result)).toEqual({ batchItemFailures: [{ itemIdentifier: "500" }] })
      expect(changes(logs.messages())).toEqual(["order o-1 placed (42.5)"])
      expect(logs.entries).toContainEqual(expect.objectContaining({
        message: expect.stringMatching(/^record does not decode: at \["dynamodb"\]\["NewImage"\]\["status"\]/),
        annotations: expect.objectContaining({ recordId: "500" })
      }))
    }).pipe(Effect.provide(logs.layer))
  })
})

describe("http-api", () => {
  const get = event("http-api-get.json") as Record<string, unknown>
  const requestId = "5f0c7a8e-0d7e-4f6b-9a51-3b8f2c1d4e6a"
  it.scoped("answers GET /orders/o-1 with 200, the order as JSON and the visitor cookie; the audit is detached", () => {
    const logs = logCapture()
    return Effect.gen(function*() {
      // The API is built by the handler's init step, which LambdaTest runs as the runtime does.
      const result = yield* LambdaTest.invoke(HttpApi.handler, get, { requestId })
      const response = LambdaTest.json(result) as {
        statusCode: number
        headers: Record<string, string>
        body: string
        cookies: Array<string>
      }
      expect(response.statusCode).toBe(200)
      expect(response.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(response.body)).toEqual({ id: "o-1", item: "coffee beans", requestId })
      expect(response.cookies).toEqual([`visitor=v-5f0c7a8e; Path=/; HttpOnly; Secure`])
      expect(result.detached).toMatchObject({ completed: 1, failed: 0 })
      expect(logs.messages()).toContain("audit: order o-1 read by alice via ApiGatewayV2")
    }).pipe(Effect.provide(logs.layer))
  })

  it.scoped("answers an unknown order with the typed 404", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(HttpApi.handler, { ...get, rawPath: "/orders/o-9" })
      const response = LambdaTest.json(result) as { statusCode: number; body: string }
      expect(response.statusCode).toBe(404)
      expect(JSON.parse(response.body)).toEqual({ _tag: "OrderNotFound", id: "o-9" })
      expect(result.detached).toMatchObject({ completed: 0 })
    }))
})

describe("streaming", () => {
  it.effect("streams the CSV export with its status, headers and cookie in the prelude", () => {
    const logs = logCapture()
    return Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(Streaming.handler, { rows: 3 }, { requestId: "req-csv" })
      const { body, prelude } = httpIntegration(result)
      expect(prelude).toEqual({
        statusCode: 200,
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": "attachment; filename=\"orders.csv\""
        },
        cookies: ["last-export=req-csv; Path=/; HttpOnly"]
      })
      expect(body).toBe("id,customer,amount\n1,customer-1,79.19\n2,customer-2,158.38\n3,customer-3,237.57\n")
      // The audit line runs after the last byte, as detached work.
      expect(result.detached).toMatchObject({ completed: 1, failed: 0 })
      expect(logs.messages()).toEqual(["exporting 3 rows", "audit: 3 rows exported"])
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("without a row count, exports 1000 rows", () =>
    Effect.gen(function*() {
      const { body } = httpIntegration(yield* LambdaTest.invoke(Streaming.handler, {}))
      const lines = body.split("\n")
      expect(lines).toHaveLength(1 + 1000 + 1)
      expect(lines[1000]).toBe(`1000,customer-${1000 % 97},${(1000 * 7919 % 100_000) / 100}`)
    }))
})

describe("http-stream", () => {
  it.scoped("streams one server-sent event per tick, 100 ms apart on the clock", () =>
    Effect.gen(function*() {
      const invocation = yield* LambdaTest.start(HttpStream.handler, event("http-stream.json"))
      const result = yield* Effect.fork(invocation.result)
      // The ticks wait on the TestClock: not all three are there after 150 ms.
      yield* TestClock.adjust("150 millis")
      expect(yield* Fiber.poll(result)).toEqual(Option.none())
      yield* TestClock.adjust("1 second")
      const { body, prelude } = httpIntegration(yield* Fiber.join(result))
      expect(prelude.statusCode).toBe(200)
      expect(prelude.headers).toMatchObject({ "content-type": "text/event-stream", "cache-control": "no-cache" })
      const events = body.split("\n\n").filter((e) => e.length > 0)
      expect(events.map((e) => e.split("\n")[0])).toEqual(["event: tick", "event: tick", "event: tick"])
      const data = events.map((e) => JSON.parse(e.split("\n")[1]!.slice("data: ".length)) as { n: number; at: string })
      expect(data.map((d) => d.n)).toEqual([1, 2, 3])
      // The times come from the Clock: the TestClock's, 100 ms apart.
      const times = data.map((d) => Date.parse(d.at))
      expect([times[1]! - times[0]!, times[2]! - times[1]!]).toEqual([100, 100])
    }))
})

describe("powertools", () => {
  it.scoped("the Powertools Logger lines, in the handler and detached, carry the invocation's context", () =>
    Effect.gen(function*() {
      // Powertools Logger writes to process.stdout (its own Console), not through Effect's logger.
      const written: Array<string> = []
      const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk))
        return true
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => write.mockRestore()))
      const result = yield* LambdaTest.invoke(Powertools.handler, { orderId: "o-7" }, {
        requestId: "req-powertools",
        functionName: "orders-fn",
        memoryLimitInMB: 256
      })
      write.mockRestore()
      expect(LambdaTest.json(result)).toEqual({ accepted: "o-7" })
      expect(result.detached).toMatchObject({ completed: 1, failed: 0 })
      const lines = written.join("").split("\n").filter((line) => line.includes(`"orderId":"o-7"`))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(lines.map((line) => line.message)).toEqual(["order received", "order flushed o-7"])
      for (const line of lines) {
        expect(line).toMatchObject({
          level: "INFO",
          service: "orders",
          function_request_id: "req-powertools",
          function_name: "orders-fn",
          // A string, as in Node's Lambda context (and so in Powertools' lines on Lambda).
          function_memory_size: "256",
          function_arn: "arn:aws:lambda:us-east-1:123456789012:function:orders-fn"
        })
      }
    }))
})

describe("node-handler", () => {
  // A plain `.mjs` module without types, imported as a user imports their Node handler.
  const nodeHandler = Effect.promise(() =>
    import(new URL("../examples/node-handler/index.mjs", import.meta.url).href) as Promise<{
      handler: (event: never, context: DropInContext) => Promise<unknown>
    }>
  )

  it.live("answers through the drop-in's adapter and audits the order after the answer", () =>
    Effect.gen(function*() {
      const { handler } = yield* nodeHandler
      const logged: Array<string> = []
      const log = vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => {
        logged.push(args.join(" "))
      })
      const result = yield* LambdaTest.invoke(LambdaTest.fromNodeHandler(handler), { id: "o-3", quantity: 2 }, {
        requestId: "req-node"
      }).pipe(Effect.ensuring(Effect.sync(() => log.mockRestore())))
      expect(LambdaTest.json(result)).toEqual({ accepted: true, requestId: "req-node" })
      expect(result.detached).toMatchObject({ completed: 1, failed: 0, interrupted: 0 })
      expect(logged).toEqual(["audited order o-3"])
    }))

  it.scoped("aborts the audit at the deadline", () =>
    Effect.gen(function*() {
      const { handler } = yield* nodeHandler
      const invocation = yield* LambdaTest.start(LambdaTest.fromNodeHandler(handler), { id: "o-4", quantity: 0 })
      expect(LambdaTest.json(yield* promptly(invocation.result))).toMatchObject({ accepted: false })
      // The deadline (on the TestClock) comes long before the audit's 50 ms (real) timer.
      yield* TestClock.adjust("3 seconds")
      expect(yield* invocation.done).toMatchObject({ completed: 0, failed: 0, interrupted: 1 })
    }))
})
