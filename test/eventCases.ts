/**
 * The cases both lines' `LambdaEvents` tests pin (test/LambdaEvents.test.ts on Effect 3,
 * packages/effect4/test/LambdaEvents.test.ts on Effect 4), written once: the documented sample
 * events, what each Schema must decode them to (or refuse), and the events the batch handlers
 * are invoked with and what they must answer. Plain data and functions: no Effect and no vitest
 * (each line runs its own majors of both), so each line's test only builds its Schemas and
 * handlers and compares.
 */
import { readFileSync } from "node:fs"

/** A sample event of test/fixtures/events, parsed anew (tests may change it). */
export const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`fixtures/events/${name}.json`, import.meta.url), "utf8"))

/**
 * What a line's `LambdaEvents` module offers, as far as the cases use it (methods, so that each
 * line's generic signatures fit).
 */
export interface EventsModule<S> {
  SqsEvent(body?: S): S
  SnsEvent(message?: S): S
  SnsNotification(message?: S): S
  EventBridgeEvent(detail?: S): S
  DynamoDbStreamEvent(image?: S): S
  KinesisEvent(data?: S): S
  KinesisRecord(data?: S): S
  readonly S3Event: S
  readonly S3TestEvent: S
  readonly ScheduledEvent: S
  readonly AttributeMap: S
}

/** The user's Schemas the cases decode with, built with the line's `Schema`. */
export interface UserSchemas<S> {
  /** `{ orderId: string, quantity: number }` */
  readonly Order: S
  /** `{ SourceType: string, Message: string }` (the RDS sample's detail) */
  readonly RdsDetail: S
  /** `{ SourceIdentifier: string }` */
  readonly SourceDetail: S
  /** `{ Id: number, Message: string }` (the DynamoDB sample's item) */
  readonly Item: S
  /** The line's union of two Schemas. */
  readonly union: (a: S, b: S) => S
}

/** Every Schema the cases name, from a line's module and its user Schemas. */
export const schemasOf = <S>(events: EventsModule<S>, user: UserSchemas<S>) => ({
  sqsOrders: events.SqsEvent(user.Order),
  sqsText: events.SqsEvent(),
  snsOrders: events.SnsEvent(user.Order),
  s3: events.S3Event,
  s3OrTest: user.union(events.S3Event, events.S3TestEvent),
  rds: events.EventBridgeEvent(user.RdsDetail),
  eventBridge: events.EventBridgeEvent(),
  scheduled: events.ScheduledEvent,
  dynamodbItems: events.DynamoDbStreamEvent(user.Item),
  dynamodb: events.DynamoDbStreamEvent(),
  attributeMap: events.AttributeMap,
  kinesisText: events.KinesisEvent(),
  kinesisOrder: events.KinesisRecord(user.Order),
  sqsSnsOrders: events.SqsEvent(events.SnsNotification(user.Order)),
  sqsEventBridge: events.SqsEvent(events.EventBridgeEvent(user.SourceDetail)),
  sqsS3: events.SqsEvent(events.S3Event)
})

/** The name of a Schema of the cases. */
export type SchemaName = keyof ReturnType<typeof schemasOf>

/**
 * A decoded value, read by the cases' views: the line's test checks the decoded types by
 * compiling; here the values are compared.
 */

type Decoded = any

/** A decoding that must succeed: `view(decoded)` must equal `expected`. */
export interface Decoding {
  readonly title: string
  readonly schema: SchemaName
  readonly input: () => unknown
  readonly view: (decoded: Decoded) => unknown
  readonly expected: unknown
}

const recordsOf = (event: Record<string, unknown>) => event["Records"] as Array<Record<string, unknown>>

const kinesisOrderRecord = () => {
  const record = recordsOf(fixture("kinesis"))[0] as { kinesis: Record<string, unknown> }
  record.kinesis["data"] = Buffer.from(JSON.stringify({ orderId: "o-9", quantity: 3 })).toString("base64")
  return record
}

const withAddedFields = () => {
  const event = fixture("sqs")
  recordsOf(event)[0]!["newField"] = { nested: true }
  event["extra"] = 1
  return event
}

