/**
 * A finished span as both exporters read it (OTLP and X-Ray), whichever Effect line recorded it,
 * and the bounded buffer where finished spans wait for the next export.
 *
 * @internal
 */

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
  /** Adds a finished span, or counts it as dropped. */
  push(span: FinishedSpan): void {
    void span
    throw new Error("not implemented")
  }
  /** Whether nothing waits. */
  isEmpty(): boolean {
    throw new Error("not implemented")
  }
  /** Everything waiting, emptying the buffer (and resetting `dropped`). */
  take(): Array<FinishedSpan> {
    throw new Error("not implemented")
  }
}

/**
 * What a failure's value says about itself: its `_tag`, else `name`, else `Error`; its message and stack.
 *
 * @internal
 */
export const failureOf = (error: unknown, defect: boolean): SpanFailure => {
  void error
  void defect
  throw new Error("not implemented")
}
