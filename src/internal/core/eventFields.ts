/**
 * The plain fields of the event envelopes AWS sends to Lambda (SQS, SNS, S3, EventBridge,
 * DynamoDB Streams, Kinesis), by object, with the names AWS documents: text and number fields,
 * required or optional, and the objects nested in them. Each line's Schemas are built from these
 * descriptions ({@link structFields} with the line's own Schemas) and add the fields that need
 * more (literals, arrays, records, payloads decoded with the user's Schema). A field AWS adds is
 * added here once.
 */

/**
 * The plain fields of one envelope object. `optional` fields are absent or present, never
 * `undefined` (JSON has none).
 *
 * @internal
 */
export interface Envelope {
  readonly text: ReadonlyArray<string>
  readonly optionalText: ReadonlyArray<string>
  readonly numbers: ReadonlyArray<string>
  readonly optionalNumbers: ReadonlyArray<string>
  readonly objects: { readonly [name: string]: Envelope }
  readonly optionalObjects: { readonly [name: string]: Envelope }
}

type Names = ReadonlyArray<string>
type Objects = { readonly [name: string]: Envelope }
type NoObjects = Record<never, Envelope>

const envelope = <
  const T extends Names = readonly [],
  const OT extends Names = readonly [],
  const N extends Names = readonly [],
  const ON extends Names = readonly [],
  const O extends Objects = NoObjects,
  const OO extends Objects = NoObjects
>(spec: {
  readonly text?: T
  readonly optionalText?: OT
  readonly numbers?: N
  readonly optionalNumbers?: ON
  readonly objects?: O
  readonly optionalObjects?: OO
}) => ({
  text: spec.text ?? ([] as unknown as T),
  optionalText: spec.optionalText ?? ([] as unknown as OT),
  numbers: spec.numbers ?? ([] as unknown as N),
  optionalNumbers: spec.optionalNumbers ?? ([] as unknown as ON),
  objects: spec.objects ?? ({} as O),
  optionalObjects: spec.optionalObjects ?? ({} as OO)
})

/**
 * A line's Schemas for each kind of field, and its Struct for a nested object.
 *
 * @internal
 */
export interface FieldSchemas<S> {
  readonly text: S
  readonly optionalText: S
  readonly number: S
  readonly optionalNumber: S
  readonly struct: (fields: Record<string, S>) => S
  readonly optional: (schema: S) => S
}

/**
 * The fields of `spec` as one line's Struct fields (the line types them).
 *
 * @internal
 */
export const structFields = <S>(spec: Envelope, schemas: FieldSchemas<S>): Record<string, S> => {
  const out: Record<string, S> = {}
  for (const name of spec.text) out[name] = schemas.text
  for (const name of spec.optionalText) out[name] = schemas.optionalText
  for (const name of spec.numbers) out[name] = schemas.number
  for (const name of spec.optionalNumbers) out[name] = schemas.optionalNumber
  for (const [name, inner] of Object.entries(spec.objects)) out[name] = schemas.struct(structFields(inner, schemas))
  for (const [name, inner] of Object.entries(spec.optionalObjects)) {
    out[name] = schemas.optional(schemas.struct(structFields(inner, schemas)))
  }
  return out
}

// --- SQS ---------------------------------------------------------------------------------

/** @internal */
export const sqsMessageAttribute = envelope({ text: ["dataType"], optionalText: ["stringValue", "binaryValue"] })

/** @internal */
export const sqsRecordAttributes = envelope({
  text: ["ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"],
  optionalText: [
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "DeadLetterQueueSourceArn"
  ]
})

