/**
 * Event sources on the Effect 4 line: Schemas (Effect 4's `Schema`) for the events AWS services
 * send to Lambda, and batch handlers for SQS, Kinesis and DynamoDB Streams that answer with the
 * partial-failure response (`{ batchItemFailures }`, enable `ReportBatchItemFailures` on the
 * event source mapping), so one bad record is retried alone instead of the whole batch. The same
 * names, decoded types, options and results as the Effect 3 line's `LambdaEvents`.
 *
 * The batch handlers decode each record on its own: a record that does not decode is a failed
 * record (logged with the failing path), not a failed invocation. Each record runs in its own
 * fiber, annotated with `recordId`, with `LambdaContext` available. Records still running at
 * `deadline - timeoutMargin` are interrupted (their finalizers run) and reported as failures,
 * so they are retried instead of the whole invocation timing out. One summary line per batch
 * logs how many records succeeded, failed, were interrupted or skipped.
 *
 * @example
 * ```ts no-check
 * import { Effect, Schema } from "effect"
 * import { LambdaEvents, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Number })
 *
 * LambdaRuntime.run(LambdaEvents.sqs(Order, (order) => Effect.log(`saved ${order.orderId}`)))
 * ```
 *
 * @since 1.0.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { UnmarshalError } from "./LambdaError.js"
import type { LambdaHandler } from "./LambdaHandler.js"
import type { Batch } from "./internal/core.js"
import type { Json } from "./internal/events/schemas.js"
import * as handlers from "./internal/events/handlers.js"
import * as schemas from "./internal/events/schemas.js"
import * as streams from "./internal/events/streams.js"

type PlainObject = { readonly [x: string]: unknown }

// --- Schemas -----------------------------------------------------------------------------

/**
 * An SQS record. With a Schema, `body` is parsed as JSON and decoded with it; without one it
 * is the body's text. FIFO queues add `SequenceNumber`, `MessageGroupId` and
 * `MessageDeduplicationId` to `attributes`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const SqsRecord = schemas.SqsRecord

/**
 * A decoded SQS record whose body is `A`.
 *
 * @since 1.0.0
 * @category models
 */
export type SqsRecord<A = string> = ReturnType<typeof schemas.SqsRecord<A, A>>["Type"]

/**
 * The SQS event: `{ Records: [SqsRecord] }`. `SqsEvent(Order)` decodes every body as an
 * `Order` (and fails the whole event if one does not: use {@link sqs} to fail records alone).
 *
 * @since 1.0.0
 * @category schemas
 */
export const SqsEvent = schemas.SqsEvent

/**
 * An SNS message as Lambda receives it (`Records[].Sns`); `Message` is parsed as JSON and
 * decoded with the Schema when one is given.
 *
 * @since 1.0.0
 * @category schemas
 */
export const SnsMessage = schemas.SnsMessage

/**
 * A record of the SNS event.
 *
 * @since 1.0.0
 * @category schemas
 */
export const SnsRecord = schemas.SnsRecord

/**
 * The SNS event: `{ Records: [{ Sns }] }`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const SnsEvent = schemas.SnsEvent

/**
 * The SNS notification an SQS subscription puts in the message body (raw message delivery
 * off), for SNS inside SQS: `SqsEvent(SnsNotification(Order))`, or `sqs(SnsNotification(Order), ...)`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const SnsNotification = schemas.SnsNotification

/**
 * A record of an S3 event notification. `s3.object.key` is URL-encoded as S3 sends it (spaces
 * as `+`); `size` and `eTag` are absent for deletions.
 *
 * @since 1.0.0
 * @category schemas
 */
export const S3EventRecord = schemas.S3EventRecord

/**
 * The S3 event notification, as Lambda receives it or inside an SQS body
 * (`SqsEvent(S3Event)`).
 *
 * @since 1.0.0
 * @category schemas
 */
export const S3Event = schemas.S3Event

/**
 * The `s3:TestEvent` S3 sends to a queue when a notification is configured. Accept it with
 * `Schema.Union([S3Event, S3TestEvent])` so that it is not retried as a failing record.
 *
 * @since 1.0.0
 * @category schemas
 */
export const S3TestEvent = schemas.S3TestEvent

/**
 * An EventBridge event with `detail` decoded by the given Schema (any object without one);
 * also the body of an SQS target: `SqsEvent(EventBridgeEvent(OrderPlaced))`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const EventBridgeEvent = schemas.EventBridgeEvent

/**
 * A scheduled event (an EventBridge or CloudWatch Events rule with a schedule expression):
 * `detail-type` is `Scheduled Event` and `source` is `aws.events`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const ScheduledEvent = schemas.ScheduledEvent

/**
 * A DynamoDB item as an AttributeValue map (`{ Id: { N: "101" } }`) decoded into plain values
 * (`{ Id: 101 }`): `S` strings, `N` numbers (bigints beyond 2^53), `B` bytes, `BOOL`, `NULL`
 * as `null`, `L` arrays, `M` objects, and the sets `SS`, `NS`, `BS` as arrays.
 *
 * @since 1.0.0
 * @category schemas
 */
export const AttributeMap = streams.AttributeMap

/**
 * A DynamoDB image decoded from its AttributeValue map and then with `schema`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const DynamoDbImage = streams.DynamoDbImage

/**
 * A DynamoDB Streams record: `Keys` as plain values, `NewImage` and `OldImage` (present
 * according to `StreamViewType` and the event) decoded with the given Schema.
 *
 * @since 1.0.0
 * @category schemas
 */