/** The decodings both lines pin. */
export const decodings: ReadonlyArray<Decoding> = [
  {
    title: "SQS: the documented sample, bodies decoded with the user's Schema",
    schema: "sqsOrders",
    input: () => fixture("sqs"),
    view: (event) => ({
      bodies: event.Records.map((r: Decoded) => r.body),
      messageId: event.Records[0].messageId,
      attribute: event.Records[0].messageAttributes["myAttribute"].stringValue,
      traced: event.Records[1].attributes.AWSTraceHeader.startsWith("Root=1-")
    }),
    expected: {
      bodies: [{ orderId: "o-1", quantity: 2 }, { orderId: "o-2", quantity: 1 }],
      messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
      attribute: "myValue",
      traced: true
    }
  },
  {
    title: "SQS: without a Schema the body is the text, as sent",
    schema: "sqsText",
    input: () => fixture("sqs"),
    view: (event) => event.Records[0].body,
    expected: `{"orderId":"o-1","quantity":2}`
  },
  {
    title: "SQS FIFO: the documented sample with its FIFO attributes",
    schema: "sqsOrders",
    input: () => fixture("sqs-fifo"),
    view: (event) => [event.Records[0].attributes.MessageGroupId, event.Records[0].attributes.SequenceNumber],
    expected: ["1", "18849496460467696128"]
  },
  {
    title: "SNS: the documented sample, the message decoded",
    schema: "snsOrders",
    input: () => fixture("sns"),
    view: (
      event
    ) => [event.Records[0].Sns.Message, event.Records[0].Sns.MessageAttributes["Test"], event.Records[0].Sns.Subject],
    expected: [{ orderId: "o-1", quantity: 2 }, { Type: "String", Value: "TestString" }, "TestInvoke"]
  },
  {
    title: "S3: the documented sample",
    schema: "s3",
    input: () => fixture("s3"),
    view: (event) => [event.Records[0].s3.bucket.name, event.Records[0].s3.object.key, event.Records[0].s3.object.size],
    expected: ["DOC-EXAMPLE-BUCKET", "b21b84d653bb07b05b1e6b33684dc11b", 1305107]
  },
  {
    title: "S3: the test event decodes with a union of the two",
    schema: "s3OrTest",
    input: () => ({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Time: "2024-01-01T00:00:00.000Z",
      Bucket: "DOC-EXAMPLE-BUCKET",
      RequestId: "R",
      HostId: "H"
    }),
    view: (event) => [event.Event, event.Bucket],
    expected: ["s3:TestEvent", "DOC-EXAMPLE-BUCKET"]
  },
  {
    title: "EventBridge: the documented sample, detail decoded with the user's Schema",
    schema: "rds",
    input: () => fixture("eventbridge"),
    view: (event) => [event["detail-type"], event.detail],
    expected: ["RDS DB Instance Event", { SourceType: "DB_INSTANCE", Message: "Finished DB Instance backup" }]
  },
  {
    title: "scheduled: the documented sample",
    schema: "scheduled",
    input: () => fixture("scheduled"),
    view: (event) => event.resources,
    expected: ["arn:aws:events:us-east-2:123456789012:rule/my-schedule"]
  },
  {
    title: "DynamoDB Streams: the documented sample, images decoded from AttributeValues then with the user's Schema",
    schema: "dynamodbItems",
    input: () => fixture("dynamodb"),
    view: (event) =>
      event.Records.map((r: Decoded) => [r.eventName, r.dynamodb.Keys, r.dynamodb.NewImage, r.dynamodb.OldImage]),
    expected: [
      ["INSERT", { Id: 101 }, { Id: 101, Message: "New item!" }, undefined],
      ["MODIFY", { Id: 101 }, { Id: 101, Message: "This item has changed" }, { Id: 101, Message: "New item!" }],
      ["REMOVE", { Id: 101 }, undefined, { Id: 101, Message: "This item has changed" }]
    ]
  },
  {
    title: "AttributeMap: every AttributeValue type",
    schema: "attributeMap",
    input: () => ({
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
    }),
    view: (item) => item,
    expected: {
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
    }
  },
  {
    title: "Kinesis: the documented sample, data as text",
    schema: "kinesisText",
    input: () => fixture("kinesis"),
    view: (event) => event.Records.map((r: Decoded) => r.kinesis.data),
    expected: ["Hello, this is a test.", "This is only a test."]
  },
  {
    title: "Kinesis: JSON data decoded with the user's Schema",
    schema: "kinesisOrder",
    input: kinesisOrderRecord,
    view: (record) => record.kinesis.data,
    expected: { orderId: "o-9", quantity: 3 }
  },
  {
    title: "nestings: SNS inside SQS",
    schema: "sqsSnsOrders",
    input: () => fixture("sqs-sns"),
    view: (event) => [event.Records[0].body.Message, event.Records[0].body.TopicArn],
    expected: [{ orderId: "o-1", quantity: 2 }, "arn:aws:sns:us-east-2:123456789012:orders"]
  },
  {
    title: "nestings: EventBridge inside SQS",
    schema: "sqsEventBridge",
    input: () => fixture("sqs-eventbridge"),
    view: (event) => event.Records[0].body.detail,
    expected: { SourceIdentifier: "rdz6xmpliljlb1" }
  },
  {
    title: "nestings: S3 inside SQS",
    schema: "sqsS3",
    input: () => fixture("sqs-s3"),
    view: (event) => event.Records[0].body.Records[0].s3.object.key,
    expected: "b21b84d653bb07b05b1e6b33684dc11b"
  },
  {
    title: "tolerates fields AWS may add",
    schema: "sqsOrders",
    input: withAddedFields,
    view: (event) => event.Records.length,
    expected: 2
  }
]

