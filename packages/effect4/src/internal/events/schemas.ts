/**
 * Schemas of the event envelopes of SQS, SNS, S3 and EventBridge on Effect 4's `Schema`, with
 * the field names AWS documents. Structs ignore fields they do not know (Schema's default), so
 * a field AWS adds later does not fail a decode. Payloads that arrive as JSON text (an SQS body,
 * an SNS message) are parsed and decoded with the user's Schema when one is given, and stay
 * strings otherwise.
 *
 * @internal
 */
import * as Schema from "effect/Schema"

/**
 * A user's Schema for a JSON payload: decoded without services.
 *
 * @internal
 */
export type Json<A, I> = Schema.Codec<A, I, never, never>

/**
 * The payload as JSON text decoded with `schema`, or the text itself without one.
 *
 * @internal
 */
export const jsonText = <A, I>(schema: Json<A, I> | undefined): Schema.Codec<A, string> =>
  (schema === undefined ? Schema.String : Schema.fromJsonString(schema)) as Schema.Codec<A, string>

/**
 * Absent or present, never `undefined` (JSON has none): keeps decode errors to the one real issue.
 *
 * @internal
 */
export const optional = <S extends Schema.Constraint>(schema: S): Schema.optionalKey<S> => Schema.optionalKey(schema)

const str = Schema.String

// --- SQS ---------------------------------------------------------------------------------

/** @internal */
export const SqsMessageAttribute = Schema.Struct({
  stringValue: optional(str),
  binaryValue: optional(str),
  stringListValues: optional(Schema.Array(str)),
  binaryListValues: optional(Schema.Array(str)),
  dataType: str
})

/** @internal */
export const SqsRecordAttributes = Schema.Struct({
  ApproximateReceiveCount: str,
  SentTimestamp: str,
  SenderId: str,
  ApproximateFirstReceiveTimestamp: str,
  AWSTraceHeader: optional(str),
  SequenceNumber: optional(str),
  MessageGroupId: optional(str),
  MessageDeduplicationId: optional(str),
  DeadLetterQueueSourceArn: optional(str)
})

/** @internal */
export const SqsRecord = <A = string, I = string>(body?: Json<A, I>) =>
  Schema.Struct({
    messageId: str,
    receiptHandle: str,
    body: jsonText(body),
    attributes: SqsRecordAttributes,
    messageAttributes: Schema.Record(str, SqsMessageAttribute),
    md5OfBody: str,
    md5OfMessageAttributes: optional(Schema.NullOr(str)),
    eventSource: str,
    eventSourceARN: str,
    awsRegion: str
  })

/** @internal */
export const SqsEvent = <A = string, I = string>(body?: Json<A, I>) =>
  Schema.Struct({ Records: Schema.Array(SqsRecord(body)) })

// --- SNS ---------------------------------------------------------------------------------

/** @internal */
export const SnsMessageAttribute = Schema.Struct({ Type: str, Value: str })

const snsAttributes = optional(Schema.Record(str, SnsMessageAttribute))

/** @internal */
export const SnsMessage = <A = string, I = string>(message?: Json<A, I>) =>
  Schema.Struct({
    MessageId: str,
    TopicArn: str,
    Type: str,
    Message: jsonText(message),
    MessageAttributes: snsAttributes,
    Subject: optional(Schema.NullOr(str)),
    Timestamp: str,
    SignatureVersion: str,
    Signature: str,
    SigningCertUrl: str,
    UnsubscribeUrl: str
  })

/** @internal */
export const SnsRecord = <A = string, I = string>(message?: Json<A, I>) =>
  Schema.Struct({ EventSource: str, EventVersion: str, EventSubscriptionArn: str, Sns: SnsMessage(message) })

/** @internal */
export const SnsEvent = <A = string, I = string>(message?: Json<A, I>) =>
  Schema.Struct({ Records: Schema.Array(SnsRecord(message)) })

/**
 * The SNS notification as an SQS subscription delivers it in the body (raw message delivery
 * off). AWS spells the URLs `SigningCertURL` and `UnsubscribeURL` here, unlike in the Lambda
 * event (`SigningCertUrl`).
 *
 * @internal
 */
export const SnsNotification = <A = string, I = string>(message?: Json<A, I>) =>
  Schema.Struct({
    Type: str,
    MessageId: str,
    TopicArn: str,
    Subject: optional(Schema.NullOr(str)),
    Message: jsonText(message),
    MessageAttributes: snsAttributes,
    Timestamp: str,
    SignatureVersion: str,
    Signature: str,
    SigningCertURL: str,
    UnsubscribeURL: str
  })

// --- S3 ----------------------------------------------------------------------------------

const principal = Schema.Struct({ principalId: str })

/** @internal */
export const S3EventRecord = Schema.Struct({
  eventVersion: str,
  eventSource: str,
  awsRegion: str,
  eventTime: str,
  eventName: str,
  userIdentity: principal,
  requestParameters: Schema.Struct({ sourceIPAddress: str }),
  responseElements: Schema.Struct({ "x-amz-request-id": str, "x-amz-id-2": str }),
  s3: Schema.Struct({
    s3SchemaVersion: str,
    configurationId: str,
    bucket: Schema.Struct({ name: str, ownerIdentity: principal, arn: str }),
    // Deletions carry neither size nor eTag; versionId only comes from versioned buckets. The
    // key is URL-encoded (spaces as `+`), exactly as S3 sends it.
    object: Schema.Struct({
      key: str,
      size: optional(Schema.Number),
      eTag: optional(str),
      versionId: optional(str),
      sequencer: str
    })
  }),
  glacierEventData: optional(Schema.Struct({
    restoreEventData: Schema.Struct({ lifecycleRestorationExpiryTime: str, lifecycleRestoreStorageClass: str })
  }))
})

/** @internal */
export const S3Event = Schema.Struct({ Records: Schema.Array(S3EventRecord) })

/**
 * What S3 sends once to a queue when a notification configuration is created.
 *
 * @internal
 */
export const S3TestEvent = Schema.Struct({
  Service: Schema.Literal("Amazon S3"),
  Event: Schema.Literal("s3:TestEvent"),
  Time: str,
  Bucket: str,
  RequestId: str,
  HostId: str
})

// --- EventBridge -------------------------------------------------------------------------

/**
 * Any object: the detail of an EventBridge event without a Schema, and a plain DynamoDB item.
 *
 * @internal
 */
export const UnknownObject = Schema.Record(str, Schema.Unknown)

const eventBridgeFields = {
  version: str,
  id: str,
  "detail-type": str,
  source: str,
  account: str,
  time: str,
  region: str,
  resources: Schema.Array(str),
  "replay-name": optional(str)
}

/** @internal */
export const EventBridgeEvent = <A = { readonly [x: string]: unknown }, I = A>(detail?: Json<A, I>) =>
  Schema.Struct({ ...eventBridgeFields, detail: (detail ?? UnknownObject) as Json<A, I> })

/** @internal */
export const ScheduledEvent = Schema.Struct({
  ...eventBridgeFields,
  detail: UnknownObject,
  "detail-type": Schema.Literal("Scheduled Event"),
  source: Schema.Literal("aws.events")
})
