/**
 * The batch engine of the Effect 4 line, behind the SQS, Kinesis and DynamoDB Streams handlers:
 * each record is decoded on its own (a bad record fails alone), run in its own fiber with its id
 * as a log annotation, and cut off at `deadline - timeoutMargin`. Which records run in which
 * order, their statuses, and how those fold into Lambda's partial-failure response and the
 * summary line are the shared core's (core/batch.ts); this module only runs the fibers.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import { UnmarshalError } from "../../LambdaError.js"
import * as LambdaHandler from "../../LambdaHandler.js"
import { Batch } from "../core.js"
import * as RecordingTracer from "../telemetry/tracer.js"

/** @internal */
export interface EngineOptions {
  /** `SQS`, `Kinesis`, `DynamoDB`: the summary line's first word and `eventSource` annotation. */
  readonly source: string
  readonly timeoutMarginMs: number
}

/**
 * The margin in milliseconds, the core's default when none is given.
 *
 * @internal
 */
export const marginMs = (timeoutMargin: Duration.Input | undefined): number =>
  timeoutMargin === undefined
    ? Batch.defaultTimeoutMarginMs
    : Duration.toMillis(Duration.fromInputUnsafe(timeoutMargin))

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** One entry per failing path, with the rejected value (`got "one"`), in the core's wording. */
const describeError = (error: Schema.SchemaError): string =>
  Batch.formatIssues(
    formatter(error.issue).issues.map((issue) => ({
      message: issue.message,
      path: (issue.path ?? []).map((segment) => typeof segment === "object" ? segment.key : segment)
    }))
  )

/**
 * Runs one planned batch: `Independent` records as fibers, `concurrency` at a time, the ordered
 * modes one after the other until one does not succeed; all of it under the cut-off.
 */
const runBatch = <D, E, R>(
  plan: Batch.Plan,
  decode: (raw: unknown) => Effect.Effect<D, Schema.SchemaError>,
  handle: (decoded: D) => Effect.Effect<unknown, E, R>,
  options: EngineOptions,
  deadlineMs: number
): Effect.Effect<Batch.BatchResponse, never, R> =>
  Effect.gen(function*() {
    const { items } = plan
    const run = new Batch.BatchRun(plan, options.source)
    // With traces on, each record runs in a span of its own (read once per batch).
    const tracing = yield* RecordingTracer.isTracing
    // The record's span ends with its handler: a failure is its status (the log line follows).
    const traced = <A, X>(index: number, effect: Effect.Effect<A, E, X>): Effect.Effect<A, E, X> =>
      tracing ? RecordingTracer.withRecordSpan(effect, options.source, items[index]!.id, items[index]!.raw) : effect

    const runOne = (index: number): Effect.Effect<void, never, R> =>
      Effect.suspend(() => {
        run.start(index)
        return Effect.matchEffect(decode(items[index]!.raw), {
          onFailure: (error) => {
            run.fail(index)
            return Effect.logError(`record does not decode: ${describeError(error)}`)
          },
          // The handler's own interruption by the cut-off is not caught here: the fiber stops,
          // the record stays `running`, and it is reported as interrupted.
          onSuccess: (decoded) =>
            Effect.flatMap(Effect.exit(traced(index, Effect.suspend(() => handle(decoded)))), (exit) => {
              if (Exit.isSuccess(exit)) return Effect.sync(() => run.succeed(index))
              run.fail(index)
              return Effect.logError("record failed", exit.cause)
            })
        })
      }).pipe(Effect.annotateLogs("recordId", items[index]!.id))

    const inOrder = (index: number): Effect.Effect<void, never, R> =>
      Effect.flatMap(runOne(index), () => run.continuesAfter(index) ? inOrder(index + 1) : Effect.void)

    const work = items.length === 0
      ? Effect.void
      : plan.mode === "Independent"
      ? Effect.forEach(items, (_, index) => runOne(index), { concurrency: plan.concurrency, discard: true })
      : inOrder(0)

    // The Clock's time, as the deadline's: under LambdaTest's TestClock the budget is the test's too.
    const budget = Math.max(0, deadlineMs - options.timeoutMarginMs - (yield* Clock.currentTimeMillis))
    // `timeoutOption` interrupts the records still running and waits for their finalizers, so
    // their effects are over before the response says they will be retried.
    const finished = yield* Effect.timeoutOption(work, Duration.millis(budget))

    const settled = run.settle(Option.isNone(finished))
    const log = settled.reportsFailures ? Effect.logWarning(settled.line) : Effect.log(settled.line)
    yield* log.pipe(Effect.annotateLogs({ ...settled.counts, batchSize: items.length, eventSource: options.source }))
    return settled.response
  })

/**
 * The handler of a batch source, in the JSON form (`LambdaHandler.json`): `plan` reads the
 * records (and their ids) from the event; a batch whose records cannot be identified fails
 * whole with `LambdaError.UnmarshalError` (`Runtime.UnmarshalError`), since no partial response
 * could name what to retry.
 *
 * @internal
 */
export const batchHandler = <D, E, R>(
  plan: (event: unknown) => Batch.Plan | string,
  decode: (raw: unknown) => Effect.Effect<D, Schema.SchemaError>,
  handle: (decoded: D) => Effect.Effect<unknown, E, R>,
  options: EngineOptions
): LambdaHandler.LambdaHandler<UnmarshalError, R> =>
  // The response is record ids in plain objects: serialising it cannot fail, so the JSON form's
  // `MarshalError` is left out of the type (as on the Effect 3 line).
  LambdaHandler.json((event: unknown, context) =>
    Effect.suspend(() => {
      const planned = plan(event)
      return typeof planned === "string"
        ? Effect.fail(new UnmarshalError({ detail: planned }))
        : runBatch(planned, decode, handle, options, context.deadlineMs)
    })
  ) as LambdaHandler.LambdaHandler<UnmarshalError, R>
