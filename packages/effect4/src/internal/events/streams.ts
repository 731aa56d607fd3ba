/**
 * Schemas of the stream event sources on Effect 4's `Schema`: DynamoDB Streams (images as
 * AttributeValue maps, decoded into plain values by the shared core before the user's Schema
 * sees them) and Kinesis (base64 `data`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { AttributeValues, EventFields } from "../core.js"
import type { Json } from "./schemas.js"
import { fields, jsonText, optional, UnknownObject } from "./schemas.js"

type PlainObject = { readonly [x: string]: unknown }

/**
 * A DynamoDB item as an AttributeValue map, decoded into plain values: `S` strings, `N`
 * numbers (bigints beyond 2^53), `B` bytes, `BOOL`, `NULL` as `null`, `L` arrays, `M` objects,
 * and the sets `SS`, `NS`, `BS` as arrays. Encoding writes sets back as lists.
 *
 * @internal
 */
export const AttributeMap: Schema.Codec<PlainObject, PlainObject> = UnknownObject.pipe(
  Schema.decodeTo(
    UnknownObject,
    SchemaTransformation.transformEffect({
      decode: (map) => {
        const plain = AttributeValues.unmarshallMap(map)
        return plain instanceof AttributeValues.AttributeError
          ? Effect.fail(new SchemaIssue.InvalidValue({ message: `at ${plain.path}: ${plain.message}` }))
          : Effect.succeed(plain)
      },
      encode: (map) => Effect.succeed(AttributeValues.marshallMap(map))
    })
  )
)

/**
 * An image decoded from its AttributeValue map, then with `schema`.
 *
 * @internal
 */
export const DynamoDbImage = <A, I>(schema: Json<A, I>): Schema.Codec<A, PlainObject> =>
  AttributeMap.pipe(Schema.decodeTo(schema)) as unknown as Schema.Codec<A, PlainObject>

/** @internal */
export const DynamoDbStreamRecord = <A = PlainObject, I = A>(image?: Json<A, I>) => {
  const decodedImage = (image === undefined ? AttributeMap : DynamoDbImage(image)) as Schema.Codec<A, PlainObject>
  return Schema.Struct({
    ...fields(EventFields.dynamodbRecord),
    eventName: Schema.Literals(["INSERT", "MODIFY", "REMOVE"]),
    dynamodb: Schema.Struct({
      ...fields(EventFields.dynamodbChange),
      Keys: optional(AttributeMap),
      NewImage: optional(decodedImage),
      OldImage: optional(decodedImage),
      StreamViewType: Schema.Literals(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
    })
  })
}

/** @internal */
export const DynamoDbStreamEvent = <A = PlainObject, I = A>(image?: Json<A, I>) =>
  Schema.Struct({ Records: Schema.Array(DynamoDbStreamRecord(image)) })

/**
 * The record's `data`: base64, then UTF-8 text; then JSON and `schema` when one is given.
 *
 * @internal
 */
export const KinesisData = <A = string, I = string>(data?: Json<A, I>): Schema.Codec<A, string> =>
  (data === undefined
    ? Schema.StringFromBase64
    : Schema.StringFromBase64.pipe(Schema.decodeTo(jsonText(data)))) as Schema.Codec<A, string>

/** @internal */
export const KinesisRecord = <A = string, I = string>(data?: Json<A, I>) =>
  Schema.Struct({
    ...fields(EventFields.kinesisRecord),
    kinesis: Schema.Struct({ ...fields(EventFields.kinesisData), data: KinesisData(data) })
  })

/** @internal */
export const KinesisEvent = <A = string, I = string>(data?: Json<A, I>) =>
  Schema.Struct({ Records: Schema.Array(KinesisRecord(data)) })
