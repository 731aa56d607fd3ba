/**
 * OpenTelemetry's FaaS conventions for one invocation: its trigger from the event's shape and the
 * attributes of its SERVER span.
 *
 * @internal
 */
import { isObject, read } from "../inspect.js"

/**
 * `faas.trigger`: `http` (API Gateway REST and HTTP APIs, function URLs, ALB), `pubsub` (SQS,
 * SNS, Kinesis, EventBridge events, MSK...), `datasource` (S3, DynamoDB streams), `timer`
 * (EventBridge Scheduler and scheduled rules), `other`.
 *
 * @internal
 */
export type Trigger = "http" | "pubsub" | "datasource" | "timer" | "other"

/**
 * The trigger of an `eventSource` (`EventSource` for SNS): the records' services and the
 * services that send one object with the field at its top (MSK, self-managed Kafka, Amazon MQ).
 *
 * @internal
 */
export const triggerOfEventSource = (source: string): Trigger => {
  switch (source) {
    case "aws:sqs":
    case "aws:sns":
    case "aws:kinesis":
    case "aws:kafka":
    case "SelfManagedKafka":
    case "aws:mq":
    case "aws:rmq":
      return "pubsub"
    case "aws:s3":
    case "aws:dynamodb":
      return "datasource"
    default:
      return "other"
  }
}

const triggerOfEventBridge = (detailType: string, source: unknown): Trigger =>
  detailType === "Scheduled Event" || source === "aws.scheduler" ? "timer" : "pubsub"

const stringAt = (u: object, key: string): string | undefined => {
  const value = read(u, key)
  return typeof value === "string" ? value : undefined
}

const isArray = (u: unknown): u is ReadonlyArray<unknown> => {
  try {
    return Array.isArray(u)
  } catch {
    // Array.isArray throws on a revoked Proxy.
    return false
  }
}

/**
 * The trigger, from the event's shape alone (never throws, whatever the event).
 *
 * The checks run in the order `triggerOfBody` runs them on the text, so that both agree:
 * `Records` (the first record's `eventSource`), then `requestContext` (every HTTP integration
 * has one), then a top-level `eventSource` (MSK, MQ), then EventBridge's `detail-type`.
 *
 * @internal
 */
export const triggerOf = (event: unknown): Trigger => {
  if (!isObject(event) || isArray(event)) return "other"
  const records = read(event, "Records")
  if (isArray(records)) {
    const first: unknown = records.length > 0 ? read(records, 0) : undefined
    if (!isObject(first)) return "other"
    const source = stringAt(first, "eventSource") ?? stringAt(first, "EventSource")
    return source === undefined ? "other" : triggerOfEventSource(source)
  }
  if (isObject(read(event, "requestContext"))) return "http"
  const source = stringAt(event, "eventSource")
  if (source !== undefined) return triggerOfEventSource(source)
  const detailType = stringAt(event, "detail-type")
  if (detailType !== undefined) return triggerOfEventBridge(detailType, read(event, "source"))
  return "other"
}

// How much of the text the shape checks read. AWS services write the distinguishing fields first
// or near the start (`Records` is the first key; `requestContext` precedes a request's body).
const HEAD = 4096
const RECORDS_FIRST = /^\s*\{\s*"Records"\s*:\s*\[/
const EVENT_SOURCE = /"(?:eventSource|EventSource)"\s*:\s*"([^"\\]*)"/
const TOP_EVENT_SOURCE = /"eventSource"\s*:\s*"([^"\\]*)"/
const REQUEST_CONTEXT = /"requestContext"\s*:\s*\{/
const DETAIL_TYPE = /"detail-type"\s*:\s*"((?:[^"\\]|\\.)*)"/
const SCHEDULER_SOURCE = /"source"\s*:\s*"aws\.scheduler"/

/**
 * The trigger, from the event's raw JSON text without parsing it: a few regular expressions on
 * its first 4 KB. Inside JSON strings (an SQS message's body, an HTTP request's body) quotes are
 * escaped, so the keys matched here are the event's own keys, never its payload's. Agrees with
 * `triggerOf(JSON.parse(body))` on the events AWS sends (their keys come in a known order).
 *
 * @internal
 */
export const triggerOfBody = (body: string): Trigger => {
  if (typeof body !== "string") return "other"
  const head = body.length > HEAD ? body.slice(0, HEAD) : body
  if (RECORDS_FIRST.test(head)) {
    // The first record's `eventSource` usually is in the head; a record with a large image
    // (DynamoDB) may push it further, so the search goes on in the whole text then.
    const match = EVENT_SOURCE.exec(head) ?? (body.length > HEAD ? EVENT_SOURCE.exec(body) : null)
    return match === null ? "other" : triggerOfEventSource(match[1]!)
  }
  if (REQUEST_CONTEXT.test(head)) return "http"
  const source = TOP_EVENT_SOURCE.exec(head)
  if (source !== null) return triggerOfEventSource(source[1]!)
  const detailType = DETAIL_TYPE.exec(head)
  if (detailType !== null) {
    return triggerOfEventBridge(detailType[1]!, SCHEDULER_SOURCE.test(head) ? "aws.scheduler" : undefined)
  }
  return "other"
}

/**
 * The account of an invoked function's ARN (`arn:aws:lambda:region:ACCOUNT:function:name[:alias]`),
 * or undefined when the ARN has another shape.
 *
 * @internal
 */
export const accountOfArn = (arn: string): string | undefined => {
  const parts = arn.split(":")
  if (parts.length < 7 || parts[0] !== "arn" || parts[2] !== "lambda" || parts[5] !== "function") return undefined
  const account = parts[4]!
  return /^\d{12}$/.test(account) ? account : undefined
}

/**
 * The invocation's SERVER span attributes: `faas.invocation_id`, `faas.coldstart` (true on the
 * process's first invocation only), `faas.trigger`, `cloud.provider`, `cloud.region`,
 * `cloud.account.id` (from the invoked ARN), `aws.lambda.invoked_arn`.
 *
 * @internal
 */
export const invocationAttributes = (invocation: {
  readonly requestId: string
  readonly invokedFunctionArn: string
  readonly coldStart: boolean
  readonly trigger: Trigger
  readonly region: string
}): Record<string, string | boolean> => {
  const attributes: Record<string, string | boolean> = {
    "faas.invocation_id": invocation.requestId,
    "faas.coldstart": invocation.coldStart,
    "faas.trigger": invocation.trigger,
    "cloud.provider": "aws",
    "cloud.region": invocation.region,
    "aws.lambda.invoked_arn": invocation.invokedFunctionArn
  }
  const account = accountOfArn(invocation.invokedFunctionArn)
  if (account !== undefined) attributes["cloud.account.id"] = account
  return attributes
}
