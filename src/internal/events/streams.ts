/**
 * Schemas of the stream event sources: DynamoDB Streams (images as AttributeValue maps,
 * decoded into plain values before the user's Schema sees them) and Kinesis (base64 `data`).
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AttributeError, marshallMap, unmarshallMap } from "../core/attributeValues.js"
import * as EventFields from "../core/eventFields.js"
import { fields, jsonText, optional } from "./schemas.js"

// --- DynamoDB AttributeValues ------------------------------------------------------------

const PlainMap = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * A DynamoDB item as an AttributeValue map, decoded into plain values: `S` strings, `N`
 * numbers (bigints beyond 2^53), `B` bytes, `BOOL`, `NULL` as `null`, `L` arrays, `M` objects,
 * and the sets `SS`, `NS`, `BS` as arrays. Encoding writes sets back as lists.
 *
 * @internal
 */
export const AttributeMap: Schema.Schema<{ readonly [x: string]: unknown }, { readonly [x: string]: unknown }> = Schema
  .transformOrFail(PlainMap, PlainMap, {
    strict: true,
    decode: (map, _, ast) => {
      const plain = unmarshallMap(map)
      return plain instanceof AttributeError
        ? ParseResult.fail(new ParseResult.Type(ast, map, `at ${plain.path}: ${plain.message}`))
        : ParseResult.succeed(plain)
    },
    encode: (map) => ParseResult.succeed(marshallMap(map))
  })

/**
 * An image decoded from its AttributeValue map, then with `schema`.
 *
 * @internal
 */
export const DynamoDbImage = <A, I>(
  schema: Schema.Schema<A, I, never>
): Schema.Schema<A, { readonly [x: string]: unknown }> =>
  Schema.compose(AttributeMap, schema, { strict: false }) as unknown as Schema.Schema<
    A,
    { readonly [x: string]: unknown }
  >

/** @internal */
export const DynamoDbStreamRecord = <A = { readonly [x: string]: unknown }, I = A>(
  image?: Schema.Schema<A, I, never>
) => {
  const decodedImage = (image === undefined ? AttributeMap : DynamoDbImage(image)) as Schema.Schema<
    A,
    { readonly [x: string]: unknown }
  >
  return Schema.Struct({
    ...fields(EventFields.dynamodbRecord),
    eventName: Schema.Literal("INSERT", "MODIFY", "REMOVE"),
    dynamodb: Schema.Struct({
      ...fields(EventFields.dynamodbChange),
      Keys: optional(AttributeMap),
      NewImage: optional(decodedImage),
      OldImage: optional(decodedImage),
      StreamViewType: Schema.Literal("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    })
  })
}

/** @internal */
export const DynamoDbStreamEvent = <A = { readonly [x: string]: unknown }, I = A>(image?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ Records: Schema.Array(DynamoDbStreamRecord(image)) })

// --- Kinesis -----------------------------------------------------------------------------

/**
 * The record's `data`: base64, then UTF-8 text; then JSON and `schema` when one is given.
 *
 * @internal
 */
export const KinesisData = <A = string, I = string>(data?: Schema.Schema<A, I, never>): Schema.Schema<A, string> =>
  (data === undefined
    ? Schema.StringFromBase64
    : Schema.compose(Schema.StringFromBase64, jsonText(data))) as Schema.Schema<A, string>

/** @internal */
export const KinesisRecord = <A = string, I = string>(data?: Schema.Schema<A, I, never>) =>
  Schema.Struct({
    ...fields(EventFields.kinesisRecord),
    kinesis: Schema.Struct({ ...fields(EventFields.kinesisData), data: KinesisData(data) })
  })

/** @internal */
export const KinesisEvent = <A = string, I = string>(data?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ Records: Schema.Array(KinesisRecord(data)) })
