/**
 * The Effect 4 line's `LambdaEvents`, the cases of the Effect 3 line's test/LambdaEvents.test.ts:
 * the Schemas on the documented sample events (decoded directly), and the batch handlers through
 * the real protocol (the project's emulator on loopback, behind test/toolBridge.ts, and this
 * line's loop), their logs captured by a logger of the test's own.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Data, Deferred, Effect, Exit, Fiber, Logger, Queue, Ref, References, Schema } from "effect"
import { readFileSync } from "node:fs"
import { startEmulator } from "../../../test/toolBridge.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type { InvocationRecord } from "../../../src/Emulator.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaEvents from "../src/LambdaEvents.js"
import { Samples } from "../src/internal/core.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/events/${name}.json`, import.meta.url), "utf8"))

const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Number })

/** The decode's failure as text (its message names the failing path), or "" when it decoded. */
const failureOf = <A>(exit: Exit.Exit<A, Schema.SchemaError>): string =>
  Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""

describe("Effect 4: LambdaEvents schemas", () => {
  it("SQS: the documented sample, bodies decoded with the user's Schema", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.SqsEvent(Order))(fixture("sqs"))
    expect(event.Records.map((r) => r.body)).toEqual([{ orderId: "o-1", quantity: 2 }, { orderId: "o-2", quantity: 1 }])
    expect(event.Records[0]!.messageId).toBe("059f36b4-87a3-44ab-83d2-661975830a7d")
    expect(event.Records[0]!.messageAttributes["myAttribute"]!.stringValue).toBe("myValue")
    expect(event.Records[1]!.attributes.AWSTraceHeader).toContain("Root=1-")
    // Without a Schema the body is the text, as sent.
    const raw = Schema.decodeUnknownSync(LambdaEvents.SqsEvent())(fixture("sqs"))
    expect(raw.Records[0]!.body).toBe(`{"orderId":"o-1","quantity":2}`)
  })

  it("SQS FIFO: the documented sample with its FIFO attributes", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.SqsEvent(Order))(fixture("sqs-fifo"))
    expect(event.Records[0]!.attributes).toMatchObject({ MessageGroupId: "1", SequenceNumber: "18849496460467696128" })
  })

  it.effect("SQS: a body that does not match fails with the failing path", () =>
    Effect.gen(function*() {
      const bad = fixture("sqs")
      const records = bad["Records"] as Array<Record<string, unknown>>
      records[1] = { ...records[1], body: `{"orderId":"o-2","quantity":"one"}` }
      const exit = yield* Effect.exit(Schema.decodeUnknownEffect(LambdaEvents.SqsEvent(Order))(bad))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(failureOf(exit)).toContain(`["quantity"]`)
    }))

  it("SNS: the documented sample, the message decoded", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.SnsEvent(Order))(fixture("sns"))
    const sns = event.Records[0]!.Sns
    expect(sns.Message).toEqual({ orderId: "o-1", quantity: 2 })
    expect(sns.MessageAttributes?.["Test"]).toEqual({ Type: "String", Value: "TestString" })
    expect(sns.Subject).toBe("TestInvoke")
  })

  it("S3: the documented sample; the test event decodes with a union", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.S3Event)(fixture("s3"))
    expect(event.Records[0]!.s3.bucket.name).toBe("DOC-EXAMPLE-BUCKET")
    expect(event.Records[0]!.s3.object).toMatchObject({ key: "b21b84d653bb07b05b1e6b33684dc11b", size: 1305107 })
    const either = Schema.Union([LambdaEvents.S3Event, LambdaEvents.S3TestEvent])
    const test = {
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Time: "2024-01-01T00:00:00.000Z",
      Bucket: "DOC-EXAMPLE-BUCKET",
      RequestId: "R",
      HostId: "H"
    }
    expect(Schema.decodeUnknownSync(either)(test)).toEqual(test)
  })

  it("EventBridge: the documented sample, detail decoded with the user's Schema", () => {
    const Detail = Schema.Struct({ SourceType: Schema.String, Message: Schema.String })
    const event = Schema.decodeUnknownSync(LambdaEvents.EventBridgeEvent(Detail))(fixture("eventbridge"))
    expect(event["detail-type"]).toBe("RDS DB Instance Event")
    expect(event.detail).toEqual({ SourceType: "DB_INSTANCE", Message: "Finished DB Instance backup" })
  })

  it("scheduled: the documented sample; another detail-type is refused", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.ScheduledEvent)(fixture("scheduled"))
    expect(event.resources).toEqual(["arn:aws:events:us-east-2:123456789012:rule/my-schedule"])
    expect(Exit.isFailure(Schema.decodeUnknownExit(LambdaEvents.ScheduledEvent)(fixture("eventbridge")))).toBe(true)
  })

  it("DynamoDB Streams: the documented sample, images decoded from AttributeValues then with the user's Schema", () => {
    const Item = Schema.Struct({ Id: Schema.Number, Message: Schema.String })
    const event = Schema.decodeUnknownSync(LambdaEvents.DynamoDbStreamEvent(Item))(fixture("dynamodb"))
    expect(event.Records.map((r) => [r.eventName, r.dynamodb.Keys, r.dynamodb.NewImage, r.dynamodb.OldImage])).toEqual([
      ["INSERT", { Id: 101 }, { Id: 101, Message: "New item!" }, undefined],
      ["MODIFY", { Id: 101 }, { Id: 101, Message: "This item has changed" }, { Id: 101, Message: "New item!" }],
      ["REMOVE", { Id: 101 }, undefined, { Id: 101, Message: "This item has changed" }]
    ])
  })

  it("AttributeMap: every AttributeValue type, and a failure naming the attribute", () => {
    const decoded = Schema.decodeUnknownSync(LambdaEvents.AttributeMap)({
      s: { S: "x" },
      n: { N: "1.5" },
      big: { N: "12345678901234567890" },
      b: { B: "aGk=" },
      t: { BOOL: true },
      z: { NULL: true },
      ss: { SS: ["a", "b"] },
      ns: { NS: ["1", "2"] },
      l: { L: [{ S: "y" }, { N: "3" }] },
      m: { M: { inner: { M: { deep: { S: "d" } } } } }
    })
    expect(decoded).toEqual({
      s: "x",
      n: 1.5,
      big: 12345678901234567890n,
      b: new Uint8Array([104, 105]),
      t: true,
      z: null,
      ss: ["a", "b"],
      ns: [1, 2],
      l: ["y", 3],
      m: { inner: { deep: "d" } }
    })
    const bad = Schema.decodeUnknownExit(LambdaEvents.AttributeMap)({ m: { M: { price: { N: "abc" } } } })
    expect(failureOf(bad)).toContain("at m.M.price.N")
    // Encoding writes the plain values back as AttributeValues.
    expect(Schema.encodeSync(LambdaEvents.AttributeMap)({ Id: 7, tags: ["a"] })).toEqual({
      Id: { N: "7" },
      tags: { L: [{ S: "a" }] }
    })
  })

  it("Kinesis: the documented sample (text data) and JSON data decoded with the user's Schema", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.KinesisEvent())(fixture("kinesis"))
    expect(event.Records.map((r) => r.kinesis.data)).toEqual(["Hello, this is a test.", "This is only a test."])
    const json = fixture("kinesis")
    const record = (json["Records"] as Array<{ kinesis: Record<string, unknown> }>)[0]!
    record.kinesis["data"] = Buffer.from(JSON.stringify({ orderId: "o-9", quantity: 3 })).toString("base64")
    const decoded = Schema.decodeUnknownSync(LambdaEvents.KinesisRecord(Order))(record)
    expect(decoded.kinesis.data).toEqual({ orderId: "o-9", quantity: 3 })
  })

  it("nestings: SNS inside SQS, EventBridge inside SQS, S3 inside SQS", () => {
    const viaSns = Schema.decodeUnknownSync(LambdaEvents.SqsEvent(LambdaEvents.SnsNotification(Order)))(
      fixture("sqs-sns")
    )
    expect(viaSns.Records[0]!.body.Message).toEqual({ orderId: "o-1", quantity: 2 })
    expect(viaSns.Records[0]!.body.TopicArn).toBe("arn:aws:sns:us-east-2:123456789012:orders")
    const Detail = Schema.Struct({ SourceIdentifier: Schema.String })
    const viaEb = Schema.decodeUnknownSync(LambdaEvents.SqsEvent(LambdaEvents.EventBridgeEvent(Detail)))(
      fixture("sqs-eventbridge")
    )
    expect(viaEb.Records[0]!.body.detail).toEqual({ SourceIdentifier: "rdz6xmpliljlb1" })
    const viaS3 = Schema.decodeUnknownSync(LambdaEvents.SqsEvent(LambdaEvents.S3Event))(fixture("sqs-s3"))
    expect(viaS3.Records[0]!.body.Records[0]!.s3.object.key).toBe("b21b84d653bb07b05b1e6b33684dc11b")
  })

  it("tolerates fields AWS may add", () => {
    const event = fixture("sqs")
    ;(event["Records"] as Array<Record<string, unknown>>)[0]!["newField"] = { nested: true }
    event["extra"] = 1
    expect(Schema.decodeUnknownSync(LambdaEvents.SqsEvent(Order))(event).Records).toHaveLength(2)
  })

  it("the shared core's samples decode with their Schemas", () => {
    const pairs: Array<[Samples.SampleName, Schema.Decoder<unknown>]> = [
      ["sqs", LambdaEvents.SqsEvent(Order)],
      ["sqs-fifo", LambdaEvents.SqsEvent(Order)],
      ["sns", LambdaEvents.SnsEvent(Order)],
      ["s3", LambdaEvents.S3Event],
      ["eventbridge", LambdaEvents.EventBridgeEvent()],
      ["dynamodb", LambdaEvents.DynamoDbStreamEvent()],
      ["kinesis", LambdaEvents.KinesisEvent()],
      ["scheduled", LambdaEvents.ScheduledEvent]
    ]
    for (const [name, schema] of pairs) {
      expect(Samples.samples[name], name).toEqual(fixture(name))
      expect(Exit.isSuccess(Schema.decodeUnknownExit(schema)(Samples.samples[name])), name).toBe(true)
    }
  })
})

