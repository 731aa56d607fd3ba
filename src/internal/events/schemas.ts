/**
 * Schemas of the event envelopes of SQS, SNS, S3 and EventBridge, with the field names AWS
 * documents. Structs ignore fields they do not know (Schema's default), so a field AWS adds
 * later does not fail a decode. Payloads that arrive as JSON text (an SQS body, an SNS message)
 * are parsed and decoded with the user's Schema when one is given, and stay strings otherwise.
 */
import * as Schema from "effect/Schema"
import * as EventFields from "../core/eventFields.js"

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

type FieldsOf<F extends EventFields.Envelope> =
  & { readonly [K in F["text"][number]]: typeof Schema.String }
  & { readonly [K in F["optionalText"][number]]: Schema.optionalWith<typeof Schema.String, { exact: true }> }
  & { readonly [K in F["numbers"][number]]: typeof Schema.Number }
  & { readonly [K in F["optionalNumbers"][number]]: Schema.optionalWith<typeof Schema.Number, { exact: true }> }
  & { readonly [K in keyof F["objects"]]: StructOf<F["objects"][K]> }
  & {
    readonly [K in keyof F["optionalObjects"]]: Schema.optionalWith<StructOf<F["optionalObjects"][K]>, { exact: true }>
  }

type StructOf<E> = E extends EventFields.Envelope ? Schema.Struct<FieldsOf<E>> : never

type Field = Schema.Schema.All | Schema.PropertySignature.All

const fieldSchemas: EventFields.FieldSchemas<Field> = {
  text: Schema.String,
  optionalText: optional(Schema.String),
  number: Schema.Number,
  optionalNumber: optional(Schema.Number),
  struct: (fields) => Schema.Struct(fields),
  optional: (schema) => optional(schema as Schema.Schema.All)
}

/**
 * The Struct fields of an envelope's plain fields, as the shared core describes them
 * (core/eventFields.ts).
 *
 * @internal
 */
export const fields = <F extends EventFields.Envelope>(spec: F): FieldsOf<F> =>
  EventFields.structFields(spec, fieldSchemas) as FieldsOf<F>

const nullableText = optional(Schema.NullOr(Schema.String))

// --- SQS ---------------------------------------------------------------------------------

/** @internal */
export const SqsMessageAttribute = Schema.Struct({
  ...fields(EventFields.sqsMessageAttribute),
  stringListValues: optional(Schema.Array(Schema.String)),
  binaryListValues: optional(Schema.Array(Schema.String))
})

/** @internal */
export const SqsRecordAttributes = Schema.Struct(fields(EventFields.sqsRecordAttributes))

/** @internal */
export const SqsRecord = <A = string, I = string>(body?: Schema.Schema<A, I, never>) =>
  Schema.Struct({
    ...fields(EventFields.sqsRecord),
    body: jsonText(body),
    attributes: SqsRecordAttributes,
    messageAttributes: Schema.Record({ key: Schema.String, value: SqsMessageAttribute }),
    md5OfMessageAttributes: nullableText
  })

/** @internal */
export const SqsEvent = <A = string, I = string>(body?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ Records: Schema.Array(SqsRecord(body)) })

// --- SNS ---------------------------------------------------------------------------------

/** @internal */
export const SnsMessageAttribute = Schema.Struct(fields(EventFields.snsMessageAttribute))

/** What the SNS message and the notification in an SQS body carry besides their text fields. */
const snsPayload = <A, I>(message: Schema.Schema<A, I, never> | undefined) => ({
  Message: jsonText(message),
  MessageAttributes: optional(Schema.Record({ key: Schema.String, value: SnsMessageAttribute })),
  Subject: nullableText
})

/** @internal */
export const SnsMessage = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ ...fields(EventFields.snsMessage), ...snsPayload(message) })

/** @internal */
export const SnsRecord = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ ...fields(EventFields.snsRecord), Sns: SnsMessage(message) })

/** @internal */
export const SnsEvent = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ Records: Schema.Array(SnsRecord(message)) })

/**
 * The SNS notification as an SQS subscription delivers it in the body (raw message delivery
 * off).
 *
 * @internal
 */
export const SnsNotification = <A = string, I = string>(message?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ ...fields(EventFields.snsNotification), ...snsPayload(message) })

// --- S3 ----------------------------------------------------------------------------------

/** @internal */
export const S3EventRecord = Schema.Struct(fields(EventFields.s3EventRecord))

/** @internal */
export const S3Event = Schema.Struct({ Records: Schema.Array(S3EventRecord) })

/**
 * What S3 sends once to a queue when a notification configuration is created.
 *
 * @internal
 */
export const S3TestEvent = Schema.Struct({
  ...fields(EventFields.s3TestEvent),
  Service: Schema.Literal("Amazon S3"),
  Event: Schema.Literal("s3:TestEvent")
})

// --- EventBridge -------------------------------------------------------------------------

const UnknownDetail = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const eventBridgeFields = { ...fields(EventFields.eventBridgeEvent), resources: Schema.Array(Schema.String) }

/** @internal */
export const EventBridgeEvent = <A = { readonly [x: string]: unknown }, I = A>(detail?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ ...eventBridgeFields, detail: (detail ?? UnknownDetail) as Schema.Schema<A, I, never> })

/** @internal */
export const ScheduledEvent = Schema.Struct({
  ...eventBridgeFields,
  detail: UnknownDetail,
  "detail-type": Schema.Literal("Scheduled Event"),
  source: Schema.Literal("aws.events")
})
