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
import { EventFields } from "../core.js"

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

type FieldsOf<F extends EventFields.Envelope> =
  & { readonly [K in F["text"][number]]: Schema.String }
  & { readonly [K in F["optionalText"][number]]: Schema.optionalKey<Schema.String> }
  & { readonly [K in F["numbers"][number]]: Schema.Number }
  & { readonly [K in F["optionalNumbers"][number]]: Schema.optionalKey<Schema.Number> }
  & { readonly [K in keyof F["objects"]]: StructOf<F["objects"][K]> }
  & { readonly [K in keyof F["optionalObjects"]]: Schema.optionalKey<StructOf<F["optionalObjects"][K]>> }

type StructOf<E> = E extends EventFields.Envelope ? Schema.Struct<FieldsOf<E>> : never

const fieldSchemas: EventFields.FieldSchemas<Schema.Top> = {
  text: Schema.String,
  optionalText: optional(Schema.String),
  number: Schema.Number,
  optionalNumber: optional(Schema.Number),
  struct: (fields) => Schema.Struct(fields),
  optional
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
export const SqsRecord = <A = string, I = string>(body?: Json<A, I>) =>
  Schema.Struct({
    ...fields(EventFields.sqsRecord),
    body: jsonText(body),
    attributes: SqsRecordAttributes,
    messageAttributes: Schema.Record(Schema.String, SqsMessageAttribute),
    md5OfMessageAttributes: nullableText
  })

/** @internal */
export const SqsEvent = <A = string, I = string>(body?: Json<A, I>) =>
  Schema.Struct({ Records: Schema.Array(SqsRecord(body)) })

// --- SNS ---------------------------------------------------------------------------------

/** @internal */
export const SnsMessageAttribute = Schema.Struct(fields(EventFields.snsMessageAttribute))

const snsPayload = <A, I>(message: Json<A, I> | undefined) => ({
  Message: jsonText(message),
  MessageAttributes: optional(Schema.Record(Schema.String, SnsMessageAttribute)),
  Subject: nullableText
})

/** @internal */
export const SnsMessage = <A = string, I = string>(message?: Json<A, I>) =>
  Schema.Struct({ ...fields(EventFields.snsMessage), ...snsPayload(message) })

/** @internal */
export const SnsRecord = <A = string, I = string>(message?: Json<A, I>) =>
  Schema.Struct({ ...fields(EventFields.snsRecord), Sns: SnsMessage(message) })

/** @internal */
export const SnsEvent = <A = string, I = string>(message?: Json<A, I>) =>
  Schema.Struct({ Records: Schema.Array(SnsRecord(message)) })

/**
 * The SNS notification as an SQS subscription delivers it in the body (raw message delivery
 * off).
 *
 * @internal
 */
export const SnsNotification = <A = string, I = string>(message?: Json<A, I>) =>
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

/**
 * Any object: the detail of an EventBridge event without a Schema, and a plain DynamoDB item.
 *
 * @internal
 */
export const UnknownObject = Schema.Record(Schema.String, Schema.Unknown)

const eventBridgeFields = { ...fields(EventFields.eventBridgeEvent), resources: Schema.Array(Schema.String) }

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
