/**
 * The batch engine behind the SQS, Kinesis and DynamoDB Streams handlers: each record is
 * decoded on its own (a bad record fails alone), run in its own fiber with its id as a log
 * annotation, and cut off at `deadline - timeoutMargin`; the statuses are then folded into
 * Lambda's partial-failure response according to the source's retry semantics.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as ParseResult from "effect/ParseResult"
import type * as LambdaHandler from "../../LambdaHandler.js"
import * as core from "../core/batch.js"
import { messageOf } from "../core/inspect.js"
import { contentTypes } from "../core/protocol.js"
import { UnmarshalError } from "../runtime/errors.js"
import { buffered, raw } from "../runtime/handler.js"
import { LambdaContext } from "../runtime/lambdaContext.js"
import { isRecording, recordSpanOptions } from "../runtime/telemetry.js"
import { timerOf } from "../runtime/timers.js"

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
    const annotations = yield* FiberRef.get(FiberRef.currentLogAnnotations)

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
      // The worker's fiber is its own (never joined), so the record's id is set on it outright,
      // not scoped with `annotateLogs` (an acquire/release per record).
      return Effect.zipRight(
        FiberRef.set(FiberRef.currentLogAnnotations, HashMap.set(annotations, "recordId", item.id)),
        span !== undefined
          ? Effect.catchAllCause(Effect.withSpan(record, span.name, span), () => Effect.void)
          : record as Effect.Effect<void, never, R>
      )
    }

    // Each worker runs records one after the other: the next one not taken (Independent), or
    // the next in order while the previous succeeded (the ordered modes, one worker).
    let next = 0
    const worker: Effect.Effect<void, never, R> = Effect.suspend(() => {
      const index = next++
      if (index >= items.length) return Effect.void
      return Effect.flatMap(runOne(index), () =>
        plan.mode === "Independent" || run.continuesAfter(index) ? worker : Effect.void)
    })
    const workers = plan.mode === "Independent" ? Math.min(plan.concurrency, items.length) : Math.min(1, items.length)

    let cutOff = false
    if (workers > 0) {
      // Records run on workers forked here and awaited, not joined: a record's fiber-local state
      // stays its own. The cut-off is one of the loop's timers, not a fiber sleeping beside
      // them (that fiber measured 4-8% of a batch's CPU): at `deadline - timeoutMargin` the workers
      // still running are interrupted, and their finalizers waited for, so the records' effects
      // are over before the response says they will be retried.
      const fibers: Array<Fiber.RuntimeFiber<number>> = []
      let done = 0
      const counted = Effect.zipRight(
        worker,
        Effect.sync(() =>
          done++
        )
      )
      for (let i = 0; i < workers; i++) fibers.push(yield* Effect.fork(counted))
      const parent = yield* Effect.fiberId
      const cancel = timerOf(context).at(context.deadlineMs - options.timeoutMarginMs, () => {
        if (done === workers) return
        cutOff = true
        for (const fiber of fibers) fiber.unsafeInterruptAsFork(parent)
      })
      yield* Effect.onInterrupt(
        Fiber.awaitAll(fibers),
        () => Effect.zipRight(Effect.sync(cancel), Fiber.interruptAll(fibers))
      )
      cancel()
    }

    const settled = run.settle(cutOff)
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