/** @internal */
export const sqsRecord = envelope({
  text: ["messageId", "receiptHandle", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"]
})

// --- SNS ---------------------------------------------------------------------------------

/** @internal */
export const snsMessageAttribute = envelope({ text: ["Type", "Value"] })

const snsCommon = ["Type", "MessageId", "TopicArn", "Timestamp", "SignatureVersion", "Signature"] as const

/**
 * The SNS message as Lambda receives it (`Records[].Sns`).
 *
 * @internal
 */
export const snsMessage = envelope({ text: [...snsCommon, "SigningCertUrl", "UnsubscribeUrl"] })

/** @internal */
export const snsRecord = envelope({ text: ["EventVersion", "EventSubscriptionArn", "EventSource"] })

/**
 * The SNS notification in an SQS body: AWS spells the URLs `SigningCertURL` and
 * `UnsubscribeURL` here, unlike in the Lambda event (`SigningCertUrl`).
 *
 * @internal
 */
export const snsNotification = envelope({ text: [...snsCommon, "SigningCertURL", "UnsubscribeURL"] })

// --- S3 ----------------------------------------------------------------------------------

// Each nested object is its own constant: written inline in `objects`, an envelope's absent
// lists would be inferred as any names rather than none.
const principal = envelope({ text: ["principalId"] })
const s3RequestParameters = envelope({ text: ["sourceIPAddress"] })
const s3ResponseElements = envelope({ text: ["x-amz-request-id", "x-amz-id-2"] })
const s3Bucket = envelope({ text: ["name", "arn"], objects: { ownerIdentity: principal } })
const s3Object = envelope({
  text: ["key", "sequencer"],
  optionalText: ["eTag", "versionId"],
  optionalNumbers: ["size"]
})
const s3Entity = envelope({
  text: ["s3SchemaVersion", "configurationId"],
  objects: { bucket: s3Bucket, object: s3Object }
})
const s3RestoreEventData = envelope({ text: ["lifecycleRestorationExpiryTime", "lifecycleRestoreStorageClass"] })
const s3GlacierEventData = envelope({ objects: { restoreEventData: s3RestoreEventData } })

/**
 * A record of an S3 event notification. Deletions carry neither `size` nor `eTag`; `versionId`
 * only comes from versioned buckets. The key is URL-encoded (spaces as `+`), exactly as S3
 * sends it.
 *
 * @internal
 */
export const s3EventRecord = envelope({
  text: ["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName"],
  objects: {
    userIdentity: principal,
    requestParameters: s3RequestParameters,
    responseElements: s3ResponseElements,
    s3: s3Entity
  },
  optionalObjects: { glacierEventData: s3GlacierEventData }
})

/** @internal */
export const s3TestEvent = envelope({ text: ["Time", "Bucket", "RequestId", "HostId"] })

// --- EventBridge -------------------------------------------------------------------------

/** @internal */
export const eventBridgeEvent = envelope({
  text: ["version", "id", "detail-type", "source", "account", "time", "region"],
  optionalText: ["replay-name"]
})

// --- DynamoDB Streams --------------------------------------------------------------------

const dynamodbUserIdentity = envelope({ text: ["type", "principalId"] })

/**
 * A DynamoDB Streams record's plain fields; `userIdentity` is present on deletions made by TTL.
 *
 * @internal
 */
export const dynamodbRecord = envelope({
  text: ["eventID", "eventVersion", "eventSource", "awsRegion", "eventSourceARN"],
  optionalObjects: { userIdentity: dynamodbUserIdentity }
})

/**
 * The `dynamodb` object's plain fields (its keys, images and literals are each line's).
 *
 * @internal
 */
export const dynamodbChange = envelope({
  text: ["SequenceNumber"],
  numbers: ["SizeBytes"],
  optionalNumbers: ["ApproximateCreationDateTime"]
})

// --- Kinesis -----------------------------------------------------------------------------

/** @internal */
export const kinesisRecord = envelope({
  text: ["eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn", "awsRegion", "eventSourceARN"]
})

/**
 * The `kinesis` object's plain fields (its `data` is each line's).
 *
 * @internal
 */
export const kinesisData = envelope({
  text: ["kinesisSchemaVersion", "partitionKey", "sequenceNumber"],
  optionalText: ["encryptionType"],
  numbers: ["approximateArrivalTimestamp"]
})
