/**
 * Event-source records of the `orders` examples, as the examples' tests build them.
 */

/** One SQS record of the `orders` queue carrying `body`. */
export const sqsRecord = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: `handle-${messageId}`,
  body,
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
})

/** One stream record of order `o-1` with the given images. */
export const streamRecord = (
  sequenceNumber: string,
  eventName: "INSERT" | "MODIFY" | "REMOVE",
  images: { readonly NewImage?: Record<string, unknown>; readonly OldImage?: Record<string, unknown> }
) => ({
  eventID: `id-${sequenceNumber}`,
  eventName,
  eventVersion: "1.1",
  eventSource: "aws:dynamodb",
  awsRegion: "us-east-1",
  eventSourceARN: "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000",
  dynamodb: {
    ApproximateCreationDateTime: 1704067200,
    Keys: { orderId: { S: "o-1" } },
    ...images,
    SequenceNumber: sequenceNumber,
    SizeBytes: 64,
    StreamViewType: "NEW_AND_OLD_IMAGES"
  }
})

/** Order `o-1` as an AttributeValue map. */
export const order = (status: string, total = "42.5") => ({
  orderId: { S: "o-1" },
  status: { S: status },
  total: { N: total }
})