/** A decoding that must fail, its error's text naming `mentions`. */
export interface Refusal {
  readonly title: string
  readonly schema: SchemaName
  readonly input: () => unknown
  readonly mentions: string
}

const badQuantity = () => {
  const event = fixture("sqs")
  const records = recordsOf(event)
  records[1] = { ...records[1], body: `{"orderId":"o-2","quantity":"one"}` }
  return event
}

/** The refusals both lines pin. */
export const refusals: ReadonlyArray<Refusal> = [
  {
    title: "SQS: a body that does not match fails with the failing path",
    schema: "sqsOrders",
    input: badQuantity,
    mentions: `["quantity"]`
  },
  {
    title: "scheduled: another detail-type is refused",
    schema: "scheduled",
    input: () => fixture("eventbridge"),
    mentions: "Scheduled Event"
  },
  {
    title: "AttributeMap: a failure names the attribute",
    schema: "attributeMap",
    input: () => ({ m: { M: { price: { N: "abc" } } } }),
    mentions: "at m.M.price.N"
  }
]

/** Each sample of the shared core that a Schema of the cases decodes (the samples are the fixtures). */
export const sampleSchemas = [
  ["sqs", "sqsOrders"],
  ["sqs-fifo", "sqsOrders"],
  ["sns", "snsOrders"],
  ["s3", "s3"],
  ["eventbridge", "eventBridge"],
  ["dynamodb", "dynamodb"],
  ["kinesis", "kinesisText"],
  ["scheduled", "scheduled"]
] as const satisfies ReadonlyArray<readonly [string, SchemaName]>

// --- The batch handlers' events ----------------------------------------------------------

/** What a `Job` record asks its handler to do: succeed, fail, die, or never end. */
export type JobAction = "ok" | "fail" | "die" | "block"

/** A record id and its `{ id, action }` job. */
export const job = (id: string, action: JobAction = "ok") => [id, { id, action }] as const

const sqsRecordTemplate = recordsOf(fixture("sqs"))[0]!

