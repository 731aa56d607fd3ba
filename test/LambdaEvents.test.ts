import { describe, expect, it } from "@effect/vitest"
import { Data, Deferred, Effect, Either, Queue, Ref, Schema } from "effect"
import { readFileSync } from "node:fs"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext, LambdaEvents, LambdaRuntime } from "../src/index.js"
import type { LambdaHandler } from "../src/LambdaHandler.js"
import { sampleJson, sampleNames, samples } from "../src/internal/core/samples/index.js"
import type { SampleName } from "../src/internal/core/samples/index.js"
import { projectFile } from "./process.js"
import { inProcess, now, serveOn } from "./support.js"

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(projectFile(`test/fixtures/events/${name}.json`), "utf8"))

const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Number })

describe("LambdaEvents schemas", () => {
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

  it("SQS: a body that does not match fails with the failing path", () => {
    const bad = fixture("sqs")
    const records = bad["Records"] as Array<Record<string, unknown>>
    records[1] = { ...records[1], body: `{"orderId":"o-2","quantity":"one"}` }
    const result = Schema.decodeUnknownEither(LambdaEvents.SqsEvent(Order))(bad)
    expect(Either.isLeft(result)).toBe(true)
    expect(String(Either.isLeft(result) ? result.left : "")).toContain(`["quantity"]`)
  })

  it("SNS: the documented sample, the message decoded", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.SnsEvent(Order))(fixture("sns"))
    const sns = event.Records[0]!.Sns
    expect(sns.Message).toEqual({ orderId: "o-1", quantity: 2 })
    expect(sns.MessageAttributes?.["Test"]).toEqual({ Type: "String", Value: "TestString" })
    expect(sns.Subject).toBe("TestInvoke")
  })

  it("S3: the documented sample", () => {
    const event = Schema.decodeUnknownSync(LambdaEvents.S3Event)(fixture("s3"))
    expect(event.Records[0]!.s3.bucket.name).toBe("DOC-EXAMPLE-BUCKET")
    expect(event.Records[0]!.s3.object).toMatchObject({ key: "b21b84d653bb07b05b1e6b33684dc11b", size: 1305107 })
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
    expect(Either.isLeft(Schema.decodeUnknownEither(LambdaEvents.ScheduledEvent)(fixture("eventbridge")))).toBe(true)
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
    const bad = Schema.decodeUnknownEither(LambdaEvents.AttributeMap)({ m: { M: { price: { N: "abc" } } } })
    expect(String(Either.isLeft(bad) ? bad.left : "")).toContain("at m.M.price.N")
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
})

// --- Batch handlers, through the emulator and the in-process loop ------------------------

const Job = Schema.Struct({ id: Schema.String, action: Schema.Literal("ok", "fail", "die", "block") })
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

const failures = (record: Emulator.InvocationRecord): Array<string> => {
  expect(record.outcome?._tag).toBe("Response")
  const response = JSON.parse(
    record.outcome?._tag === "Response" ? record.outcome.text : "null"
  ) as LambdaEvents.BatchResponse
  return response.batchItemFailures.map((f) => f.itemIdentifier)
}

const start = <E>(handler: LambdaHandler<E, LambdaContext>, functionTimeoutMs = 3000) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({ functionTimeoutMs })
    const { logs } = yield* serveOn(emulator, LambdaRuntime.serve(handler, inProcess))
    return { emulator, logs }
  })

