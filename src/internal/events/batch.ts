/**
 * The batch engine behind the SQS, Kinesis and DynamoDB Streams handlers: each record is
 * decoded on its own (a bad record fails alone), run in its own fiber with its id as a log
 * annotation, and cut off at `deadline - timeoutMargin`; the statuses are then folded into
 * Lambda's partial-failure response according to the source's retry semantics.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ParseResult from "effect/ParseResult"
import type * as LambdaHandler from "../../LambdaHandler.js"
import { messageOf } from "../core/inspect.js"
import { contentTypes } from "../core/protocol.js"
import { UnmarshalError } from "../runtime/errors.js"
import { buffered, raw } from "../runtime/handler.js"
import { LambdaContext } from "../runtime/lambdaContext.js"

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

type Status = "pending" | "running" | "succeeded" | "failed"

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

/** @internal */
export interface EngineOptions {
  readonly source: string
  readonly timeoutMarginMs: number
}

/** @internal */
export const defaultTimeoutMarginMs = 700

/**
 * One entry per failing path, `at ["body"]["quantity"]: Expected number, actual "one"`: the
 * tree form repeats whole types. A union's alternatives at one path are merged into one
 * `Expected a | b, actual x`.
 */
const formatParseError = (error: ParseResult.ParseError): string => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = issue.path.map((key) => `[${JSON.stringify(key)}]`).join("") || "the record"
    const messages = byPath.get(path) ?? []
    messages.push(issue.message)
    byPath.set(path, messages)
  }
  return [...byPath].map(([path, messages]) => `at ${path}: ${mergeExpected(messages)}`).join("; ")
}

const expectedPattern = /^Expected (.*), actual (.*)$/s

const mergeExpected = (messages: ReadonlyArray<string>): string => {
  const parts = messages.map((message) => expectedPattern.exec(message))
  const actual = parts[0]?.[2]
  return messages.length > 1 && parts.every((part) => part !== null && part[2] === actual)
    ? `Expected ${parts.map((part) => part![1]).join(" | ")}, actual ${actual}`
    : messages.join("; ")
}

const runBatch = <D, E, R>(
  plan: Plan,
  decode: (raw: unknown) => Effect.Effect<D, ParseResult.ParseError>,
  handle: (decoded: D) => Effect.Effect<unknown, E, R>,
  options: EngineOptions
): Effect.Effect<BatchResponse, never, R | LambdaContext> =>
  Effect.gen(function*() {
    const context = yield* LambdaContext
    const { items } = plan
    const status: Array<Status> = items.map(() => "pending")

    const runOne = (index: number): Effect.Effect<void, never, R> => {
      const item = items[index]!
      return Effect.suspend(() => {
        status[index] = "running"
        return Effect.matchEffect(decode(item.raw), {
          onFailure: (error) => {
            status[index] = "failed"
            return Effect.logError(`record does not decode: ${formatParseError(error)}`)
          },
          // The handler's own interruption by the cut-off is not caught here: the fiber
          // stops, its status stays `running`, and it is reported as interrupted.
          onSuccess: (decoded) =>
            Effect.flatMap(Effect.exit(Effect.suspend(() => handle(decoded))), (exit) => {
              if (Exit.isSuccess(exit)) {
                status[index] = "succeeded"
                return Effect.void
              }
              status[index] = "failed"
              return Effect.logError("record failed", exit.cause)
            })
        })
      }).pipe(Effect.annotateLogs("recordId", item.id))
    }

    const ordered = (index: number): Effect.Effect<void, never, R> =>
      index >= items.length
        ? Effect.void
        : Effect.flatMap(runOne(index), () => status[index] === "succeeded" ? ordered(index + 1) : Effect.void)

    const work = plan.mode === "Independent"
      ? Effect.forEach(items, (_, index) => runOne(index), { concurrency: plan.concurrency, discard: true })
      : ordered(0)

    const now = yield* Clock.currentTimeMillis
    const budget = Math.max(0, context.deadlineMs - options.timeoutMarginMs - now)
    // `timeoutOption` interrupts the records still running and waits for their finalizers, so
    // their effects are over before the response says they will be retried.
    const finished = yield* Effect.timeoutOption(work, budget)

    return yield* summarize(plan, status, options.source, finished._tag === "None")
  })

const summarize = (plan: Plan, status: ReadonlyArray<Status>, source: string, cutOff: boolean) => {
  const counts = { succeeded: 0, failed: 0, interrupted: 0, skipped: 0 }
  for (const s of status) {
    if (s === "succeeded") counts.succeeded++
    else if (s === "failed") counts.failed++
    // A pending record was cut off before it started, or (ordered modes) not attempted after
    // an earlier failure.
    else if (s === "running" || cutOff) counts.interrupted++
    else counts.skipped++
  }
  const firstNotSucceeded = status.findIndex((s) => s !== "succeeded")
  const reported: Array<string> = []
  if (plan.mode === "Independent") {
    status.forEach((s, i) => s !== "succeeded" && reported.push(plan.items[i]!.id))
  } else if (firstNotSucceeded >= 0) {
    const end = plan.mode === "OrderedRest" ? plan.items.length : firstNotSucceeded + 1
    for (let i = firstNotSucceeded; i < end; i++) reported.push(plan.items[i]!.id)
  }
  const line = `${source} batch of ${plan.items.length}: ${counts.succeeded} succeeded, ${counts.failed} failed, ` +
    `${counts.interrupted} interrupted, ${counts.skipped} skipped`
  const log = reported.length === 0 ? Effect.log(line) : Effect.logWarning(line)
  return log.pipe(
    Effect.annotateLogs({ ...counts, batchSize: plan.items.length, eventSource: source }),
    Effect.as<BatchResponse>({ batchItemFailures: reported.map((itemIdentifier) => ({ itemIdentifier })) })
  )
}

const textDecoder = new TextDecoder()

/**
 * A handler for a batch source: `plan` reads the records (and their ids) from the parsed
 * event; a batch whose records cannot be identified fails whole with `UnmarshalError`, since
 * no partial response could name what to retry.
 *
 * @internal
 */
export const batchHandler = <D, E, R>(
  plan: (event: unknown) => Plan | string,
  decode: (raw: unknown) => Effect.Effect<D, ParseResult.ParseError>,
  handle: (decoded: D) => Effect.Effect<unknown, E, R>,
  options: EngineOptions
): LambdaHandler.LambdaHandler<UnmarshalError, R | LambdaContext> =>
  raw((invocation) =>
    Effect.suspend(() => {
      let event: unknown
      try {
        event = JSON.parse(textDecoder.decode(invocation.body))
      } catch (cause) {
        return Effect.fail(new UnmarshalError({ detail: `the body is not valid JSON (${messageOf(cause)})`, cause }))
      }
      const planned = plan(event)
      if (typeof planned === "string") return Effect.fail(new UnmarshalError({ detail: planned }))
      return Effect.map(
        runBatch(planned, decode, handle, options),
        (response) => buffered(JSON.stringify(response), contentTypes.json)
      )
    })
  )

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/**
 * The `Records` of an event with the id found by `idOf` in each, or why they cannot be read.
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
