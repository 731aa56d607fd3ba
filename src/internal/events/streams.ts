/**
 * Schemas of the stream event sources: DynamoDB Streams (images as AttributeValue maps,
 * decoded into plain values before the user's Schema sees them) and Kinesis (base64 `data`).
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { jsonText, optional } from "./schemas.js"

// --- DynamoDB AttributeValues ------------------------------------------------------------

class AttributeError {
  constructor(readonly path: string, readonly message: string) {}
}

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"))

/**
 * `N` is sent as text so that no precision is lost: integers beyond 2^53 become bigints,
 * everything else a number.
 */
const decodeNumber = (text: string, path: string): number | bigint => {
  const n = Number(text)
  if (text.trim() === "" || Number.isNaN(n)) throw new AttributeError(path, `${JSON.stringify(text)} is not a number`)
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && /^-?\d+$/.test(text.trim())) return BigInt(text.trim())
  return n
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const stringsAt = (value: unknown, path: string): ReadonlyArray<string> => {
  if (!Array.isArray(value) || value.some((s) => typeof s !== "string")) {
    throw new AttributeError(path, "expected an array of strings")
  }
  return value as ReadonlyArray<string>
}

const unmarshallValue = (av: unknown, path: string): unknown => {
  if (!isRecord(av)) throw new AttributeError(path, "expected an AttributeValue object")
  const keys = Object.keys(av)
  if (keys.length !== 1) throw new AttributeError(path, `expected exactly one type key, got ${JSON.stringify(keys)}`)
  const type = keys[0]!
  const value = av[type]
  const at = `${path}.${type}`
  switch (type) {
    case "S":
      if (typeof value !== "string") throw new AttributeError(at, "expected a string")
      return value
    case "N":
      if (typeof value !== "string") throw new AttributeError(at, "expected a number as a string")
      return decodeNumber(value, at)
    case "B":
      if (typeof value !== "string") throw new AttributeError(at, "expected base64 text")
      return fromBase64(value)
    case "BOOL":
      if (typeof value !== "boolean") throw new AttributeError(at, "expected a boolean")
      return value
    case "NULL":
      return null
    case "SS":
      return [...stringsAt(value, at)]
    case "NS":
      return stringsAt(value, at).map((n, i) => decodeNumber(n, `${at}[${i}]`))
    case "BS":
      return stringsAt(value, at).map(fromBase64)
    case "L":
      if (!Array.isArray(value)) throw new AttributeError(at, "expected an array")
      return value.map((item, i) => unmarshallValue(item, `${at}[${i}]`))
    case "M":
      return unmarshallMap(value, at)
    default:
      throw new AttributeError(at, `unknown AttributeValue type ${JSON.stringify(type)}`)
  }
}

const unmarshallMap = (map: unknown, path: string): Record<string, unknown> => {
  if (!isRecord(map)) throw new AttributeError(path, "expected a map of AttributeValues")
  const out: Record<string, unknown> = {}
  for (const [key, av] of Object.entries(map)) out[key] = unmarshallValue(av, path === "" ? key : `${path}.${key}`)
  return out
}

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

const marshallValue = (value: unknown): unknown => {
  if (value === null || value === undefined) return { NULL: true }
  if (typeof value === "string") return { S: value }
  if (typeof value === "number" || typeof value === "bigint") return { N: String(value) }
  if (typeof value === "boolean") return { BOOL: value }
  if (value instanceof Uint8Array) return { B: toBase64(value) }
  if (Array.isArray(value)) return { L: value.map(marshallValue) }
  return { M: marshallMap(value as Record<string, unknown>) }
}

const marshallMap = (map: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(map)) if (value !== undefined) out[key] = marshallValue(value)
  return out
}

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
      try {
        return ParseResult.succeed(unmarshallMap(map, ""))
      } catch (error) {
        if (!(error instanceof AttributeError)) throw error
        return ParseResult.fail(new ParseResult.Type(ast, map, `at ${error.path}: ${error.message}`))
      }
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
    eventID: Schema.String,
    eventName: Schema.Literal("INSERT", "MODIFY", "REMOVE"),
    eventVersion: Schema.String,
    eventSource: Schema.String,
    awsRegion: Schema.String,
    eventSourceARN: Schema.String,
    dynamodb: Schema.Struct({
      ApproximateCreationDateTime: optional(Schema.Number),
      Keys: optional(AttributeMap),
      NewImage: optional(decodedImage),
      OldImage: optional(decodedImage),
      SequenceNumber: Schema.String,
      SizeBytes: Schema.Number,
      StreamViewType: Schema.Literal("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    }),
    // Present on deletions made by TTL.
    userIdentity: optional(Schema.Struct({ type: Schema.String, principalId: Schema.String }))
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
    kinesis: Schema.Struct({
      kinesisSchemaVersion: Schema.String,
      partitionKey: Schema.String,
      sequenceNumber: Schema.String,
      data: KinesisData(data),
      approximateArrivalTimestamp: Schema.Number,
      encryptionType: optional(Schema.String)
    }),
    eventSource: Schema.String,
    eventVersion: Schema.String,
    eventID: Schema.String,
    eventName: Schema.String,
    invokeIdentityArn: Schema.String,
    awsRegion: Schema.String,
    eventSourceARN: Schema.String
  })

/** @internal */
export const KinesisEvent = <A = string, I = string>(data?: Schema.Schema<A, I, never>) =>
  Schema.Struct({ Records: Schema.Array(KinesisRecord(data)) })
