// The realistic function as a plain async Node handler, as most functions are written today:
// an SQS client at module level, hand-written validation, the message sent (awaited) before
// returning. Bundled with esbuild and run on aws-lambda-ric.
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"

interface Order {
  readonly orderId: string
  readonly customer: { readonly email: string }
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>
}

const client = new SQSClient(process.env.SQS_ENDPOINT ? { endpoint: process.env.SQS_ENDPOINT } : {})
const queueUrl = process.env.QUEUE_URL

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null
const nonEmpty = (value: unknown): value is string =>
  typeof value === "string" && value.trim() === value && value !== ""

const validate = (event: unknown): Order => {
  if (!isObject(event)) throw new TypeError("event: expected an object")
  if (!nonEmpty(event.orderId)) throw new TypeError("orderId: expected a non-empty trimmed string")
  if (
    !isObject(event.customer) || typeof event.customer.email !== "string" ||
    !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(event.customer.email)
  ) {
    throw new TypeError("customer.email: expected an email address")
  }
  if (!Array.isArray(event.items) || event.items.length === 0) throw new TypeError("items: expected a non-empty array")
  event.items.forEach((item: unknown, i) => {
    if (!isObject(item) || !nonEmpty(item.sku)) {
      throw new TypeError(`items[${i}].sku: expected a non-empty trimmed string`)
    }
    if (
      typeof item.quantity !== "number" || !Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > 100
    ) {
      throw new TypeError(`items[${i}].quantity: expected an integer between 1 and 100`)
    }
  })
  return event as unknown as Order
}

export const handler = async (event: unknown) => {
  const order = validate(event)
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(order) }))
  return { accepted: order.orderId, items: order.items.length }
}
