/**
 * The Effect-free half of the batch handlers (SQS, Kinesis, DynamoDB Streams): where each
 * source's records and their ids are, which retry semantics apply (FIFO and checkpoint plans),
 * each record's status as the batch runs, and how the statuses fold into Lambda's
 * partial-failure response and the batch's summary line. Each line's engine only runs the
 * records as fibers and tells a {@link BatchRun} what happened.
 */

/**
 * The partial-failure response of SQS, Kinesis and DynamoDB Streams event source mappings.
 *
 * @internal
 */
export interface BatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>
}

/**
 * - `Independent`: any record may fail alone (SQS standard): every record not succeeded is
 *   reported.
 * - `OrderedRest`: in order, and the first failure and everything after it is reported (SQS
 *   FIFO: the rest of the batch is retried after it, keeping the group's order).
 * - `Checkpoint`: in order, and only the first failure is reported (streams: Lambda resumes
 *   the shard from that sequence number).
 *
 * @internal
 */
export type Mode = "Independent" | "OrderedRest" | "Checkpoint"

/**
 * One record of the batch, before its own decoding.
 *
 * @internal
 */
export interface Item {
  readonly id: string
  readonly raw: unknown
}

/** @internal */
export interface Plan {
  readonly items: ReadonlyArray<Item>
  readonly mode: Mode
  readonly concurrency: number
}

/**
 * How long before the deadline the records still running are cut off, by default: 500 ms
 * before the runtime's own default margin (200 ms), for their finalizers and the response.
 *
 * @internal
 */
export const defaultTimeoutMarginMs = 700

/**
 * `concurrency` as given (1 when absent); anything but a positive integer is refused when the
 * handler is built.
 *
 * @internal
 */
