/**
 * The batch engine behind the SQS, Kinesis and DynamoDB Streams handlers: each record is
 * decoded on its own (a bad record fails alone), run in its own fiber with its id as a log
 * annotation, and cut off at `deadline - timeoutMargin`; the statuses are then folded into
 * Lambda's partial-failure response according to the source's retry semantics.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as ParseResult from "effect/ParseResult"
import type * as LambdaHandler from "../../LambdaHandler.js"
import * as core from "../core/batch.js"
import { messageOf } from "../core/inspect.js"
import { contentTypes } from "../core/protocol.js"
import { UnmarshalError } from "../runtime/errors.js"
import { buffered, raw } from "../runtime/handler.js"
import { LambdaContext } from "../runtime/lambdaContext.js"
import { isRecording, recordSpanOptions } from "../runtime/telemetry.js"

/**
 * The partial-failure response of SQS, Kinesis and DynamoDB Streams event source mappings.
 *
 * @internal
 */
export type BatchResponse = core.BatchResponse

/** @internal */
export interface EngineOptions {
  readonly source: string
  readonly timeoutMarginMs: number
}

const formatParseError = (error: ParseResult.ParseError): string =>
  core.formatIssues(ParseResult.ArrayFormatter.formatErrorSync(error))

const runBatch = <D, E, R>(
  plan: core.Plan,
  decode: (raw: unknown) => Effect.Effect<D, ParseResult.ParseError>,
  handle: (decoded: D) => Effect.Effect<unknown, E, R>,
  options: EngineOptions
): Effect.Effect<BatchResponse, never, R | LambdaContext> =>
  Effect.gen(function*() {
    const context = yield* LambdaContext
    const { items } = plan
    const run = new core.BatchRun(plan, options.source)
    // Traces on: one CONSUMER span per record (linked to its trace header); off, unchanged.
    const traced = isRecording(yield* Effect.tracer)

    const runOne = (index: number): Effect.Effect<void, never, R> => {
      const item = items[index]!
      // Traced, a failed record fails its span too (status ERROR, the failure as its event);
      // the failure ends there, as it does untraced.
      const failed = <A>(logged: Effect.Effect<void>, cause: Cause.Cause<A>): Effect.Effect<void, A> =>
        traced ? Effect.zipRight(logged, Effect.failCause(cause)) : logged
      const record = Effect.suspend((): Effect.Effect<void, unknown, R> => {
        run.start(index)
        return Effect.matchEffect(decode(item.raw), {
          onFailure: (error) => {
            run.fail(index)
            return failed(Effect.logError(`record does not decode: ${formatParseError(error)}`), Cause.fail(error))
          },
          // The handler's own interruption by the cut-off is not caught here: the fiber
          // stops, its status stays `running`, and it is reported as interrupted.
          onSuccess: (decoded) =>
            Effect.flatMap(Effect.exit(Effect.suspend(() => handle(decoded))), (exit) => {
              if (Exit.isSuccess(exit)) {
                run.succeed(index)
                return Effect.void
              }
              run.fail(index)
              return failed(Effect.logError("record failed", exit.cause), exit.cause)
            })
        })
      })
      const span = traced ? recordSpanOptions(options.source, item.id, item.raw) : undefined
      return (span !== undefined
        ? Effect.catchAllCause(Effect.withSpan(record, span.name, span), () => Effect.void)
        : record as Effect.Effect<void, never, R>).pipe(Effect.annotateLogs("recordId", item.id))
    }

    const ordered = (index: number): Effect.Effect<void, never, R> =>
      Effect.flatMap(runOne(index), () => run.continuesAfter(index) ? ordered(index + 1) : Effect.void)

    const work = items.length === 0
      ? Effect.void
      : plan.mode === "Independent"
      ? Effect.forEach(items, (_, index) => runOne(index), { concurrency: plan.concurrency, discard: true })
      : ordered(0)

    const now = yield* Clock.currentTimeMillis
    const budget = Math.max(0, context.deadlineMs - options.timeoutMarginMs - now)
    // `timeoutOption` interrupts the records still running and waits for their finalizers, so
    // their effects are over before the response says they will be retried.
    const finished = yield* Effect.timeoutOption(work, budget)

    const settled = run.settle(finished._tag === "None")
    const log = settled.reportsFailures ? Effect.logWarning(settled.line) : Effect.log(settled.line)
    return yield* log.pipe(
      Effect.annotateLogs({ ...settled.counts, batchSize: items.length, eventSource: options.source }),
      Effect.as(settled.response)
    )
  })

const textDecoder = new TextDecoder()

/**
 * A handler for a batch source: `plan` reads the records (and their ids) from the parsed
 * event; a batch whose records cannot be identified fails whole with `UnmarshalError`, since
 * no partial response could name what to retry.
 *
 * @internal
 */
export const batchHandler = <D, E, R>(
  plan: (event: unknown) => core.Plan | string,
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
