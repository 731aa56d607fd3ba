/**
 * The runtime's own `Tracer` on the Effect 4 line: its spans behave as Effect's native ones and,
 * when they end, are handed to the telemetry's buffer as the core's `FinishedSpan` (the one model
 * both exporters read, on both lines). Installed only when traces are on.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { RecordSpans, Spans, TraceHeader } from "../core.js"

/** The attributes an HTTP span passes on to the invocation's span. */
const HTTP_ATTRIBUTES = ["http.route", "http.request.method", "url.path", "http.response.status_code"] as const

/** What an exit says about the span: its failures (type = `_tag`), or that it was only interrupted. */
const outcome = (exit: Exit.Exit<unknown, unknown>) => {
  if (exit._tag === "Success") return { failures: [], interrupted: false }
  const failures: Array<Spans.SpanFailure> = []
  for (const reason of exit.cause.reasons) {
    if (Cause.isFailReason(reason)) failures.push(Spans.failureOf(reason.error, false))
    else if (Cause.isDieReason(reason)) failures.push(Spans.failureOf(reason.defect, true))
  }
  return { failures, interrupted: failures.length === 0 }
}

class RecordingSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly name: string
  readonly parent: Option.Option<Tracer.AnySpan>
  readonly annotations: Context.Context<never>
  readonly links: Array<Tracer.SpanLink>
  readonly kind: Tracer.SpanKind
  readonly sampled: boolean
  readonly traceId: string
  readonly spanId: string
  /**
   * Whether X-Ray takes it: the invocation header's `Sampled`, inherited. Effect's own `sampled`
   * stays true, so that the OTLP export and the routers (which name only sampled spans) see
   * every span.
   */
  readonly xraySampled: boolean
  readonly attributes = new Map<string, unknown>()
  status: Tracer.SpanStatus
  private events: Array<Spans.SpanEvent> | undefined = undefined

  constructor(options: Parameters<Tracer.Tracer["span"]>[0], private readonly sink: Spans.SpanBuffer) {
    this.name = options.name
    this.parent = options.parent
    this.annotations = options.annotations
    this.links = options.links
    this.kind = options.kind
    this.sampled = options.sampled
    this.status = { _tag: "Started", startTime: options.startTime }
    this.traceId = Option.isSome(options.parent)
      ? options.parent.value.traceId
      : TraceHeader.newTraceId(Number(options.startTime / 1_000_000n))
    this.spanId = TraceHeader.newSpanId()
    const parent = Option.getOrUndefined(options.parent)
    this.xraySampled = parent instanceof RecordingSpan ? parent.xraySampled : parent?.sampled === true
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    const startTime = this.status.startTime
    this.status = { _tag: "Ended", startTime, endTime, exit }
    const { failures, interrupted } = outcome(exit)
    // effect/http's own server span (a child of the invocation's) is where the router puts the
    // route: the invocation's span, still open, takes its request attributes, and so its name.
    const parent = Option.getOrUndefined(this.parent)
    if (this.attributes.has("http.route") && parent instanceof RecordingSpan && parent.kind === "server") {
      for (const key of HTTP_ATTRIBUTES) {
        if (this.attributes.has(key) && !parent.attributes.has(key)) parent.attribute(key, this.attributes.get(key))
      }
    }
    this.sink.push(Spans.finishedSpan({
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: parent?.spanId,
      name: this.name,
      kind: this.kind,
      startNs: startTime,
      endNs: endTime,
      attributes: this.attributes,
      events: this.events ?? [],
      links: this.links,
      failures,
      interrupted,
      sampled: this.xraySampled
    }))
  }

  attribute(key: string, value: unknown): void {
    if (this.status._tag !== "Ended") this.attributes.set(key, value)
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    if (this.status._tag !== "Ended") (this.events ??= []).push({ name, timeNs: startTime, attributes })
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    if (this.status._tag !== "Ended") this.links.push(...links)
  }
}

/**
 * Whether `span` is one of the runtime's (and so exported).
 *
 * @internal
 */
export const isRecorded = (span: Tracer.AnySpan): boolean => span instanceof RecordingSpan

/**
 * A tracer whose ended spans go to `buffer`.
 *
 * @internal
 */
export const make = (buffer: Spans.SpanBuffer): Tracer.Tracer => {
  const tracer = Tracer.make({ span: (options) => new RecordingSpan(options, buffer) })
  recordingTracers.add(tracer)
  return tracer
}

/** The runtime's tracers (one per runtime; a process runs one, tests several). */
const recordingTracers = new WeakSet<Tracer.Tracer>()

/**
 * Puts an HTTP request's method, path and status on the current span when it is one of the
 * runtime's (the invocation's, named `METHOD route` when it ends if a router matched a route).
 *
 * @internal
 */
export const annotateHttp = (method: string, url: string, status: number): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const span = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
    if (span instanceof RecordingSpan) {
      const query = url.indexOf("?")
      span.attribute("http.request.method", method)
      span.attribute("url.path", query === -1 ? url : url.slice(0, query))
      span.attribute("http.response.status_code", status)
    }
    return Effect.void
  })

/**
 * Whether the fiber's tracer is the runtime's (traces are on): the per-record spans of a batch
 * are made only then, so that a batch without telemetry costs what it did.
 *
 * @internal
 */
export const isTracing: Effect.Effect<boolean> = Effect.withFiber((fiber) =>
  Effect.succeed(recordingTracers.has(fiber.getRef(Tracer.Tracer)))
)

/**
 * Runs one batch record in its CONSUMER span, linked to the trace its message was sent in.
 *
 * @internal
 */
export const withRecordSpan = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  source: string,
  id: string,
  raw: unknown
): Effect.Effect<A, E, R> => {
  const span = RecordSpans.recordSpan(source, id, raw)
  return Effect.withSpan(effect, span.name, {
    kind: "consumer",
    attributes: span.attributes,
    links: span.link === undefined ? [] : [{
      span: Tracer.externalSpan({ traceId: span.link.traceId, spanId: span.link.spanId, sampled: true }),
      attributes: {}
    }]
  })
}
