import { describe, expect, it } from "@effect/vitest"
import { Data, Deferred, Effect, Either, Queue, Ref, Schema } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext, LambdaEvents, LambdaRuntime } from "../src/index.js"
import type { LambdaHandler } from "../src/LambdaHandler.js"
import { sampleJson, sampleNames, samples } from "../src/internal/core/samples/index.js"
import * as Cases from "./eventCases.js"
import { fixture, job, sqsEvent } from "./eventCases.js"
import { inProcess, now, serveOn } from "./support.js"

const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Number })

// The cases are shared with the Effect 4 line (test/eventCases.ts): the Schemas are this line's.
const schemas = Cases.schemasOf<Schema.Schema.AnyNoContext>(LambdaEvents, {
  Order,
  RdsDetail: Schema.Struct({ SourceType: Schema.String, Message: Schema.String }),
  SourceDetail: Schema.Struct({ SourceIdentifier: Schema.String }),
  Item: Schema.Struct({ Id: Schema.Number, Message: Schema.String }),
  union: (a, b) => Schema.Union(a, b)
})

describe("LambdaEvents schemas", () => {
  for (const decoding of Cases.decodings) {
    it(decoding.title, () => {
      const decoded = Schema.decodeUnknownSync(schemas[decoding.schema])(decoding.input())
      expect(decoding.view(decoded)).toEqual(decoding.expected)
    })
  }

  for (const refusal of Cases.refusals) {
    it(refusal.title, () => {
      const result = Schema.decodeUnknownEither(schemas[refusal.schema])(refusal.input())
      expect(Either.isLeft(result)).toBe(true)
      expect(String(Either.isLeft(result) ? result.left : "")).toContain(refusal.mentions)
    })
  }

  it("the decoded types name the documented fields", () => {
    // Compiled against this line's decoded types; the values are the shared cases'.
    const sqs: LambdaEvents.SqsRecord<typeof Order.Type> = Schema.decodeUnknownSync(LambdaEvents.SqsEvent(Order))(
      fixture("sqs")
    ).Records[0]!
    const { s3, glacierEventData } = Schema.decodeUnknownSync(LambdaEvents.S3Event)(fixture("s3")).Records[0]!
    const { dynamodb } = Schema.decodeUnknownSync(LambdaEvents.DynamoDbStreamEvent())(fixture("dynamodb")).Records[0]!
    const typed: Cases.TypedFields = [
      sqs.body.quantity,
      sqs.attributes.AWSTraceHeader,
      s3.object.size,
      s3.bucket.ownerIdentity.principalId,
      glacierEventData?.restoreEventData.lifecycleRestoreStorageClass,
      dynamodb.SizeBytes
    ]
    expect(typed).toEqual(Cases.typedFields)
  })
})

// --- Batch handlers, through the emulator and the in-process loop ------------------------

const Job = Schema.Struct({ id: Schema.String, action: Schema.Literal("ok", "fail", "die", "block") })
type Job = typeof Job.Type

