/**
 * DynamoDB Streams records of the `orders` table, as the examples' tests build them.
 */

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