// --- Batch handlers, through the emulator and this line's loop ---------------------------

const Job = Schema.Struct({ id: Schema.String, action: Schema.Literals(["ok", "fail", "die", "block"]) })
type Job = typeof Job.Type

class JobRejected extends Data.TaggedError("JobRejected")<{ readonly id: string }> {}

const sqsRecordTemplate = (fixture("sqs")["Records"] as Array<Record<string, unknown>>)[0]!

/** An SQS event whose records have these ids and bodies (objects are JSON-encoded). */
const sqsEvent = (
  records: ReadonlyArray<readonly [string, unknown]>,
  arn = "arn:aws:sqs:us-east-2:123456789012:jobs"
) => ({
  Records: records.map(([messageId, body]) => ({
    ...sqsRecordTemplate,
    messageId,
    eventSourceARN: arn,
    body: typeof body === "string" ? body : JSON.stringify(body)
  }))
})

const job = (id: string, action: Job["action"] = "ok") => [id, { id, action }] as const

const kinesisRecordTemplate = (fixture("kinesis")["Records"] as Array<{ kinesis: Record<string, unknown> }>)[0]!

const kinesisEvent = (records: ReadonlyArray<readonly [string, unknown]>) => ({
  Records: records.map(([sequenceNumber, data]) => ({
    ...kinesisRecordTemplate,
    kinesis: {
      ...kinesisRecordTemplate.kinesis,
      sequenceNumber,
      data: Buffer.from(typeof data === "string" ? data : JSON.stringify(data)).toString("base64")
    }
  }))
})

