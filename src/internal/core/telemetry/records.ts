/**
 * The CONSUMER span of one batch record (SQS, Kinesis, DynamoDB Streams) when traces are on: its
 * name and attributes after OpenTelemetry's messaging conventions, and its link to the trace the
 * message was sent in (an SQS record's `attributes.AWSTraceHeader`).
 *
 * @internal
 */
import { parseTraceHeader } from "./traceHeader.js"

/**
 * What the record's span is made of.
 *
 * @internal
 */
export interface RecordSpan {
  readonly name: string
  readonly attributes: Record<string, string>
  /** The producer's span, from the record's X-Ray header: undefined when it has none. */
  readonly link: { readonly traceId: string; readonly spanId: string } | undefined
}

const systems: Record<string, string> = { SQS: "aws_sqs", Kinesis: "aws_kinesis", DynamoDB: "aws_dynamodb" }

/** A field of a value that may be anything (a record the source did not shape as documented). */
const field = (value: unknown, key: string): unknown => {
  try {
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined
  } catch {
    return undefined
  }
}

/**
 * The span of the record `raw` with id `id`, from `source` (`SQS`, `Kinesis`, `DynamoDB`).
 * Never throws, whatever the record.
 *
 * @internal
 */
export const recordSpan = (source: string, id: string, raw: unknown): RecordSpan => {
  const arn = field(raw, "eventSourceARN")
  // The queue's or stream's name: the ARN's last part (`arn:aws:sqs:region:account:orders`, `.../stream/name/...`).
  const destination = typeof arn === "string"
    ? (source === "SQS" ? arn.slice(arn.lastIndexOf(":") + 1) : (arn.split("/")[1] ?? arn))
    : undefined
  const header = field(field(raw, "attributes"), "AWSTraceHeader")
  const parsed = typeof header === "string" ? parseTraceHeader(header) : undefined
  const attributes: Record<string, string> = {
    "messaging.system": systems[source] ?? source,
    "messaging.operation.type": "process",
    "messaging.message.id": id
  }
  if (destination !== undefined) attributes["messaging.destination.name"] = destination
  return {
    name: destination === undefined ? `process ${source}` : `process ${destination}`,
    attributes,
    link: parsed?.parentSpanId === undefined ? undefined : { traceId: parsed.traceId, spanId: parsed.parentSpanId }
  }
}
