/**
 * The batch handlers of the Effect 4 line's `LambdaEvents` (documented there): each source's
 * records decoded with its Schema and run by the batch engine (batch.ts) under the source's plan
 * (the shared core's).
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { UnmarshalError } from "../../LambdaError.js"
import type * as LambdaEvents from "../../LambdaEvents.js"
import type { LambdaHandler } from "../../LambdaHandler.js"
import { Batch } from "../core.js"
import { batchHandler, marginMs } from "./batch.js"
import type { Json } from "./schemas.js"
import * as schemas from "./schemas.js"
import * as streams from "./streams.js"

/** Each record decoded alone; the rejected value goes into the log line, as on the Effect 3 line. */
const decoder = <A>(schema: Schema.Top): (raw: unknown) => Effect.Effect<A, Schema.SchemaError> =>
  Schema.decodeUnknownEffect(schema, { reportInput: true }) as (raw: unknown) => Effect.Effect<A, Schema.SchemaError>

/** @internal */
export const sqs = <A, I, E, R>(
  body: Json<A, I>,
  handle: (body: A, record: LambdaEvents.SqsRecord<A>) => Effect.Effect<unknown, E, R>,
  options: LambdaEvents.SqsOptions = {}
): LambdaHandler<UnmarshalError, R> =>
  batchHandler(
    Batch.sqsPlan(Batch.positiveInteger(options.concurrency, "concurrency"), options.fifo),
    decoder<LambdaEvents.SqsRecord<A>>(schemas.SqsRecord(body)),
    (record) => handle(record.body, record),
    { source: "SQS", timeoutMarginMs: marginMs(options.timeoutMargin) }
  )

/** @internal */
export const kinesis = <A, I, E, R>(
  data: Json<A, I>,
  handle: (data: A, record: LambdaEvents.KinesisRecord<A>) => Effect.Effect<unknown, E, R>,
  options: LambdaEvents.BatchOptions = {}
): LambdaHandler<UnmarshalError, R> =>
  batchHandler(
    Batch.kinesisPlan,
    decoder<LambdaEvents.KinesisRecord<A>>(streams.KinesisRecord(data)),
    (record) => handle(record.kinesis.data, record),
    { source: "Kinesis", timeoutMarginMs: marginMs(options.timeoutMargin) }
  )

/** @internal */
export const dynamodb = <A, I, E, R>(
  image: Json<A, I>,
  handle: (
    change: LambdaEvents.DynamoDbChange<A>,
    record: LambdaEvents.DynamoDbStreamRecord<A>
  ) => Effect.Effect<unknown, E, R>,
  options: LambdaEvents.BatchOptions = {}
): LambdaHandler<UnmarshalError, R> =>
  batchHandler(
    Batch.dynamodbPlan,
    decoder<LambdaEvents.DynamoDbStreamRecord<A>>(streams.DynamoDbStreamRecord(image)),
    (record) => handle(Batch.dynamodbChange(record), record),
    { source: "DynamoDB", timeoutMarginMs: marginMs(options.timeoutMargin) }
  )
