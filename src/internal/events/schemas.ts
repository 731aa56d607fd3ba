/**
 * Schemas of the event envelopes of SQS, SNS, S3 and EventBridge, with the field names AWS
 * documents. Structs ignore fields they do not know (Schema's default), so a field AWS adds
 * later does not fail a decode. Payloads that arrive as JSON text (an SQS body, an SNS message)
 * are parsed and decoded with the user's Schema when one is given, and stay strings otherwise.
 */
import * as Schema from "effect/Schema"

/**
 * The payload as JSON text decoded with `schema`, or the text itself without one.
 *
 * @internal
 */
export const jsonText = <A, I>(schema: Schema.Schema<A, I, never> | undefined): Schema.Schema<A, string> =>
  (schema === undefined ? Schema.String : Schema.parseJson(schema)) as Schema.Schema<A, string>

/**
 * Absent or present, never `undefined` (JSON has none): keeps decode errors to the one real issue.
 *
 * @internal
 */
export const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

// --- SQS ---------------------------------------------------------------------------------

/** @internal */
export const SqsMessageAttribute = Schema.Struct({
  stringValue: optional(Schema.String),
  binaryValue: optional(Schema.String),
  stringListValues: optional(Schema.Array(Schema.String)),
  binaryListValues: optional(Schema.Array(Schema.String)),
  dataType: Schema.String
})

/** @internal */
export const SqsRecordAttributes = Schema.Struct({
  ApproximateReceiveCount: Schema.String,
  SentTimestamp: Schema.String,
  SenderId: Schema.String,
  ApproximateFirstReceiveTimestamp: Schema.String,
  AWSTraceHeader: optional(Schema.String),
  SequenceNumber: optional(Schema.String),
  MessageGroupId: optional(Schema.String),
  MessageDeduplicationId: optional(Schema.String),
  DeadLetterQueueSourceArn: optional(Schema.String)
})

const sqsRecordFields = {
  messageId: Schema.String,
  receiptHandle: Schema.String,
  attributes: SqsRecordAttributes,
  messageAttributes: Schema.Record({ key: Schema.String, value: SqsMessageAttribute }),
  md5OfBody: Schema.String,
  md5OfMessageAttributes: optional(Schema.NullOr(Schema.String)),
  eventSource: Schema.String,
  eventSourceARN: Schema.String,
  awsRegion: Schema.String
}

/** @internal */
export const SqsRecord = <A = string, I = string>(body?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ ...sqsRecordFields, body: jsonText(body) })

/** @internal */
export const SqsEvent = <A = string, I = string>(body?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ Records: Schema.Array(SqsRecord(body)) })

// --- SNS ---------------------------------------------------------------------------------

/** @internal */
export const SnsMessageAttribute = Schema.Struct({ Type: Schema.String, Value: Schema.String })

const snsAttributes = optional(Schema.Record({ key: Schema.String, value: SnsMessageAttribute }))

/** @internal */
export const SnsMessage = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({
    SignatureVersion: Schema.String,
    Timestamp: Schema.String,
    Signature: Schema.String,
    SigningCertUrl: Schema.String,
    MessageId: Schema.String,
    Message: jsonText(message),
    MessageAttributes: snsAttributes,
    Type: Schema.String,
    UnsubscribeUrl: Schema.String,
    TopicArn: Schema.String,
    Subject: optional(Schema.NullOr(Schema.String))
  })

/** @internal */
export const SnsRecord = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({
    EventVersion: Schema.String,
    EventSubscriptionArn: Schema.String,
    EventSource: Schema.String,
    Sns: SnsMessage(message)
  })

/** @internal */
export const SnsEvent = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ Records: Schema.Array(SnsRecord(message)) })

/**
 * The SNS notification as an SQS subscription delivers it in the body (raw message delivery
 * off). AWS spells the URLs `SigningCertURL` and `UnsubscribeURL` here, unlike in the Lambda
 * event (`SigningCertUrl`).
 *
 * @internal
 */
export const SnsNotification = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({
    Type: Schema.String,
    MessageId: Schema.String,
    TopicArn: Schema.String,
    Subject: optional(Schema.NullOr(Schema.String)),
    Message: jsonText(message),
    Timestamp: Schema.String,
    SignatureVersion: Schema.String,
    Signature: Schema.String,
    SigningCertURL: Schema.String,
    UnsubscribeURL: Schema.String,
    MessageAttributes: snsAttributes
  })

// --- S3 ----------------------------------------------------------------------------------

/** @internal */
export const S3EventRecord = Schema.Struct({
  eventVersion: Schema.String,
  eventSource: Schema.String,
  awsRegion: Schema.String,
  eventTime: Schema.String,
  eventName: Schema.String,
  userIdentity: Schema.Struct({ principalId: Schema.String }),
  requestParameters: Schema.Struct({ sourceIPAddress: Schema.String }),
  responseElements: Schema.Struct({ "x-amz-request-id": Schema.String, "x-amz-id-2": Schema.String }),
  s3: Schema.Struct({
    s3SchemaVersion: Schema.String,
    configurationId: Schema.String,
    bucket: Schema.Struct({
      name: Schema.String,
      ownerIdentity: Schema.Struct({ principalId: Schema.String }),
      arn: Schema.String
    }),
    // Deletions carry neither size nor eTag; versionId only comes from versioned buckets. The
    // key is URL-encoded (spaces as `+`), exactly as S3 sends it.
    object: Schema.Struct({
      key: Schema.String,
      size: optional(Schema.Number),
      eTag: optional(Schema.String),
      versionId: optional(Schema.String),
      sequencer: Schema.String
    })
  }),
  glacierEventData: optional(Schema.Struct({
    restoreEventData: Schema.Struct({
      lifecycleRestorationExpiryTime: Schema.String,
      lifecycleRestoreStorageClass: Schema.String
    })
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
  Time: Schema.String,
  Bucket: Schema.String,
  RequestId: Schema.String,
  HostId: Schema.String
})

// --- EventBridge -------------------------------------------------------------------------

const UnknownDetail = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** @internal */
export const EventBridgeEvent = <A = { readonly [x: string]: unknown }, I = A>(detail?: Schema.Schema<A, I, never>) =>
  Schema.Struct({
    version: Schema.String,
    id: Schema.String,
    "detail-type": Schema.String,
    source: Schema.String,
    account: Schema.String,
    time: Schema.String,
    region: Schema.String,
    resources: Schema.Array(Schema.String),
    detail: (detail ?? UnknownDetail) as Schema.Schema<A, I, never>,
    "replay-name": optional(Schema.String)
  })

/** @internal */
export const ScheduledEvent = Schema.Struct({
  ...EventBridgeEvent().fields,
  "detail-type": Schema.Literal("Scheduled Event"),
  source: Schema.Literal("aws.events")
})