export const DynamoDbStreamRecord = streams.DynamoDbStreamRecord

/**
 * A decoded DynamoDB Streams record whose images are `A`.
 *
 * @since 1.0.0
 * @category models
 */
export type DynamoDbStreamRecord<A = PlainObject> = ReturnType<typeof streams.DynamoDbStreamRecord<A, A>>["Type"]

/**
 * The DynamoDB Streams event: `{ Records: [DynamoDbStreamRecord] }`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const DynamoDbStreamEvent = streams.DynamoDbStreamEvent

/**
 * A Kinesis record: `kinesis.data` is base64-decoded to text, then parsed as JSON and
 * decoded with the given Schema (the text itself without one).
 *
 * @since 1.0.0
 * @category schemas
 */
export const KinesisRecord = streams.KinesisRecord

/**
 * A decoded Kinesis record whose data is `A`.
 *
 * @since 1.0.0
 * @category models
 */
export type KinesisRecord<A = string> = ReturnType<typeof streams.KinesisRecord<A, A>>["Type"]

/**
 * The Kinesis event: `{ Records: [KinesisRecord] }`.
 *
 * @since 1.0.0
 * @category schemas
 */
export const KinesisEvent = streams.KinesisEvent

// --- Batch handlers ----------------------------------------------------------------------

/**
 * The partial-failure response the batch handlers return.
 *
 * @since 1.0.0
 * @category models
 */
export type BatchResponse = Batch.BatchResponse

/**
 * Options of every batch handler.
 *
 * @since 1.0.0
 * @category models
 */
export interface BatchOptions {
  /**
   * How long before the invocation deadline the records still running are interrupted and
   * reported as failures. Default 700 ms: 500 ms before the runtime's own default margin
   * (200 ms), which leaves time for their finalizers and the response. Keep it larger than
   * the runtime's `timeoutMargin`, or the runtime interrupts the whole invocation first.
   */
  readonly timeoutMargin?: Duration.Input | undefined
}

/**
 * Options of {@link sqs}.
 *
 * @since 1.0.0
 * @category models
 */
export interface SqsOptions extends BatchOptions {
  /** How many records of a standard queue run at once. Default 1. FIFO batches run in order. */
  readonly concurrency?: number | undefined
  /** Treat the batch as FIFO (in order, the rest reported after a failure). Default: the queue ARN ends in `.fifo`. */
  readonly fifo?: boolean | undefined
}

/**
 * The SQS batch handler. Each record's body is parsed as JSON and decoded with `body`, then
 * given to `handle` with the decoded record. The response reports by `messageId` every record
 * that failed (a typed failure, a defect, a body that does not decode) or was cut off at the
 * deadline; the others are deleted from the queue.
 *
 * Standard queues run records as fibers, `concurrency` at a time. FIFO queues (the ARN ends
 * in `.fifo`) run them in order and stop at the first failure, which is reported with every
 * record after it, so that the message group keeps its order.
 *
 * @example
 * ```ts no-check
 * import { Effect, Schema } from "effect"
 * import { LambdaEvents, LambdaRuntime } from "effect-lambda-runtime"
 *
 * const Order = Schema.Struct({ orderId: Schema.String, quantity: Schema.Number })
 * const saveOrder = (order: typeof Order.Type) => Effect.log(`saved ${order.orderId}`)
 *
 * LambdaRuntime.run(LambdaEvents.sqs(Order, (order) => saveOrder(order), { concurrency: 10 }))
 * ```
 *
 * @since 1.0.0
 * @category batch handlers
 * @function
 */
export const sqs: <A, I, E, R>(
  body: Json<A, I>,
  handle: (body: A, record: SqsRecord<A>) => Effect.Effect<unknown, E, R>,
  options?: SqsOptions
) => LambdaHandler<UnmarshalError, R> = handlers.sqs

/**
 * What {@link dynamodb} gives the record handler: the change with its images decoded.
 *
 * @since 1.0.0
 * @category models
 */
export type DynamoDbChange<A> = Batch.DynamoDbChange<A>

/**
 * The Kinesis batch handler. Each record's `data` is base64-decoded, parsed as JSON and
 * decoded with `data`, then given to `handle` with the decoded record. Records run in order;
 * at the first failure (a typed failure, a defect, data that does not decode, or the
 * deadline) the handler stops and reports that record's sequence number, so Lambda resumes
 * the shard from it (checkpoint semantics): the records before it are done, the ones after
 * it are retried.
 *
 * @since 1.0.0
 * @category batch handlers
 * @function
 */
export const kinesis: <A, I, E, R>(
  data: Json<A, I>,
  handle: (data: A, record: KinesisRecord<A>) => Effect.Effect<unknown, E, R>,
  options?: BatchOptions
) => LambdaHandler<UnmarshalError, R> = handlers.kinesis

/**
 * The DynamoDB Streams batch handler. Each record's images are decoded from their
 * AttributeValue maps into plain values and then with `image`, and `handle` receives the
 * change (event name, keys, new and old image) and the decoded record. Records run in order
 * with the same checkpoint semantics as {@link kinesis}: at the first failure its
 * `SequenceNumber` is reported and the batch stops.
 *
 * @since 1.0.0
 * @category batch handlers
 * @function
 */
export const dynamodb: <A, I, E, R>(
  image: Json<A, I>,
  handle: (change: DynamoDbChange<A>, record: DynamoDbStreamRecord<A>) => Effect.Effect<unknown, E, R>,
  options?: BatchOptions
) => LambdaHandler<UnmarshalError, R> = handlers.dynamodb
