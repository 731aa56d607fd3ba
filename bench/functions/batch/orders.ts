// The batch benchmark's shared parts: the order a message carries, the 20 ms "I/O" each record
// waits on, and the SQS event (10 records of a standard queue) every invocation gets.
import { Schema } from "effect"

/** What each message body holds. */
export const Order = Schema.Struct({
  orderId: Schema.String,
  quantity: Schema.Number.pipe(Schema.int(), Schema.positive())
})

/** How long each record waits on its "I/O" (a timer: a write to a store, without the store). */
export const IO_MS = 20

/** The records per batch. */
export const BATCH_SIZE = 10

/** An SQS event of `BATCH_SIZE` records from a standard queue, as Lambda's event source mapping sends it. */
export const sqsEvent = () => ({
  Records: Array.from({ length: BATCH_SIZE }, (_, i) => ({
    messageId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a-${i}`,
    body: JSON.stringify({ orderId: `o-${i}`, quantity: i + 1 }),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1545082649183",
      SenderId: "AIDAIENQZJOLO23YVJ4VO",
      ApproximateFirstReceiveTimestamp: "1545082649185"
    },
    messageAttributes: {},
    md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:orders",
    awsRegion: "us-east-1"
  }))
})
