/**
 * A DynamoDB Streams consumer: each change's images are decoded from AttributeValues into a
 * typed `Order`, and order status changes are published in order. Stream batches are
 * checkpointed: at the first record that fails (here, an image that is not an order) the
 * handler stops and reports its sequence number, so Lambda retries from that record on and
 * never re-delivers the ones before it.
 */
import { Effect, Schema } from "effect"
import { LambdaEvents } from "../../src/index.js"

export const Order = Schema.Struct({
  orderId: Schema.String,
  status: Schema.Literal("placed", "paid", "shipped"),
  total: Schema.Number
})

export const handler = LambdaEvents.dynamodb(Order, (change) => {
  switch (change.eventName) {
    case "INSERT":
      return Effect.log(`order ${change.newImage?.orderId} placed (${change.newImage?.total})`)
    case "MODIFY":
      return change.oldImage?.status === change.newImage?.status
        ? Effect.void
        : Effect.log(`order ${change.newImage?.orderId}: ${change.oldImage?.status} -> ${change.newImage?.status}`)
    case "REMOVE":
      return Effect.log(`order ${change.oldImage?.orderId} removed`)
  }
})