describe("LambdaEvents batch handlers", () => {
  it.scopedLive("SQS standard: reports exactly the failing, dying and undecodable records by messageId", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { emulator, logs } = yield* start(LambdaEvents.sqs(Job, runJob(seen), { concurrency: 3 }))
      const record = yield* emulator.invoke(sqsEvent([
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
      const undecodable = logs.find((l) => l.annotations["recordId"] === "e" && l.level === "ERROR")
      expect(undecodable?.message).toBe(
        `record does not decode: at ["body"]["action"]: Expected "ok" | "fail" | "die" | "block", actual "explode"`
      )
      expect(logs.find((l) => l.annotations["recordId"] === "d" && l.level === "ERROR")?.cause).toContain(
        "job d crashed"
      )
      expect(logs.find((l) => l.annotations["recordId"] === "b" && l.level === "ERROR")?.cause).toContain("JobRejected")
      const summary = logs.find((l) => l.message.startsWith("SQS batch of 7"))
      expect(summary?.message).toBe("SQS batch of 7: 3 succeeded, 4 failed, 0 interrupted, 0 skipped")
      expect(summary?.annotations["requestId"]).toBe(record.requestId)
      // A clean batch answers with an empty list (every message is deleted).
      expect(failures(yield* emulator.invoke(sqsEvent([job("h"), job("i")])))).toEqual([])
    }))

  it.scopedLive("SQS: each record sees LambdaContext, logs with its recordId and may detach work", () =>
    Effect.gen(function*() {
      const contexts: Array<string> = []
      const detachedDone = yield* Deferred.make<number>()
      const { emulator, logs } = yield* start(LambdaEvents.sqs(Job, (body, record) =>
        Effect.gen(function*() {
          const context = yield* LambdaContext
          contexts.push(`${record.messageId}:${context.requestId}`)
          yield* Effect.log(`handling ${body.id}`)
          if (body.id === "b") {
            yield* LambdaContext.detach(
              Effect.log("metric sent").pipe(
                Effect.zipRight(Effect.sync(now)),
                Effect.flatMap((at) => Deferred.succeed(detachedDone, at))
              )
            )
          }
        })))
      const record = yield* emulator.invoke(sqsEvent([job("a"), job("b")]))
      expect(failures(record)).toEqual([])
      expect(contexts).toEqual([`a:${record.requestId}`, `b:${record.requestId}`])
      expect(logs.find((l) => l.message === "handling a")?.annotations["recordId"]).toBe("a")
      expect(logs.find((l) => l.message === "handling b")?.annotations["recordId"]).toBe("b")
      const detachedAt = yield* Deferred.await(detachedDone)
      expect(logs.find((l) => l.message === "metric sent")?.annotations["recordId"]).toBe("b")
      expect(yield* emulator.awaitNextRequest(2)).toBeGreaterThanOrEqual(detachedAt)
    }))

  it.scopedLive("SQS FIFO: in order; the first failure and every record after it are reported, the rest never run", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { emulator, logs } = yield* start(LambdaEvents.sqs(Job, runJob(seen), { concurrency: 10 }))
      const fifo = "arn:aws:sqs:us-east-2:123456789012:jobs.fifo"
      const record = yield* emulator.invoke(sqsEvent([job("a"), job("b"), job("c", "fail"), job("d"), job("e")], fifo))
      expect(failures(record)).toEqual(["c", "d", "e"])
      expect(seen).toEqual(["a", "b", "c"])
      expect(logs.some((l) => l.message === "SQS batch of 5: 2 succeeded, 1 failed, 0 interrupted, 2 skipped")).toBe(
        true
      )
      // An undecodable body stops the group the same way.
      const undecodable = yield* emulator.invoke(sqsEvent([job("f"), ["g", "{"], job("h")], fifo))
      expect(failures(undecodable)).toEqual(["g", "h"])
      expect(seen).toEqual(["a", "b", "c", "f"])
    }))

  it.scopedLive("Kinesis: in order; stops at the first failure and reports only its sequence number", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { emulator } = yield* start(LambdaEvents.kinesis(Job, runJob(seen)))
      const died = yield* emulator.invoke(
        kinesisEvent([["101", { id: "a", action: "ok" }], ["102", { id: "b", action: "ok" }], [
          "103",
          { id: "c", action: "die" }
        ], ["104", { id: "d", action: "ok" }]])
      )
      expect(failures(died)).toEqual(["103"])
      expect(seen).toEqual(["a", "b", "c"])
      const undecodable = yield* emulator.invoke(
        kinesisEvent([["201", { id: "e", action: "ok" }], ["202", "plain text"], [
          "203",
          { id: "f", action: "ok" }
        ]])
      )
      expect(failures(undecodable)).toEqual(["202"])
      expect(seen).toEqual(["a", "b", "c", "e"])
      expect(failures(yield* emulator.invoke(kinesisEvent([["301", { id: "g", action: "ok" }]])))).toEqual([])
    }))

  it.scopedLive("DynamoDB Streams: the sample's changes decoded; a bad image stops the batch at its SequenceNumber", () =>
    Effect.gen(function*() {
      const Item = Schema.Struct({ Id: Schema.Number, Message: Schema.String })
      const changes: Array<unknown> = []
      const { emulator } = yield* start(LambdaEvents.dynamodb(Item, (change) =>
        change.newImage?.Message === "fail"
          ? Effect.fail("refused")
          : Effect.sync(() =>
            changes.push([change.eventName, change.keys, change.newImage?.Message, change.oldImage?.Message])
          )))
      expect(failures(yield* emulator.invoke(fixture("dynamodb")))).toEqual([])
      expect(changes).toEqual([
        ["INSERT", { Id: 101 }, "New item!", undefined],
        ["MODIFY", { Id: 101 }, "This item has changed", "New item!"],
        ["REMOVE", { Id: 101 }, undefined, "This item has changed"]
      ])
      const bad = fixture("dynamodb")
      const records = bad["Records"] as Array<{ dynamodb: Record<string, unknown> }>
      records[1]!.dynamodb["NewImage"] = { Id: { S: "not a number" }, Message: { S: "x" } }
      changes.length = 0
      expect(failures(yield* emulator.invoke(bad))).toEqual(["222"])
      expect(changes).toHaveLength(1)
      const failing = fixture("dynamodb")
      ;(failing["Records"] as Array<{ dynamodb: Record<string, unknown> }>)[0]!.dynamodb["NewImage"] = {
        Id: { N: "1" },
        Message: { S: "fail" }
      }
      expect(failures(yield* emulator.invoke(failing))).toEqual(["111"])
    }))

  it.scopedLive("SQS: runs records concurrently, never more than `concurrency` at once (timeline)", () =>
    Effect.gen(function*() {
      const ids = ["a", "b", "c", "d", "e"]
      const gates = new Map<string, Deferred.Deferred<void>>()
      for (const id of ids) gates.set(id, yield* Deferred.make<void>())
      const started = yield* Queue.unbounded<string>()
      const timeline: Array<string> = []
      const running = yield* Ref.make({ now: 0, max: 0 })
      const { emulator } = yield* start(LambdaEvents.sqs(Job, (body) =>
        Effect.gen(function*() {
          timeline.push(`start ${body.id}`)
          yield* Ref.update(running, (r) => ({ now: r.now + 1, max: Math.max(r.max, r.now + 1) }))
          yield* Queue.offer(started, body.id)
          yield* Deferred.await(gates.get(body.id)!)
          yield* Ref.update(running, (r) => ({ ...r, now: r.now - 1 }))
          timeline.push(`end ${body.id}`)
        }), { concurrency: 2 }))
      const pending = yield* emulator.enqueue(sqsEvent(ids.map((id) => job(id))))
      // Each gate opens only once the next record has been seen starting, so the timeline is
      // deterministic: two at a time, the third starting when the first ends.
      expect([yield* Queue.take(started), yield* Queue.take(started)]).toEqual(["a", "b"])
      for (const [index, id] of ids.entries()) {
        yield* Deferred.succeed(gates.get(id)!, undefined)
        if (index + 2 < ids.length) expect(yield* Queue.take(started)).toBe(ids[index + 2])
      }
      expect(failures(yield* pending.result)).toEqual([])
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

  it.scopedLive("deadline: records still running at deadline - timeoutMargin are interrupted and reported", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<number>()
      const seen: Array<string> = []
      const { emulator, logs } = yield* start(
        LambdaEvents.sqs(Job, (body) =>
          runJob(seen)(body).pipe(
            Effect.onInterrupt(() => Effect.flatMap(Effect.sync(now), (at) => Deferred.succeed(interrupted, at)))
          ), { concurrency: 3 }),
        1500
      )
      const record = yield* emulator.invoke(sqsEvent([job("a"), job("b", "block"), job("c")]))
      // The invocation answers in time (no platform timeout) and only the cut-off record is retried.
      expect(failures(record)).toEqual(["b"])
      const interruptedAt = yield* Deferred.await(interrupted)
      expect(interruptedAt).toBeGreaterThanOrEqual(record.deadlineMs - 700)
      expect(interruptedAt).toBeLessThanOrEqual(record.resultAt!)
      expect(logs.some((l) => l.message === "SQS batch of 3: 2 succeeded, 0 failed, 1 interrupted, 0 skipped")).toBe(
        true
      )
    }))

  it.scopedLive("deadline: records not yet started are reported too; streams report the cut-off record", () =>
    Effect.gen(function*() {
      const sqsRun = yield* start(LambdaEvents.sqs(Job, runJob([]), { timeoutMargin: "600 millis" }), 1000)
      const record = yield* sqsRun.emulator.invoke(sqsEvent([job("a", "block"), job("b")]))
      expect(failures(record)).toEqual(["a", "b"])
      expect(sqsRun.logs.some((l) => l.message === "SQS batch of 2: 0 succeeded, 0 failed, 2 interrupted, 0 skipped"))
        .toBe(true)
      const seen: Array<string> = []
      const kinesisRun = yield* start(LambdaEvents.kinesis(Job, runJob(seen)), 1500)
      const stream = yield* kinesisRun.emulator.invoke(kinesisEvent([["1", { id: "x", action: "ok" }], ["2", {
        id: "y",
        action: "block"
      }], ["3", { id: "z", action: "ok" }]]))
      expect(failures(stream)).toEqual(["2"])
      expect(seen).toEqual(["x", "y"])
    }))

  it("refuses a concurrency that is not a positive integer when the handler is built", () => {
    expect(() => LambdaEvents.sqs(Job, runJob([]), { concurrency: 0 })).toThrow(RangeError)
    expect(() => LambdaEvents.sqs(Job, runJob([]), { concurrency: 2.5 })).toThrow(RangeError)
  })

  it.scopedLive("an event whose records cannot be identified fails the invocation whole", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start(LambdaEvents.sqs(Job, runJob([])))
      const record = yield* emulator.invoke({ Records: [{ body: "{}" }] })
      expect(record.outcome?._tag).toBe("Error")
      expect(record.outcome?._tag === "Error" ? record.outcome.document : undefined).toMatchObject({
        errorType: "Runtime.UnmarshalError"
      })
    }))
})

