/**
 * Finished spans in OTLP's trace data model (`ExportTraceServiceRequest`, the JSON mapping), the
 * value both lines' `OtlpSerialization.traces` encode as JSON or protobuf; and the policy for a
 * collector that fails: one warning per failure streak, exports paused, nothing retained.
 *
 * @internal
 */
import type { FinishedSpan } from "./spans.js"

/**
 * An OTLP attribute value (`AnyValue`).
 *
 * @internal
 */
export type OtlpValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: number }
  | { readonly doubleValue: number }
  | { readonly arrayValue: { readonly values: Array<OtlpValue> } }
  | { readonly kvlistValue: { readonly values: Array<OtlpKeyValue> } }

/**
 * An OTLP attribute (`KeyValue`).
 *
 * @internal
 */
export interface OtlpKeyValue {
  readonly key: string
  readonly value: OtlpValue
}

/**
 * The request body's model: the shape of `TraceData` in `effect/observability/OtlpTracer` and in
 * `@effect/opentelemetry/OtlpTracer` (trace and span ids as hex, times as decimal strings of
 * nanoseconds, kinds and status codes as numbers).
 *
 * @internal
 */
export interface TraceData {
  readonly resourceSpans: Array<{
    readonly resource: { readonly attributes: Array<OtlpKeyValue>; readonly droppedAttributesCount: number }
    readonly scopeSpans: Array<{
      readonly scope: { readonly name: string; readonly version?: string }
      readonly spans: Array<OtlpSpanData>
    }>
  }>
}

/**
 * One span of `TraceData`.
 *
 * @internal
 */
export interface OtlpSpanData {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly kind: number
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano: string
  readonly attributes: Array<OtlpKeyValue>
  readonly droppedAttributesCount: number
  readonly events: Array<{
    readonly name: string
    readonly timeUnixNano: string
    readonly attributes: Array<OtlpKeyValue>
    readonly droppedAttributesCount: number
  }>
  readonly droppedEventsCount: number
  readonly status: { readonly code: 0 | 1 | 2; readonly message?: string }
  readonly links: Array<{
    readonly traceId: string
    readonly spanId: string
    readonly attributes: Array<OtlpKeyValue>
    readonly droppedAttributesCount: number
  }>
  readonly droppedLinksCount: number
}

/**
 * An attribute value as OTLP's `AnyValue` (strings, booleans, integers, doubles, bigints, arrays,
 * plain objects; anything else as its string).
 *
 * @internal
 */
export const otlpValue = (value: unknown): OtlpValue => {
  void value
  throw new Error("not implemented")
}

/**
 * The spans as one request's data, under `resource` and the instrumentation scope
 * `effect-lambda-runtime` at `version`. A failed span has status ERROR (code 2, the first
 * failure's message) and one `exception` event per failure (`exception.type` is the failure's
 * type: the `_tag`); an interrupted one keeps status UNSET with `effect.fiber.interrupted`.
 *
 * @internal
 */
export const toTraceData = (
  spans: ReadonlyArray<FinishedSpan>,
  resource: Readonly<Record<string, string | number>>,
  version: string
): TraceData => {
  void spans
  void resource
  void version
  throw new Error("not implemented")
}

/**
 * A collector that fails (refused, an error status, too slow for the window): the first failure
 * of a streak gives one warning line and pauses exports for `pauseMs` (spans meanwhile are
 * dropped, never retained); the next success ends the streak.
 *
 * @internal
 */
export class FailureStreak {
  constructor(readonly what: string, readonly pauseMs: number = 60_000) {}
  /** Whether exports are paused at `nowMs`. */
  paused(nowMs: number): boolean {
    void nowMs
    throw new Error("not implemented")
  }
  /** A failed export: the warning line when it starts a streak, else undefined. */
  failed(nowMs: number, reason: string): string | undefined {
    void nowMs
    void reason
    throw new Error("not implemented")
  }
  /** A successful export ends the streak. */
  succeeded(): void {
    throw new Error("not implemented")
  }
}