class JobRejected extends Data.TaggedError("JobRejected")<{ readonly id: string }> {}

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
  return record.outcome?._tag === "Response" ? Cases.reportedIds(record.outcome.text) : []
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
      const record = yield* emulator.invoke(Cases.sqsStandard.event)
      expect(failures(record)).toEqual(Cases.sqsStandard.reported)
      expect([...seen].sort()).toEqual(Cases.sqsStandard.ran)
      const undecodable = logs.find((l) => l.annotations["recordId"] === "e" && l.level === "ERROR")
      expect(undecodable?.message).toBe(
        `record does not decode: at ["body"]["action"]: Expected "ok" | "fail" | "die" | "block", actual "explode"`
      )
      expect(logs.find((l) => l.annotations["recordId"] === "d" && l.level === "ERROR")?.cause).toContain(
        "job d crashed"
      )
      expect(logs.find((l) => l.annotations["recordId"] === "b" && l.level === "ERROR")?.cause).toContain("JobRejected")
      const summary = logs.find((l) => l.message.startsWith("SQS batch of 7"))
      expect(summary?.message).toBe(Cases.sqsStandard.summary)
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
      const record = yield* emulator.invoke(Cases.sqsFifo.event)
      expect(failures(record)).toEqual(Cases.sqsFifo.reported)
      expect(seen).toEqual(Cases.sqsFifo.ran)
      expect(logs.some((l) => l.message === Cases.sqsFifo.summary)).toBe(true)
      // An undecodable body stops the group the same way.
      expect(failures(yield* emulator.invoke(Cases.sqsFifo.undecodable))).toEqual(Cases.sqsFifo.undecodableReported)
      expect(seen).toEqual(Cases.sqsFifo.ranAfterUndecodable)
    }))

  it.scopedLive("Kinesis: in order; stops at the first failure and reports only its sequence number", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { emulator } = yield* start(LambdaEvents.kinesis(Job, runJob(seen)))
      const cases = Cases.kinesisCheckpoints
      expect(failures(yield* emulator.invoke(cases.died))).toEqual(cases.diedReported)
      expect(seen).toEqual(cases.ranUntilDied)
      expect(failures(yield* emulator.invoke(cases.undecodable))).toEqual(cases.undecodableReported)
      expect(seen).toEqual(cases.ranUntilUndecodable)
      expect(failures(yield* emulator.invoke(cases.clean))).toEqual([])
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
      const cases = Cases.dynamodbChanges
      expect(changes).toEqual(cases.changes)
      changes.length = 0
      expect(failures(yield* emulator.invoke(cases.badImage()))).toEqual(cases.badImageReported)
      expect(changes).toHaveLength(1)
      expect(failures(yield* emulator.invoke(cases.refused()))).toEqual(cases.refusedReported)
    }))

  it.scopedLive("SQS: runs records concurrently, never more than `concurrency` at once (timeline)", () =>
    Effect.gen(function*() {
      const { ids } = Cases.concurrencyTimeline
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
      expect(timeline).toEqual(Cases.concurrencyTimeline.timeline)
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
      const record = yield* emulator.invoke(Cases.cutOffs.running)
      // The invocation answers in time (no platform timeout) and only the cut-off record is retried.
      expect(failures(record)).toEqual(Cases.cutOffs.runningReported)
      const interruptedAt = yield* Deferred.await(interrupted)
      expect(interruptedAt).toBeGreaterThanOrEqual(record.deadlineMs - 700)
      expect(interruptedAt).toBeLessThanOrEqual(record.resultAt!)
      expect(logs.some((l) => l.message === Cases.cutOffs.runningSummary)).toBe(true)
    }))

  it.scopedLive("deadline: records not yet started are reported too; streams report the cut-off record", () =>
    Effect.gen(function*() {
      const sqsRun = yield* start(LambdaEvents.sqs(Job, runJob([]), { timeoutMargin: "600 millis" }), 1000)
      const record = yield* sqsRun.emulator.invoke(Cases.cutOffs.notStarted)
      expect(failures(record)).toEqual(Cases.cutOffs.notStartedReported)
      expect(sqsRun.logs.some((l) => l.message === Cases.cutOffs.notStartedSummary)).toBe(true)
      const seen: Array<string> = []
      const kinesisRun = yield* start(LambdaEvents.kinesis(Job, runJob(seen)), 1500)
      const stream = yield* kinesisRun.emulator.invoke(Cases.cutOffs.stream)
      expect(failures(stream)).toEqual(Cases.cutOffs.streamReported)
      expect(seen).toEqual(Cases.cutOffs.streamRan)
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
    for (const [name, schema] of Cases.sampleSchemas) {
      expect(samples[name], name).toEqual(fixture(name))
      expect(Either.isRight(Schema.decodeUnknownEither(schemas[schema])(samples[name])), name).toBe(true)
    }
    expect(sampleNames).toEqual(expect.arrayContaining(["apigw-v1", "apigw-v2", "function-url", "alb"]))
    expect(JSON.parse(sampleJson("sqs")!)).toEqual(fixture("sqs"))
    expect(sampleJson("nope")).toBeUndefined()
  })
})
