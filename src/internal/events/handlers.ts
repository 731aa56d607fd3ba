/**
 * The batch handlers of `LambdaEvents` (documented there): each source's records decoded with
 * its Schema and run by the batch engine (batch.ts) under the source's plan (plans.ts).
 */
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { LambdaContext } from "../../LambdaContext.js"
import type { LambdaHandler } from "../../LambdaHandler.js"
import type {
  BatchOptions,
  DynamoDbChange,
  DynamoDbStreamRecord,
  KinesisRecord,
  SqsOptions,
  SqsRecord
} from "../../LambdaEvents.js"
import type { UnmarshalError } from "../runtime/errors.js"
import * as Batch from "../core/batch.js"
import { batchHandler } from "./batch.js"
import * as plans from "./plans.js"
import * as schemas from "./schemas.js"
import * as streams from "./streams.js"

type Json<A, I> = Schema.Schema<A, I, never>

/** @internal */
export const sqs = <A, I, E, R>(
  body: Json<A, I>,
  handle: (body: A, record: SqsRecord<A>) => Effect.Effect<unknown, E, R>,
  options: SqsOptions = {}
): LambdaHandler<UnmarshalError, R | LambdaContext> => {
  const decode = Schema.decodeUnknown(schemas.SqsRecord(body)) as (
    raw: unknown
  ) => Effect.Effect<SqsRecord<A>, ParseResult.ParseError>
  return batchHandler(
    plans.sqs(plans.positiveInteger(options.concurrency, "concurrency"), options.fifo),
    decode,
    (record) => handle(record.body, record),
    { source: "SQS", timeoutMarginMs: plans.marginMs(options.timeoutMargin) }
  )
}

/** @internal */
export const kinesis = <A, I, E, R>(
  data: Json<A, I>,
  handle: (data: A, record: KinesisRecord<A>) => Effect.Effect<unknown, E, R>,
  options: BatchOptions = {}
): LambdaHandler<UnmarshalError, R | LambdaContext> => {
  const decode = Schema.decodeUnknown(streams.KinesisRecord(data)) as (
    raw: unknown
  ) => Effect.Effect<KinesisRecord<A>, ParseResult.ParseError>
  return batchHandler(
    plans.kinesis,
    decode,
    (record) => handle(record.kinesis.data, record),
    { source: "Kinesis", timeoutMarginMs: plans.marginMs(options.timeoutMargin) }
  )
}

/** @internal */
export const dynamodb = <A, I, E, R>(
  image: Json<A, I>,
  handle: (change: DynamoDbChange<A>, record: DynamoDbStreamRecord<A>) => Effect.Effect<unknown, E, R>,
  options: BatchOptions = {}
): LambdaHandler<UnmarshalError, R | LambdaContext> => {
  const decode = Schema.decodeUnknown(streams.DynamoDbStreamRecord(image)) as (
    raw: unknown
  ) => Effect.Effect<DynamoDbStreamRecord<A>, ParseResult.ParseError>
  return batchHandler(
    plans.dynamodb,
    decode,
    (record) => handle(Batch.dynamodbChange(record), record),
    { source: "DynamoDB", timeoutMarginMs: plans.marginMs(options.timeoutMargin) }
  )
}