/** What the record handlers did, in order. */
const runJob = (seen: Array<string>) => (body: Job) =>
  Effect.gen(function*() {
    seen.push(body.id)
    if (body.action === "fail") return yield* new JobRejected({ id: body.id })
    if (body.action === "die") return yield* Effect.die(new Error(`job ${body.id} crashed`))
    if (body.action === "block") return yield* Effect.never
  })

const failures = (record: InvocationRecord): Array<string> => {
  expect(record.outcome?._tag).toBe("Response")
  const response = JSON.parse(
    record.outcome?._tag === "Response" ? record.outcome.text : "null"
  ) as LambdaEvents.BatchResponse
  return response.batchItemFailures.map((f) => f.itemIdentifier)
}

interface LogEntry {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
  readonly cause: string | undefined
}

/** A logger that keeps every entry, with the fiber's annotations (the request id among them). */
const capture = (logs: Array<LogEntry>) =>
  Logger.make((options) =>
    logs.push({
      level: options.logLevel,
      message: Array.isArray(options.message) ? options.message.map(String).join(" ") : String(options.message),
      annotations: options.fiber.getRef(References.CurrentLogAnnotations),
      cause: options.cause.reasons.length === 0 ? undefined : Cause.pretty(options.cause)
    })
  )

/** An emulator for the test's scope, and this line's loop serving `handler` on it. */
const start = <R>(handler: Loop.Handler<R | LambdaContext>, functionTimeoutMs = 3000) =>
  Effect.gen(function*() {
    const emulator: EmulatorBridge = yield* Effect.acquireRelease(
      Effect.promise(() => startEmulator({ functionTimeoutMs })),
      (emulator) => Effect.promise(emulator.close)
    )
    const logs: Array<LogEntry> = []
    const api = yield* RuntimeApiClient.make(emulator.environment.AWS_LAMBDA_RUNTIME_API!)
    yield* Effect.forkScoped(
      Loop.loop(api, handler, { timeoutMarginMs: 200 }).pipe(
        Effect.provideService(References.CurrentLoggers, new Set([capture(logs)]))
      )
    )
    const invoke = (event: unknown) => Effect.promise(() => emulator.invoke(event))
    return { emulator, logs, invoke }
  })

