/**
 * The invocation's X-Ray trace header (`Lambda-Runtime-Trace-Id`, `_X_AMZN_TRACE_ID`):
 * `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=...`, and
 * the ids of OpenTelemetry (32 and 16 lowercase hex digits) it maps to.
 *
 * @internal
 */

/**
 * What the header says, in OpenTelemetry's ids.
 *
 * @internal
 */
export interface TraceContext {
  /** `Root` without its version and dashes: 32 lowercase hex digits. */
  readonly traceId: string
  /** `Parent`: Lambda's segment for this invocation (16 hex digits), when the header has one. */
  readonly parentSpanId: string | undefined
  /** `Sampled=1` is true, `Sampled=0` false; absent (or `?`) is undefined. */
  readonly sampled: boolean | undefined
}

/**
 * The header's fields, or undefined when it is absent or its `Root` is not a valid X-Ray trace id
 * (a malformed header never fails an invocation: it only starts a trace of its own).
 *
 * @internal
 */
export const parseTraceHeader = (header: string | undefined): TraceContext | undefined => {
  void header
  throw new Error("not implemented")
}

/**
 * The X-Ray form of an OpenTelemetry trace id: `1-` + 8 hex digits (the epoch seconds) + `-` + 24.
 *
 * @internal
 */
export const xrayTraceId = (traceId: string): string => {
  void traceId
  throw new Error("not implemented")
}

/**
 * A new trace id that X-Ray accepts as well: its first 8 hex digits are the current epoch
 * seconds, the other 24 random.
 *
 * @internal
 */
export const newTraceId = (nowMs: number): string => {
  void nowMs
  throw new Error("not implemented")
}

/**
 * A new span id: 16 random hex digits, never all zeros.
 *
 * @internal
 */
export const newSpanId = (): string => {
  throw new Error("not implemented")
}