export const positiveInteger = (n: number | undefined, name: string): number => {
  if (n === undefined) return 1
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`)
  return n
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const field = (value: unknown, name: string): unknown => isRecord(value) ? value[name] : undefined

/**
 * The `Records` of an event with the id found by `idOf` in each, or why they cannot be read
 * (then the batch fails whole: no partial response could name what to retry).
 *
 * @internal
 */
export const itemsOf = (
  event: unknown,
  idName: string,
  idOf: (record: Record<string, unknown>) => unknown
): ReadonlyArray<Item> | string => {
  if (!isRecord(event) || !Array.isArray(event["Records"])) return "the event has no Records array"
  const items: Array<Item> = []
  for (const [index, raw] of (event["Records"] as Array<unknown>).entries()) {
    const id = isRecord(raw) ? idOf(raw) : undefined
    if (typeof id !== "string" || id === "") return `Records[${index}] has no ${idName}`
    items.push({ id, raw })
  }
  return items
}

const isFifoArn = (record: unknown): boolean => {
  const arn = field(record, "eventSourceARN")
  return typeof arn === "string" && arn.endsWith(".fifo")
}

/**
 * SQS: by `messageId`; FIFO (forced, or the queue ARN ends in `.fifo`) in order.
 *
 * @internal
 */
export const sqsPlan = (concurrency: number, fifo: boolean | undefined) => (event: unknown): Plan | string => {
  const items = itemsOf(event, "messageId", (record) => record["messageId"])
  if (typeof items === "string") return items
  const ordered = fifo ?? isFifoArn(items[0]?.raw)
  return { items, mode: ordered ? "OrderedRest" : "Independent", concurrency }
}

/**
 * Kinesis: by `kinesis.sequenceNumber`, checkpointed.
 *
 * @internal
 */
export const kinesisPlan = (event: unknown): Plan | string => {
  const items = itemsOf(event, "kinesis.sequenceNumber", (record) => field(record["kinesis"], "sequenceNumber"))
  return typeof items === "string" ? items : { items, mode: "Checkpoint", concurrency: 1 }
}

/**
 * DynamoDB Streams: by `dynamodb.SequenceNumber`, checkpointed.
 *
 * @internal
 */
export const dynamodbPlan = (event: unknown): Plan | string => {
  const items = itemsOf(event, "dynamodb.SequenceNumber", (record) => field(record["dynamodb"], "SequenceNumber"))
  return typeof items === "string" ? items : { items, mode: "Checkpoint", concurrency: 1 }
}

type Status = "pending" | "running" | "succeeded" | "failed"

/**
 * How many records ended which way.
 *
 * @internal
 */
export interface BatchCounts {
  readonly succeeded: number
  readonly failed: number
  readonly interrupted: number
  readonly skipped: number
}

/**
 * The end of a batch: the response, and the summary line with its counts.
 *
 * @internal
 */
export interface Settlement {
  readonly response: BatchResponse
  readonly counts: BatchCounts
  /** `SQS batch of 7: 3 succeeded, 4 failed, 0 interrupted, 0 skipped`. */
  readonly line: string
  /** Whether any record is reported (the line is then a warning). */
  readonly reportsFailures: boolean
}

/**
 * The statuses of one batch's records as it runs. A record the cut-off interrupts stays
 * `running`; one never started stays `pending`.
 *
 * @internal
 */
export class BatchRun {
  private readonly status: Array<Status>

  constructor(readonly plan: Plan, readonly source: string) {
    this.status = plan.items.map(() => "pending")
  }

  /** The record starts (its decoding first). */
  start(index: number): void {
    this.status[index] = "running"
  }

  /** The record's handler succeeded. */
  succeed(index: number): void {
    this.status[index] = "succeeded"
  }

  /** The record did not decode, or its handler failed or died. */
  fail(index: number): void {
    this.status[index] = "failed"
  }

  /** In the ordered modes, whether the record after `index` runs: only after a success. */
  continuesAfter(index: number): boolean {
    return this.status[index] === "succeeded" && index + 1 < this.status.length
  }

  /** The response and summary, `cutOff` when the deadline stopped the batch. */
  settle(cutOff: boolean): Settlement {
    const { items, mode } = this.plan
    const counts = { succeeded: 0, failed: 0, interrupted: 0, skipped: 0 }
    for (const s of this.status) {
      if (s === "succeeded") counts.succeeded++
      else if (s === "failed") counts.failed++
      // A pending record was cut off before it started, or (ordered modes) not attempted after
      // an earlier failure.
      else if (s === "running" || cutOff) counts.interrupted++
      else counts.skipped++
    }
    const reported: Array<string> = []
    const firstNotSucceeded = this.status.findIndex((s) => s !== "succeeded")
    if (mode === "Independent") {
      this.status.forEach((s, i) => s !== "succeeded" && reported.push(items[i]!.id))
    } else if (firstNotSucceeded >= 0) {
      const end = mode === "OrderedRest" ? items.length : firstNotSucceeded + 1
      for (let i = firstNotSucceeded; i < end; i++) reported.push(items[i]!.id)
    }
    const line = `${this.source} batch of ${items.length}: ${counts.succeeded} succeeded, ${counts.failed} failed, ` +
      `${counts.interrupted} interrupted, ${counts.skipped} skipped`
    return {
      response: { batchItemFailures: reported.map((itemIdentifier) => ({ itemIdentifier })) },
      counts,
      line,
      reportsFailures: reported.length > 0
    }
  }
}

/**
 * What the DynamoDB Streams handler gives the record handler: the change with its images decoded.
 *
 * @internal
 */
export interface DynamoDbChange<A> {
  readonly eventName: "INSERT" | "MODIFY" | "REMOVE"
  readonly keys: { readonly [x: string]: unknown }
  /** The item after the change (absent for `REMOVE` and for `KEYS_ONLY`/`OLD_IMAGE` streams). */
  readonly newImage: A | undefined
  /** The item before the change (absent for `INSERT` and for `KEYS_ONLY`/`NEW_IMAGE` streams). */
  readonly oldImage: A | undefined
  readonly sequenceNumber: string
}

/**
 * A decoded DynamoDB Streams record, as far as its change goes.
 *
 * @internal
 */
export interface DecodedStreamRecord<A> {
  readonly eventName: DynamoDbChange<A>["eventName"]
  readonly dynamodb: {
    readonly Keys?: { readonly [x: string]: unknown } | undefined
    readonly NewImage?: A | undefined
    readonly OldImage?: A | undefined
    readonly SequenceNumber: string
  }
}

/**
 * The change a decoded DynamoDB Streams record describes (no keys: `{}`).
 *
 * @internal
 */
export const dynamodbChange = <A>(record: DecodedStreamRecord<A>): DynamoDbChange<A> => ({
  eventName: record.eventName,
  keys: record.dynamodb.Keys ?? {},
  newImage: record.dynamodb.NewImage,
  oldImage: record.dynamodb.OldImage,
  sequenceNumber: record.dynamodb.SequenceNumber
})

/**
 * One decoding issue, as each line's Schema formatter flattens them.
 *
 * @internal
 */
export interface DecodeIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

// Effect 3 says `Expected X, actual Y`, Effect 4 (with the input reported) `Expected X, got Y`.
const expectedPattern = /^Expected (.*), (actual|got) (.*)$/s

const mergeExpected = (messages: ReadonlyArray<string>): string => {
  const parts = messages.map((message) => expectedPattern.exec(message))
  const first = parts[0]
  return messages.length > 1 && first != null &&
      parts.every((part) => part !== null && part[2] === first[2] && part[3] === first[3])
    ? `Expected ${parts.map((part) => part![1]).join(" | ")}, ${first[2]} ${first[3]}`
    : messages.join("; ")
}

/**
 * Why a record does not decode, one entry per failing path: `at ["body"]["quantity"]: Expected
 * number, actual "one"` (a tree form would repeat whole types). A union's alternatives at one
 * path are merged into one `Expected a | b, actual x`.
 *
 * @internal
 */
export const formatIssues = (issues: Iterable<DecodeIssue>): string => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of issues) {
    const path = issue.path.map((key) => `[${JSON.stringify(typeof key === "symbol" ? String(key) : key)}]`).join("") ||
      "the record"
    const messages = byPath.get(path) ?? []
    messages.push(issue.message)
    byPath.set(path, messages)
  }
  return [...byPath].map(([path, messages]) => `at ${path}: ${mergeExpected(messages)}`).join("; ")
}