/** An SQS event whose records have these ids and bodies (objects are JSON-encoded). */
export const sqsEvent = (
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

/** A FIFO queue's ARN. */
export const fifoArn = "arn:aws:sqs:us-east-2:123456789012:jobs.fifo"

const kinesisRecordTemplate = recordsOf(fixture("kinesis"))[0] as { kinesis: Record<string, unknown> }

/** A Kinesis event whose records have these sequence numbers and data (objects are JSON-encoded). */
export const kinesisEvent = (records: ReadonlyArray<readonly [string, unknown]>) => ({
  Records: records.map(([sequenceNumber, data]) => ({
    ...kinesisRecordTemplate,
    kinesis: {
      ...kinesisRecordTemplate.kinesis,
      sequenceNumber,
      data: Buffer.from(typeof data === "string" ? data : JSON.stringify(data)).toString("base64")
    }
  }))
})

/** The item ids of a batch response's text (`{ batchItemFailures: [{ itemIdentifier }] }`). */
export const reportedIds = (responseText: string): Array<string> =>
  (JSON.parse(responseText) as { batchItemFailures: Array<{ itemIdentifier: string }> }).batchItemFailures.map((f) =>
    f.itemIdentifier
  )

/** The SQS standard batch: every way a record can fail, and what is reported and run. */
export const sqsStandard = {
  event: sqsEvent([
    job("a"),
    job("b", "fail"),
    job("c"),
    job("d", "die"),
    ["e", { id: "e", action: "explode" }],
    ["f", "not json at all"],
    job("g")
  ]),
  reported: ["b", "d", "e", "f"],
  ran: ["a", "b", "c", "d", "g"],
  summary: "SQS batch of 7: 3 succeeded, 4 failed, 0 interrupted, 0 skipped"
}

/** The FIFO batch: in order, stopped at the failure, the rest reported and never run. */
export const sqsFifo = {
  event: sqsEvent([job("a"), job("b"), job("c", "fail"), job("d"), job("e")], fifoArn),
  reported: ["c", "d", "e"],
  ran: ["a", "b", "c"],
  summary: "SQS batch of 5: 2 succeeded, 1 failed, 0 interrupted, 2 skipped",
  undecodable: sqsEvent([job("f"), ["g", "{"], job("h")], fifoArn),
  undecodableReported: ["g", "h"],
  ranAfterUndecodable: ["a", "b", "c", "f"]
}

/** The Kinesis batches: stopped at a defect, then at data that does not decode. */
export const kinesisCheckpoints = {
  died: kinesisEvent([
    ["101", { id: "a", action: "ok" }],
    ["102", { id: "b", action: "ok" }],
    ["103", { id: "c", action: "die" }],
    ["104", { id: "d", action: "ok" }]
  ]),
  diedReported: ["103"],
  ranUntilDied: ["a", "b", "c"],
  undecodable: kinesisEvent([["201", { id: "e", action: "ok" }], ["202", "plain text"], ["203", {
    id: "f",
    action: "ok"
  }]]),
  undecodableReported: ["202"],
  ranUntilUndecodable: ["a", "b", "c", "e"],
  clean: kinesisEvent([["301", { id: "g", action: "ok" }]])
}

/** The DynamoDB Streams sample's changes, and the sample with a bad image and with a refused one. */
export const dynamodbChanges = {
  changes: [
    ["INSERT", { Id: 101 }, "New item!", undefined],
    ["MODIFY", { Id: 101 }, "This item has changed", "New item!"],
    ["REMOVE", { Id: 101 }, undefined, "This item has changed"]
  ],
  badImage: () => {
    const event = fixture("dynamodb")
    ;(recordsOf(event)[1] as { dynamodb: Record<string, unknown> }).dynamodb["NewImage"] = {
      Id: { S: "not a number" },
      Message: { S: "x" }
    }
    return event
  },
  badImageReported: ["222"],
  refused: () => {
    const event = fixture("dynamodb")
    ;(recordsOf(event)[0] as { dynamodb: Record<string, unknown> }).dynamodb["NewImage"] = {
      Id: { N: "1" },
      Message: { S: "fail" }
    }
    return event
  },
  refusedReported: ["111"]
}

/** The concurrency timeline of five records, two at a time, each ended once the next is seen starting. */
export const concurrencyTimeline = {
  ids: ["a", "b", "c", "d", "e"],
  timeline: ["start a", "start b", "end a", "start c", "end b", "start d", "end c", "start e", "end d", "end e"]
}

/** The cut-off batches: a record running at the cut-off, and records never started. */
export const cutOffs = {
  running: sqsEvent([job("a"), job("b", "block"), job("c")]),
  runningReported: ["b"],
  runningSummary: "SQS batch of 3: 2 succeeded, 0 failed, 1 interrupted, 0 skipped",
  notStarted: sqsEvent([job("a", "block"), job("b")]),
  notStartedReported: ["a", "b"],
  notStartedSummary: "SQS batch of 2: 0 succeeded, 0 failed, 2 interrupted, 0 skipped",
  stream: kinesisEvent([["1", { id: "x", action: "ok" }], ["2", { id: "y", action: "block" }], ["3", {
    id: "z",
    action: "ok"
  }]]),
  streamReported: ["2"],
  streamRan: ["x", "y"]
}

/**
 * Fields read through each line's decoded types (the quantity of an SQS body, its trace header,
 * an S3 object's size, its bucket owner, the Glacier restore class, a stream record's size).
 */
export type TypedFields = [number, string | undefined, number | undefined, string, string | undefined, number]

/** Their values in the samples. */
export const typedFields: TypedFields = [2, undefined, 1305107, "A3I5XTEXAMAI3E", undefined, 26]
