/**
 * Finished spans in OTLP's trace data model (`ExportTraceServiceRequest`, the JSON mapping), the
 * value both lines' `OtlpSerialization.traces` encode as JSON or protobuf; and the policy for a
 * collector that fails: one warning per failure streak, exports paused, nothing retained.
 *
 * @internal
 */
import { describe, isObject } from "../inspect.js"
import type { FinishedSpan, SpanKind } from "./spans.js"

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
  /** UNSET 0, OK 1, ERROR 2. */
  readonly status: { readonly code: 0 | 1 | 2; readonly message?: string }
  readonly links: Array<{
    readonly traceId: string
    readonly spanId: string
    readonly attributes: Array<OtlpKeyValue>
    readonly droppedAttributesCount: number
  }>
  readonly droppedLinksCount: number
}

// Nesting beyond this (or a cycle) is written as a string: an attribute is never worth a stack overflow.
const MAX_DEPTH = 8

const isPlainObject = (u: object): boolean => {
  try {
    const proto: unknown = Object.getPrototypeOf(u)
    return proto === Object.prototype || proto === null
  } catch {
    return false
  }
}

const anyValue = (value: unknown, depth: number): OtlpValue => {
  switch (typeof value) {
    case "string":
      return { stringValue: value }
    case "boolean":
      return { boolValue: value }
    case "number":
      return Number.isSafeInteger(value) ? { intValue: value } : { doubleValue: value }
    case "bigint":
      // Beyond the safe integers a number would round it, and `@effect/opentelemetry`'s model
      // (Effect 3) has no string form of `intValue`: the exact digits go as a string.
      return Number.isSafeInteger(Number(value)) ? { intValue: Number(value) } : { stringValue: value.toString() }
  }
  if (!isObject(value) || depth >= MAX_DEPTH) return { stringValue: describe(value) }
  try {
    if (value instanceof Date) {
      return { stringValue: Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString() }
    }
    if (Array.isArray(value)) {
      const values: Array<OtlpValue> = []
      for (const item of value as ReadonlyArray<unknown>) values.push(anyValue(item, depth + 1))
      return { arrayValue: { values } }
    }
    if (isPlainObject(value)) {
      const values: Array<OtlpKeyValue> = []
      for (const [key, item] of Object.entries(value)) values.push({ key, value: anyValue(item, depth + 1) })
      return { kvlistValue: { values } }
    }
  } catch {
    // A Proxy or a throwing getter: fall through to the value's safe description.
  }
  return { stringValue: describe(value) }
}

/**
 * An attribute value as OTLP's `AnyValue` (strings, booleans, integers, doubles, bigints, arrays,
 * plain objects; anything else as its string). Never throws, whatever the value.
 *
 * @internal
 */
export const otlpValue = (value: unknown): OtlpValue => anyValue(value, 0)

/**
 * Attributes as OTLP's `KeyValue`s.
 *
 * @internal
 */
export const otlpAttributes = (entries: Iterable<readonly [string, unknown]>): Array<OtlpKeyValue> => {
  const attributes: Array<OtlpKeyValue> = []
  for (const [key, value] of entries) attributes.push({ key, value: otlpValue(value) })
  return attributes
}

/**
 * OTLP's numbers for the span kinds.
 *
 * @internal
 */
export const OTLP_SPAN_KIND: Readonly<Record<SpanKind, number>> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5
}

const STATUS_UNSET = 0
const STATUS_ERROR = 2

const spanData = (span: FinishedSpan): OtlpSpanData => {
  const attributes = otlpAttributes(span.attributes)
  const end = String(span.endNs)
  const events: OtlpSpanData["events"] = span.events.map((event) => ({
    name: event.name,
    timeUnixNano: String(event.timeNs),
    attributes: event.attributes === undefined ? [] : otlpAttributes(Object.entries(event.attributes)),
    droppedAttributesCount: 0
  }))
  for (const failure of span.failures) {
    events.push({
      name: "exception",
      timeUnixNano: end,
      attributes: otlpAttributes([
        ["exception.type", failure.type],
        ["exception.message", failure.message],
        ["exception.stacktrace", failure.stack ?? "No stack trace available"]
      ]),
      droppedAttributesCount: 0
    })
  }
  const first = span.failures[0]
  const status: OtlpSpanData["status"] = first === undefined
    ? { code: STATUS_UNSET }
    : { code: STATUS_ERROR, message: first.message }
  if (first === undefined && span.interrupted) {
    attributes.push({ key: "effect.fiber.interrupted", value: { boolValue: true } })
  }
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: OTLP_SPAN_KIND[span.kind],
    startTimeUnixNano: String(span.startNs),
    endTimeUnixNano: end,
    attributes,
    droppedAttributesCount: 0,
    events,
    droppedEventsCount: 0,
    status,
    links: span.links.map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      attributes: otlpAttributes(Object.entries(link.attributes)),
      droppedAttributesCount: 0
    })),
    droppedLinksCount: 0
  }
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
): TraceData => ({
  resourceSpans: [{
    resource: { attributes: otlpAttributes(Object.entries(resource)), droppedAttributesCount: 0 },
    scopeSpans: [{ scope: { name: "effect-lambda-runtime", version }, spans: spans.map(spanData) }]
  }]
})

/**
 * A collector that fails (refused, an error status, too slow for the window): the first failure
 * of a streak gives one warning line and pauses exports for `pauseMs` (spans meanwhile are
 * dropped, never retained); the next success ends the streak.
 *
 * @internal
 */
export class FailureStreak {
  constructor(readonly what: string, readonly pauseMs: number = 60_000) {}
  private inStreak = false
  private pausedUntil = 0
  /** Whether exports are paused at `nowMs`. */
  paused(nowMs: number): boolean {
    return nowMs < this.pausedUntil
  }
  /** A failed export: the warning line when it starts a streak, else undefined. */
  failed(nowMs: number, reason: string): string | undefined {
    // Every failure pauses again: a collector still down after the pause is tried once per pause.
    this.pausedUntil = nowMs + this.pauseMs
    if (this.inStreak) return undefined
    this.inStreak = true
    return `${this.what} failed (${reason}); exports are paused for ${Math.round(this.pauseMs / 1000)} s and ` +
      `spans are dropped meanwhile (no more warnings until an export succeeds)`
  }
  /** A successful export ends the streak. */
  succeeded(): void {
    this.inStreak = false
    this.pausedUntil = 0
  }
}
