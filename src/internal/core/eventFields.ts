/**
 * The text fields of the event envelopes AWS sends to Lambda (SQS, SNS, S3, EventBridge,
 * DynamoDB Streams, Kinesis), by object, with the names AWS documents: each line's Schemas
 * declare them from these lists (`required` always present, `optional` absent or text) and
 * declare the other fields (numbers, literals, nested objects, payloads) in their own Schema API.
 * A field AWS adds is added here once.
 */

/**
 * The text fields of one envelope object.
 *
 * @internal
 */
export interface TextFields {
  readonly required: ReadonlyArray<string>
  readonly optional: ReadonlyArray<string>
}

const fields = <const R extends ReadonlyArray<string>, const O extends ReadonlyArray<string> = readonly []>(
  required: R,
  optional: O = [] as unknown as O
) => ({ required, optional })

/** @internal */
export const sqsMessageAttribute = fields(["dataType"], ["stringValue", "binaryValue"])

/** @internal */
export const sqsRecordAttributes = fields(
  ["ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"],
  ["AWSTraceHeader", "SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "DeadLetterQueueSourceArn"]
)

/** @internal */
export const sqsRecord = fields([
  "messageId",
  "receiptHandle",
  "md5OfBody",
  "eventSource",
  "eventSourceARN",
  "awsRegion"
])

/** @internal */
export const snsMessageAttribute = fields(["Type", "Value"])

const snsCommon = ["Type", "MessageId", "TopicArn", "Timestamp", "SignatureVersion", "Signature"] as const

/**
 * The SNS message as Lambda receives it (`Records[].Sns`).
 *
 * @internal
 */
export const snsMessage = fields([...snsCommon, "SigningCertUrl", "UnsubscribeUrl"])

/** @internal */
export const snsRecord = fields(["EventVersion", "EventSubscriptionArn", "EventSource"])

/**
 * The SNS notification in an SQS body: AWS spells the URLs `SigningCertURL` and
 * `UnsubscribeURL` here, unlike in the Lambda event (`SigningCertUrl`).
 *
 * @internal
 */
export const snsNotification = fields([...snsCommon, "SigningCertURL", "UnsubscribeURL"])

/** @internal */
export const s3EventRecord = fields(["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName"])

/** @internal */
export const s3Principal = fields(["principalId"])

/** @internal */
export const s3RequestParameters = fields(["sourceIPAddress"])

/** @internal */
export const s3ResponseElements = fields(["x-amz-request-id", "x-amz-id-2"])

/** @internal */
export const s3Entity = fields(["s3SchemaVersion", "configurationId"])

/** @internal */
export const s3Bucket = fields(["name", "arn"])

/**
 * Deletions carry no `eTag`; `versionId` only comes from versioned buckets. The key is
 * URL-encoded (spaces as `+`), exactly as S3 sends it.
 *
 * @internal
 */
export const s3Object = fields(["key", "sequencer"], ["eTag", "versionId"])

/** @internal */
export const s3RestoreEventData = fields(["lifecycleRestorationExpiryTime", "lifecycleRestoreStorageClass"])

/** @internal */
export const s3TestEvent = fields(["Time", "Bucket", "RequestId", "HostId"])

/** @internal */
export const eventBridgeEvent = fields(
  ["version", "id", "detail-type", "source", "account", "time", "region"],
  ["replay-name"]
)

/** @internal */
export const dynamodbRecord = fields(["eventID", "eventVersion", "eventSource", "awsRegion", "eventSourceARN"])

/**
 * Present on deletions made by TTL.
 *
 * @internal
 */
export const dynamodbUserIdentity = fields(["type", "principalId"])

/** @internal */
export const kinesisRecord = fields([
  "eventSource",
  "eventVersion",
  "eventID",
  "eventName",
  "invokeIdentityArn",
  "awsRegion",
  "eventSourceARN"
])

/** @internal */
export const kinesisData = fields(["kinesisSchemaVersion", "partitionKey", "sequenceNumber"], ["encryptionType"])

/**
 * The fields of `spec` as one line's Struct fields: `required` names to `text`, `optional` names
 * to `optionalText` (that line's Schemas; typed by the line).
 *
 * @internal
 */
export const structFields = <T>(spec: TextFields, text: T, optionalText: T): Record<string, T> => {
  const out: Record<string, T> = {}
  for (const name of spec.required) out[name] = text
  for (const name of spec.optional) out[name] = optionalText
  return out
}
