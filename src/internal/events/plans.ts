/**
 * How each batch source is read: where a record's id is, and which retry semantics apply.
 */
import * as Duration from "effect/Duration"
import * as batch from "./batch.js"

/** @internal */
export const marginMs = (timeoutMargin: Duration.DurationInput | undefined): number =>
  timeoutMargin === undefined ? batch.defaultTimeoutMarginMs : Duration.toMillis(Duration.decode(timeoutMargin))

/** @internal */
export const positiveInteger = (n: number | undefined, name: string): number => {
  if (n === undefined) return 1
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`)
  return n
}

const field = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined

const isFifoArn = (record: unknown): boolean => {
  const arn = field(record, "eventSourceARN")
  return typeof arn === "string" && arn.endsWith(".fifo")
}

/**
 * SQS: by `messageId`; FIFO (forced, or the queue ARN ends in `.fifo`) in order.
 *
 * @internal
 */
export const sqs = (concurrency: number, fifo: boolean | undefined) => (event: unknown): batch.Plan | string => {
  const items = batch.itemsOf(event, "messageId", (record) => record["messageId"])
  if (typeof items === "string") return items
  const ordered = fifo ?? isFifoArn(items[0]?.raw)
  return { items, mode: ordered ? "OrderedRest" : "Independent", concurrency }
}

/**
 * Kinesis: by `kinesis.sequenceNumber`, checkpointed.
 *
 * @internal
 */
export const kinesis = (event: unknown): batch.Plan | string => {
  const items = batch.itemsOf(event, "kinesis.sequenceNumber", (record) => field(record["kinesis"], "sequenceNumber"))
  return typeof items === "string" ? items : { items, mode: "Checkpoint", concurrency: 1 }
}

/**
 * DynamoDB Streams: by `dynamodb.SequenceNumber`, checkpointed.
 *
 * @internal
 */
export const dynamodb = (event: unknown): batch.Plan | string => {
  const items = batch.itemsOf(event, "dynamodb.SequenceNumber", (record) => field(record["dynamodb"], "SequenceNumber"))
  return typeof items === "string" ? items : { items, mode: "Checkpoint", concurrency: 1 }
}
