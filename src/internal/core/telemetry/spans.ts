/**
 * A finished span as both exporters read it (OTLP and X-Ray), whichever Effect line recorded it,
 * and the bounded buffer where finished spans wait for the next export.
 *
 * @internal
 */
import { describe, isError, isObject, read, readString, tryJson } from "../inspect.js"

/**
 * OpenTelemetry's span kinds, as Effect names them.
 *
 * @internal
 */
export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer"

/**
 * One error of a failed span: an exception event, and the span's status ERROR.
 *
 * @internal
 */
export interface SpanFailure {
  /** The error's `_tag` when it has one, else its `name` (`TypeError`), else `Error`. */
  readonly type: string
  readonly message: string
  readonly stack: string | undefined
  /** A defect (`Effect.die`, a throw) rather than a failure of the error channel. */
  readonly defect: boolean
}

/**
 * A span event (`Span.event`).
 *
 * @internal
 */
export interface SpanEvent {
  readonly name: string
  readonly timeNs: bigint
  readonly attributes: Readonly<Record<string, unknown>> | undefined
}

/**
 * A link to another span (an SQS record's `AWSTraceHeader`, `Effect.linkSpans`).
 *
 * @internal
 */
export interface SpanLinkData {
  readonly traceId: string
  readonly spanId: string
  readonly attributes: Readonly<Record<string, unknown>>
}

/**
 * A span once ended: what the exporters serialise.
 *
 * @internal
 */
export interface FinishedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly kind: SpanKind
  readonly startNs: bigint
  readonly endNs: bigint
  readonly attributes: ReadonlyMap<string, unknown>
  readonly events: ReadonlyArray<SpanEvent>
  readonly links: ReadonlyArray<SpanLinkData>
  /** Empty when it succeeded (or was only interrupted). */
  readonly failures: ReadonlyArray<SpanFailure>
  /** Interrupted and nothing else (status stays unset, `effect.fiber.interrupted` is true). */
  readonly interrupted: boolean
  /** Whether X-Ray may receive it (`Sampled=1` on the invocation's header). OTLP exports every span. */
  readonly sampled: boolean
}

/**
 * Finished spans waiting for the next export. Bounded: beyond `capacity` spans are dropped and
 * counted (nothing is retained across invocations beyond it).
 *
 * @internal
 */
export class SpanBuffer {
  constructor(readonly capacity: number) {}
  /** Spans dropped since the last `take` because the buffer was full. */
  dropped = 0
  private spans: Array<FinishedSpan> = []
  /** Adds a finished span, or counts it as dropped. */
  push(span: FinishedSpan): void {
    if (this.spans.length < this.capacity) this.spans.push(span)
    else this.dropped++
  }
  /** Whether nothing waits. */
  isEmpty(): boolean {
    return this.spans.length === 0
  }
  /** Everything waiting, emptying the buffer (and resetting `dropped`). */
  take(): Array<FinishedSpan> {
    // Swapped, not copied: the exporter owns the old array, new spans go to a fresh one.
    const spans = this.spans
    this.spans = []
    this.dropped = 0
    return spans
  }
}

/** An error's own fields as JSON, when it has any that JSON can write. */
const fieldsOf = (error: object): string | undefined => {
  const json = tryJson(error)
  return json === undefined || json === "{}" ? undefined : json
}

/**
 * What a failure's value says about itself: its `_tag`, else `name`, else `Error`; its message and stack.
 *
 * @internal
 */
export const failureOf = (error: unknown, defect: boolean): SpanFailure => {
  // Every read goes through `inspect`: a failure's value may be hostile (throwing getters, a
  // Proxy), and recording a span must never fail the invocation.
  if (!isObject(error)) return { type: "Error", message: describe(error), stack: undefined, defect }
  const tag = readString(error, "_tag")
  const name = isError(error) ? readString(error, "name") : undefined
  const type = tag !== undefined && tag.length > 0 ? tag : name !== undefined && name.length > 0 ? name : "Error"
  const message = read(error, "message")
  return {
    type,
    // A tagged error often has no message of its own (`Data.TaggedError("OrderRejected")<{ reason }>`):
    // its fields say what happened.
    message: typeof message === "string" && message.length > 0 ? message : fieldsOf(error) ?? describe(error),
    stack: readString(error, "stack"),
    defect
  }
}

/**
 * A span as a line's tracer holds it when it ends: its links still as Effect's (`span` and
 * `attributes`), its name as it was started.
 *
 * @internal
 */
export interface EndingSpan extends Omit<FinishedSpan, "links"> {
  readonly links: ReadonlyArray<{
    readonly span: { readonly traceId: string; readonly spanId: string }
    readonly attributes: Readonly<Record<string, unknown>>
  }>
}

/**
 * The span both exporters read, from what a recording tracer holds when the span ends. A span
 * that has `http.route` (a router sets it) and `http.request.method` is named `METHOD route`:
 * the route is known only at the end.
 *
 * @internal
 */
export const finishedSpan = (span: EndingSpan): FinishedSpan => {
  const route = span.attributes.get("http.route")
  const method = span.attributes.get("http.request.method")
  return {
    ...span,
    name: typeof route === "string" && typeof method === "string" ? `${method} ${route}` : span.name,
    links: span.links.map((link) => ({
      traceId: link.span.traceId,
      spanId: link.span.spanId,
      attributes: link.attributes
    }))
  }
}
