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
 * The checks are the ones `triggerOfBody` makes on the text, so that both agree: `Records` (the
 * first record's `eventSource`), then what every HTTP integration has (`requestContext`, or
 * `httpMethod` / `rawPath`), then a top-level `eventSource` (MSK, MQ), then EventBridge's
 * `detail-type`.
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
  if (
    isObject(read(event, "requestContext")) || stringAt(event, "httpMethod") !== undefined ||
    stringAt(event, "rawPath") !== undefined
  ) return "http"
  const source = stringAt(event, "eventSource")
  if (source !== undefined) return triggerOfEventSource(source)
  const detailType = stringAt(event, "detail-type")
  if (detailType !== undefined) return triggerOfEventBridge(detailType, read(event, "source"))
  return "other"
}

// How much of the text the shape checks read. AWS services write the distinguishing keys first
// or near the start: `Records`, `eventSource` (MSK, MQ), `httpMethod` (REST API, ALB), `routeKey`
// and `rawPath` (HTTP API, function URLs), `detail-type` (EventBridge) come before any payload.
const HEAD = 4096
// The distinguishing keys with the start of their value. Inside JSON strings (an SQS message's
// body, a request's body) quotes are escaped, so these only match keys of the event's objects.
const KEYS = /"(Records|requestContext|httpMethod|rawPath|eventSource|detail-type)"\s*:\s*(\[|\{|"((?:[^"\\]|\\.)*)")/g
const EVENT_SOURCE = /"(?:eventSource|EventSource)"\s*:\s*"([^"\\]*)"/
const SCHEDULER_SOURCE = /"source"\s*:\s*"aws\.scheduler"/

/**
 * The trigger, from the event's raw JSON text without parsing it: the first distinguishing key
 * in its first 4 KB decides (a nested object's keys come after the event's own in every event AWS
 * sends). Agrees with `triggerOf(JSON.parse(body))` on the events AWS sends.
 *
 * @internal
 */
export const triggerOfBody = (body: string): Trigger => {
  if (typeof body !== "string") return "other"
  const head = body.length > HEAD ? body.slice(0, HEAD) : body
  // A fresh regular expression per call: a shared global one keeps `lastIndex` between calls.
  const keys = new RegExp(KEYS)
  for (let match = keys.exec(head); match !== null; match = keys.exec(head)) {
    const [, key, start, text] = match
    switch (key) {
      case "Records": {
        if (start !== "[") continue
        // The first record's `eventSource` usually is in the head; a record with a large image
        // (DynamoDB) may push it further, so the search goes on in the whole text then.
        const source = EVENT_SOURCE.exec(head) ?? (body.length > HEAD ? EVENT_SOURCE.exec(body) : null)
        return source === null ? "other" : triggerOfEventSource(source[1]!)
      }
      case "requestContext":
        if (start === "{") return "http"
        continue
      case "httpMethod":
      case "rawPath":
        if (text !== undefined) return "http"
        continue
      case "eventSource":
        if (text !== undefined) return triggerOfEventSource(text)
        continue
      case "detail-type":
        if (text !== undefined) {
          return triggerOfEventBridge(text, SCHEDULER_SOURCE.test(head) ? "aws.scheduler" : undefined)
        }
    }
  }
  return "other"
}

/**
 * {@link triggerOfBody} of an invocation's raw body: only its first 4 KB are decoded (Latin-1:
 * the keys looked for are ASCII), unless the event is a batch of records whose source lies
 * further (a large DynamoDB image): then the whole body. What it costs does not grow with the
 * event for any other event.
 *
 * @internal
 */
export const triggerOfBytes = (body: Uint8Array): Trigger => {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, HEAD)).toString("latin1")
  const trigger = triggerOfBody(head)
  if (trigger !== "other" || body.byteLength <= HEAD || !head.includes("\"Records\"")) return trigger
  return triggerOfBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("latin1"))
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