const now = () => Date.now()

describe("Effect 4: LambdaEvents batch handlers", () => {
  it.live("SQS standard: reports exactly the failing, dying and undecodable records by messageId", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { invoke, logs } = yield* start(LambdaEvents.sqs(Job, runJob(seen), { concurrency: 3 }))
      const record = yield* invoke(sqsEvent([
        job("a"),
        job("b", "fail"),
        job("c"),
        job("d", "die"),
        ["e", { id: "e", action: "explode" }],
        ["f", "not json at all"],
        job("g")
      ]))
      expect(failures(record)).toEqual(["b", "d", "e", "f"])
      expect([...seen].sort()).toEqual(["a", "b", "c", "d", "g"])
      const undecodable = logs.find((l) => l.annotations["recordId"] === "e" && l.level === "Error")
      expect(undecodable?.message).toBe(
        `record does not decode: at ["body"]["action"]: Expected "ok" | "fail" | "die" | "block", got "explode"`
      )
      expect(logs.find((l) => l.annotations["recordId"] === "f" && l.level === "Error")?.message).toMatch(
        /^record does not decode: at \["body"\]: /
      )
      expect(logs.find((l) => l.annotations["recordId"] === "d" && l.level === "Error")?.cause).toContain(
        "job d crashed"
      )
      expect(logs.find((l) => l.annotations["recordId"] === "b" && l.level === "Error")?.cause).toContain("JobRejected")
      const summary = logs.find((l) => l.message.startsWith("SQS batch of 7"))
      expect(summary?.message).toBe("SQS batch of 7: 3 succeeded, 4 failed, 0 interrupted, 0 skipped")
      expect(summary?.level).toBe("Warn")
      expect(summary?.annotations).toMatchObject({
        requestId: record.requestId,
        succeeded: 3,
        failed: 4,
        batchSize: 7,
        eventSource: "SQS"
      })
      // A clean batch answers with an empty list (every message is deleted).
      expect(failures(yield* invoke(sqsEvent([job("h"), job("i")])))).toEqual([])
      expect(logs.find((l) => l.message.startsWith("SQS batch of 2"))?.level).toBe("Info")
    }))

  it.live("SQS: each record sees LambdaContext, logs with its recordId and may fork detached work", () =>
    Effect.gen(function*() {
      const contexts: Array<string> = []
      const detachedDone = yield* Deferred.make<number>()
      const { emulator, invoke, logs } = yield* start(LambdaEvents.sqs(Job, (body, record) =>
        Effect.gen(function*() {
          const context = yield* LambdaContext
          contexts.push(`${record.messageId}:${context.requestId}`)
          yield* Effect.log(`handling ${body.id}`)
          if (body.id === "b") {
            yield* Effect.forkIn(
              Effect.log("metric sent").pipe(
                Effect.andThen(Effect.sync(now)),
                Effect.flatMap((at) => Deferred.succeed(detachedDone, at))
              ),
              context.detachedScope
            )
          }
        })))
      const record = yield* invoke(sqsEvent([job("a"), job("b")]))
      expect(failures(record)).toEqual([])
      expect(contexts).toEqual([`a:${record.requestId}`, `b:${record.requestId}`])
      expect(logs.find((l) => l.message === "handling a")?.annotations["recordId"]).toBe("a")
      expect(logs.find((l) => l.message === "handling b")?.annotations["recordId"]).toBe("b")
      const detachedAt = yield* Deferred.await(detachedDone)
      expect(logs.find((l) => l.message === "metric sent")?.annotations["recordId"]).toBe("b")
      expect(yield* Effect.promise(() => emulator.awaitNextRequest(2))).toBeGreaterThanOrEqual(detachedAt)
    }))

  it.live("SQS FIFO: in order; the first failure and every record after it are reported, the rest never run", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { invoke, logs } = yield* start(LambdaEvents.sqs(Job, runJob(seen), { concurrency: 10 }))
      const fifo = "arn:aws:sqs:us-east-2:123456789012:jobs.fifo"
      const record = yield* invoke(sqsEvent([job("a"), job("b"), job("c", "fail"), job("d"), job("e")], fifo))
      expect(failures(record)).toEqual(["c", "d", "e"])
      expect(seen).toEqual(["a", "b", "c"])
      expect(logs.some((l) => l.message === "SQS batch of 5: 2 succeeded, 1 failed, 0 interrupted, 2 skipped")).toBe(
        true
      )
      // An undecodable body stops the group the same way.
      const undecodable = yield* invoke(sqsEvent([job("f"), ["g", "{"], job("h")], fifo))
      expect(failures(undecodable)).toEqual(["g", "h"])
      expect(seen).toEqual(["a", "b", "c", "f"])
      // `fifo: true` forces the order on a queue whose ARN does not say so.
      const forced = yield* start(LambdaEvents.sqs(Job, runJob([]), { concurrency: 10, fifo: true }))
      expect(failures(yield* forced.invoke(sqsEvent([job("i", "fail"), job("j")])))).toEqual(["i", "j"])
    }))

  it.live("Kinesis: in order; stops at the first failure and reports only its sequence number", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { invoke } = yield* start(LambdaEvents.kinesis(Job, runJob(seen)))
      const died = yield* invoke(kinesisEvent([
        ["101", { id: "a", action: "ok" }],
        ["102", { id: "b", action: "ok" }],
        ["103", { id: "c", action: "die" }],
        ["104", { id: "d", action: "ok" }]
      ]))
      expect(failures(died)).toEqual(["103"])
      expect(seen).toEqual(["a", "b", "c"])
      const undecodable = yield* invoke(kinesisEvent([
        ["201", { id: "e", action: "ok" }],
        ["202", "plain text"],
        ["203", { id: "f", action: "ok" }]
      ]))
      expect(failures(undecodable)).toEqual(["202"])
      expect(seen).toEqual(["a", "b", "c", "e"])
      expect(failures(yield* invoke(kinesisEvent([["301", { id: "g", action: "ok" }]])))).toEqual([])
    }))

  it.live("DynamoDB Streams: the sample's changes decoded; a bad image stops the batch at its SequenceNumber", () =>
    Effect.gen(function*() {
      const Item = Schema.Struct({ Id: Schema.Number, Message: Schema.String })
      const changes: Array<unknown> = []
      const { invoke } = yield* start(LambdaEvents.dynamodb(Item, (change) =>
        change.newImage?.Message === "fail"
          ? Effect.fail("refused")
          : Effect.sync(() =>
            changes.push([change.eventName, change.keys, change.newImage?.Message, change.oldImage?.Message])
          )))
      expect(failures(yield* invoke(fixture("dynamodb")))).toEqual([])
      expect(changes).toEqual([
        ["INSERT", { Id: 101 }, "New item!", undefined],
        ["MODIFY", { Id: 101 }, "This item has changed", "New item!"],
        ["REMOVE", { Id: 101 }, undefined, "This item has changed"]
      ])
      const bad = fixture("dynamodb")
      const records = bad["Records"] as Array<{ dynamodb: Record<string, unknown> }>
      records[1]!.dynamodb["NewImage"] = { Id: { S: "not a number" }, Message: { S: "x" } }
      changes.length = 0
      expect(failures(yield* invoke(bad))).toEqual(["222"])
      expect(changes).toHaveLength(1)
      const failing = fixture("dynamodb")
      ;(failing["Records"] as Array<{ dynamodb: Record<string, unknown> }>)[0]!.dynamodb["NewImage"] = {
        Id: { N: "1" },
        Message: { S: "fail" }
      }
      expect(failures(yield* invoke(failing))).toEqual(["111"])
    }))

  it.live("SQS: runs records concurrently, never more than `concurrency` at once (timeline)", () =>
    Effect.gen(function*() {
      const ids = ["a", "b", "c", "d", "e"]
      const gates = new Map<string, Deferred.Deferred<void>>()
      for (const id of ids) gates.set(id, yield* Deferred.make<void>())
      const started = yield* Queue.unbounded<string>()
      const timeline: Array<string> = []
      const running = yield* Ref.make({ now: 0, max: 0 })
      const { invoke } = yield* start(LambdaEvents.sqs(Job, (body) =>
        Effect.gen(function*() {
          timeline.push(`start ${body.id}`)
          yield* Ref.update(running, (r) => ({ now: r.now + 1, max: Math.max(r.max, r.now + 1) }))
          yield* Queue.offer(started, body.id)
          yield* Deferred.await(gates.get(body.id)!)
          yield* Ref.update(running, (r) => ({ ...r, now: r.now - 1 }))
          timeline.push(`end ${body.id}`)
        }), { concurrency: 2 }))
      const pending = yield* Effect.forkChild(invoke(sqsEvent(ids.map((id) => job(id)))))
      // Each gate opens only once the next record has been seen starting, so the timeline is
      // deterministic: two at a time, the third starting when the first ends.
      expect([yield* Queue.take(started), yield* Queue.take(started)]).toEqual(["a", "b"])
      for (const [index, id] of ids.entries()) {
        yield* Deferred.succeed(gates.get(id)!, undefined)
        if (index + 2 < ids.length) expect(yield* Queue.take(started)).toBe(ids[index + 2])
      }
      expect(failures(yield* Fiber.join(pending))).toEqual([])
      expect(timeline).toEqual([
        "start a",
        "start b",
        "end a",
        "start c",
        "end b",
        "start d",
        "end c",
        "start e",
        "end d",
        "end e"
      ])
      expect((yield* Ref.get(running)).max).toBe(2)
    }))

  it.live("deadline: records still running at deadline - timeoutMargin are interrupted and reported", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<number>()
      const seen: Array<string> = []
      const { invoke, logs } = yield* start(
        LambdaEvents.sqs(Job, (body) =>
          runJob(seen)(body).pipe(
            Effect.onInterrupt(() => Effect.flatMap(Effect.sync(now), (at) => Deferred.succeed(interrupted, at)))
          ), { concurrency: 3 }),
        1500
      )
      const record = yield* invoke(sqsEvent([job("a"), job("b", "block"), job("c")]))
      // The invocation answers in time (no platform timeout) and only the cut-off record is retried.
      expect(failures(record)).toEqual(["b"])
      const interruptedAt = yield* Deferred.await(interrupted)
      expect(interruptedAt).toBeGreaterThanOrEqual(record.deadlineMs - 700)
      expect(interruptedAt).toBeLessThanOrEqual(record.resultAt!)
      expect(logs.some((l) => l.message === "SQS batch of 3: 2 succeeded, 0 failed, 1 interrupted, 0 skipped")).toBe(
        true
      )
    }))

  it.live("deadline: records not yet started are reported too; streams report the cut-off record", () =>
    Effect.gen(function*() {
      const sqsRun = yield* start(LambdaEvents.sqs(Job, runJob([]), { timeoutMargin: "600 millis" }), 1000)
      const record = yield* sqsRun.invoke(sqsEvent([job("a", "block"), job("b")]))
      expect(failures(record)).toEqual(["a", "b"])
      expect(sqsRun.logs.some((l) => l.message === "SQS batch of 2: 0 succeeded, 0 failed, 2 interrupted, 0 skipped"))
        .toBe(true)
      const seen: Array<string> = []
      const kinesisRun = yield* start(LambdaEvents.kinesis(Job, runJob(seen)), 1500)
      const stream = yield* kinesisRun.invoke(kinesisEvent([
        ["1", { id: "x", action: "ok" }],
        ["2", { id: "y", action: "block" }],
        ["3", { id: "z", action: "ok" }]
      ]))
      expect(failures(stream)).toEqual(["2"])
      expect(seen).toEqual(["x", "y"])
    }))

  it("refuses a concurrency that is not a positive integer when the handler is built", () => {
    expect(() => LambdaEvents.sqs(Job, runJob([]), { concurrency: 0 })).toThrow(RangeError)
    expect(() => LambdaEvents.sqs(Job, runJob([]), { concurrency: 2.5 })).toThrow(RangeError)
  })

  it.live("an event whose records cannot be identified fails the invocation whole", () =>
    Effect.gen(function*() {
      const { invoke } = yield* start(LambdaEvents.sqs(Job, runJob([])))
      const record = yield* invoke({ Records: [{ body: "{}" }] })
      expect(record.outcome?._tag).toBe("Error")
      expect(record.outcome?._tag === "Error" ? record.outcome.document : undefined).toMatchObject({
        errorType: "Runtime.UnmarshalError",
        errorMessage: "Could not decode the event: Records[0] has no messageId"
      })
      const noRecords = yield* invoke({ hello: "world" })
      expect(noRecords.outcome?._tag === "Error" ? noRecords.outcome.document : undefined).toMatchObject({
        errorType: "Runtime.UnmarshalError",
        errorMessage: "Could not decode the event: the event has no Records array"
      })
    }))
})