describe("LambdaEvents samples", () => {
  it("the exported samples are the fixtures, and each decodes with its Schema", () => {
    const pairs: Array<[SampleName, string, Schema.Schema<unknown, never>]> = [
      ["sqs", "sqs", LambdaEvents.SqsEvent(Order) as unknown as Schema.Schema<unknown, never>],
      ["sqs-fifo", "sqs-fifo", LambdaEvents.SqsEvent(Order) as unknown as Schema.Schema<unknown, never>],
      ["sns", "sns", LambdaEvents.SnsEvent(Order) as unknown as Schema.Schema<unknown, never>],
      ["s3", "s3", LambdaEvents.S3Event as unknown as Schema.Schema<unknown, never>],
      ["eventbridge", "eventbridge", LambdaEvents.EventBridgeEvent() as unknown as Schema.Schema<unknown, never>],
      ["dynamodb", "dynamodb", LambdaEvents.DynamoDbStreamEvent() as unknown as Schema.Schema<unknown, never>],
      ["kinesis", "kinesis", LambdaEvents.KinesisEvent() as unknown as Schema.Schema<unknown, never>],
      ["scheduled", "scheduled", LambdaEvents.ScheduledEvent as unknown as Schema.Schema<unknown, never>]
    ]
    for (const [name, file, schema] of pairs) {
      expect(samples[name], name).toEqual(fixture(file))
      expect(Either.isRight(Schema.decodeUnknownEither(schema)(samples[name])), name).toBe(true)
    }
    expect(sampleNames).toEqual(expect.arrayContaining(["apigw-v1", "apigw-v2", "function-url", "alb"]))
    expect(JSON.parse(sampleJson("sqs")!)).toEqual(fixture("sqs"))
    expect(sampleJson("nope")).toBeUndefined()
  })
})
