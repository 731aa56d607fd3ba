/**
 * The runtime's recording tracer: Effect's `Tracer` whose spans, when they end, become the core's
 * `FinishedSpan`s in one `SpanBuffer`, which the detached window exports (telemetryExport.ts).
 * One span model feeds both X-Ray and OTLP, and the buffer can be drained at the moment the
 * runtime chooses, which neither library's exporter allows on this line.
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import type * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import type { SpanBuffer, SpanEvent, SpanFailure } from "../core/telemetry/spans.js"
import { failureOf, finishedSpan } from "../core/telemetry/spans.js"
import { newSpanId, newTraceId } from "../core/telemetry/traceHeader.js"
import { recordingTracers } from "./telemetry.js"

/**
 * The failures of a span's exit: each failure of the error channel, then each defect; an exit
 * interrupted and nothing else is `interrupted`.
 */
const outcomeOf = (exit: Exit.Exit<unknown, unknown>): {
  readonly failures: ReadonlyArray<SpanFailure>
  readonly interrupted: boolean
} => {
  if (exit._tag === "Success") return { failures: [], interrupted: false }
  const cause = exit.cause
  const failures = [
    ...Array.from(Cause.failures(cause), (error) => failureOf(error, false)),
    ...Array.from(Cause.defects(cause), (defect) => failureOf(defect, true))
  ]
  return { failures, interrupted: failures.length === 0 && Cause.isInterrupted(cause) }
}

/**
 * A span of the recording tracer (Effect's `Tracer.Span`).
 *
 * @internal
 */
export class RecordingSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId: string = newSpanId()
  readonly traceId: string
  readonly sampled: boolean
  readonly attributes = new Map<string, unknown>()
  status: Tracer.SpanStatus
  links: Array<Tracer.SpanLink>
  private readonly events: Array<SpanEvent> = []

  constructor(
    private readonly buffer: SpanBuffer,
    public name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    /** The trace of a span without a parent (the invocation's, from its header): else a new one. */
    root?: { readonly traceId: string; readonly sampled: boolean }
  ) {
    this.status = { _tag: "Started", startTime }
    this.links = [...links]
    if (Option.isSome(parent)) {
      this.traceId = parent.value.traceId
      this.sampled = parent.value.sampled
    } else {
      this.traceId = root?.traceId ?? newTraceId(Date.now())
      this.sampled = root?.sampled ?? false
    }
  }

  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    this.events.push({ name, timeNs: startTime, attributes })
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }

  /**
   * Ends the span once and hands it to the buffer (named `METHOD route` when a router set
   * `http.route`: the core's `finishedSpan`).
   */
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    const startTime = this.status.startTime
    this.status = { _tag: "Ended", startTime, endTime, exit }
    const { failures, interrupted } = outcomeOf(exit)
    const finished = finishedSpan({
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: Option.getOrUndefined(this.parent)?.spanId,
      name: this.name,
      kind: this.kind,
      startNs: startTime,
      endNs: endTime,
      attributes: this.attributes,
      events: this.events,
      links: this.links,
      failures,
      interrupted,
      sampled: this.sampled
    })
    this.name = finished.name
    this.buffer.push(finished)
  }
}

/**
 * The recording tracer over `buffer`, registered as one of the runtime's (telemetry.ts).
 *
 * @internal
 */
export const makeTracer = (buffer: SpanBuffer): Tracer.Tracer => {
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) =>
      new RecordingSpan(buffer, name, parent, context, links, startTime, kind),
    context: (f) => f()
  })
  recordingTracers.add(tracer)
  return tracer
}
