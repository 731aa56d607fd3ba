/**
 * The Effect 4 line's `LambdaEvents`, pinned by the cases it shares with the Effect 3 line
 * (test/eventCases.ts): the Schemas on the documented sample events, decoded directly, and the
 * batch handlers through the real protocol (the project's emulator on loopback, behind
 * test/toolBridge.ts, and this line's loop), their logs captured by a logger of the test's own.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Data, Deferred, Effect, Exit, Fiber, Logger, Queue, Ref, References, Schema } from "effect"
import * as Cases from "../../../test/eventCases.js"
import { fixture, job, sqsEvent } from "../../../test/eventCases.js"
import { startEmulator } from "../../../test/toolBridge.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type { InvocationRecord } from "../../../src/Emulator.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaEvents from "../src/LambdaEvents.js"
import { Samples } from "../src/internal/core.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"

const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Number })

// The cases are shared with the Effect 3 line: the Schemas are this line's.
const schemas = Cases.schemasOf<Schema.Decoder<unknown>>(LambdaEvents, {
  Order,
  RdsDetail: Schema.Struct({ SourceType: Schema.String, Message: Schema.String }),
  SourceDetail: Schema.Struct({ SourceIdentifier: Schema.String }),
  Item: Schema.Struct({ Id: Schema.Number, Message: Schema.String }),
  union: (a, b) => Schema.Union([a, b])
})

describe("Effect 4: LambdaEvents schemas", () => {
  for (const decoding of Cases.decodings) {
    it.effect(decoding.title, () =>
      Effect.gen(function*() {
        const decoded = yield* Schema.decodeUnknownEffect(schemas[decoding.schema])(decoding.input())
        expect(decoding.view(decoded)).toEqual(decoding.expected)
      }))
  }

  for (const refusal of Cases.refusals) {
    it.effect(refusal.title, () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Schema.decodeUnknownEffect(schemas[refusal.schema])(refusal.input()))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "").toContain(refusal.mentions)
      }))
  }

  it("the decoded types name the documented fields; AttributeMap encodes back to AttributeValues", () => {
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
    expect(Schema.encodeSync(LambdaEvents.AttributeMap)({ Id: 7, tags: ["a"] })).toEqual({
      Id: { N: "7" },
      tags: { L: [{ S: "a" }] }
    })
  })

  it("the shared core's samples are the fixtures, and each decodes with its Schema", () => {
    for (const [name, schema] of Cases.sampleSchemas) {
      expect(Samples.samples[name], name).toEqual(fixture(name))
      expect(Exit.isSuccess(Schema.decodeUnknownExit(schemas[schema])(Samples.samples[name])), name).toBe(true)
    }
  })
})

// --- Batch handlers, through the emulator and this line's loop ---------------------------

const Job = Schema.Struct({ id: Schema.String, action: Schema.Literals(["ok", "fail", "die", "block"]) })
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

const failures = (record: InvocationRecord): Array<string> => {
  expect(record.outcome?._tag).toBe("Response")
  return record.outcome?._tag === "Response" ? Cases.reportedIds(record.outcome.text) : []
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
      const record = yield* invoke(Cases.sqsStandard.event)
      expect(failures(record)).toEqual(Cases.sqsStandard.reported)
      expect([...seen].sort()).toEqual(Cases.sqsStandard.ran)
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
      expect(summary?.message).toBe(Cases.sqsStandard.summary)
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
      const record = yield* invoke(Cases.sqsFifo.event)
      expect(failures(record)).toEqual(Cases.sqsFifo.reported)
      expect(seen).toEqual(Cases.sqsFifo.ran)
      expect(logs.some((l) => l.message === Cases.sqsFifo.summary)).toBe(true)
      // An undecodable body stops the group the same way.
      expect(failures(yield* invoke(Cases.sqsFifo.undecodable))).toEqual(Cases.sqsFifo.undecodableReported)
      expect(seen).toEqual(Cases.sqsFifo.ranAfterUndecodable)
      // `fifo: true` forces the order on a queue whose ARN does not say so.
      const forced = yield* start(LambdaEvents.sqs(Job, runJob([]), { concurrency: 10, fifo: true }))
      expect(failures(yield* forced.invoke(sqsEvent([job("i", "fail"), job("j")])))).toEqual(["i", "j"])
    }))

  it.live("Kinesis: in order; stops at the first failure and reports only its sequence number", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const { invoke } = yield* start(LambdaEvents.kinesis(Job, runJob(seen)))
      const cases = Cases.kinesisCheckpoints
      expect(failures(yield* invoke(cases.died))).toEqual(cases.diedReported)
      expect(seen).toEqual(cases.ranUntilDied)
      expect(failures(yield* invoke(cases.undecodable))).toEqual(cases.undecodableReported)
      expect(seen).toEqual(cases.ranUntilUndecodable)
      expect(failures(yield* invoke(cases.clean))).toEqual([])
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
      const cases = Cases.dynamodbChanges
      expect(changes).toEqual(cases.changes)
      changes.length = 0
      expect(failures(yield* invoke(cases.badImage()))).toEqual(cases.badImageReported)
      expect(changes).toHaveLength(1)
      expect(failures(yield* invoke(cases.refused()))).toEqual(cases.refusedReported)
    }))

  it.live("SQS: runs records concurrently, never more than `concurrency` at once (timeline)", () =>
    Effect.gen(function*() {
      const { ids } = Cases.concurrencyTimeline
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
      expect(timeline).toEqual(Cases.concurrencyTimeline.timeline)
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
      const record = yield* invoke(Cases.cutOffs.running)
      // The invocation answers in time (no platform timeout) and only the cut-off record is retried.
      expect(failures(record)).toEqual(Cases.cutOffs.runningReported)
      const interruptedAt = yield* Deferred.await(interrupted)
      expect(interruptedAt).toBeGreaterThanOrEqual(record.deadlineMs - 700)
      expect(interruptedAt).toBeLessThanOrEqual(record.resultAt!)
      expect(logs.some((l) => l.message === Cases.cutOffs.runningSummary)).toBe(true)
    }))

  it.live("deadline: records not yet started are reported too; streams report the cut-off record", () =>
    Effect.gen(function*() {
      const sqsRun = yield* start(LambdaEvents.sqs(Job, runJob([]), { timeoutMargin: "600 millis" }), 1000)
      const record = yield* sqsRun.invoke(Cases.cutOffs.notStarted)
      expect(failures(record)).toEqual(Cases.cutOffs.notStartedReported)
      expect(sqsRun.logs.some((l) => l.message === Cases.cutOffs.notStartedSummary)).toBe(true)
      const seen: Array<string> = []
      const kinesisRun = yield* start(LambdaEvents.kinesis(Job, runJob(seen)), 1500)
      const stream = yield* kinesisRun.invoke(Cases.cutOffs.stream)
      expect(failures(stream)).toEqual(Cases.cutOffs.streamReported)
      expect(seen).toEqual(Cases.cutOffs.streamRan)
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
