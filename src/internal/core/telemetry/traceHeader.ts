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

const ROOT = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/
const SPAN_ID = /^[0-9a-fA-F]{16}$/
const ZERO_SPAN = "0000000000000000"

/**
 * The header's fields, or undefined when it is absent or its `Root` is not a valid X-Ray trace id
 * (a malformed header never fails an invocation: it only starts a trace of its own).
 *
 * @internal
 */
export const parseTraceHeader = (header: string | undefined): TraceContext | undefined => {
  if (typeof header !== "string" || header.length === 0) return undefined
  let traceId: string | undefined
  let parentSpanId: string | undefined
  let sampled: boolean | undefined
  // Fields come in any order, with spaces around them; unknown ones (Lineage, Self) are ignored.
  for (const field of header.split(";")) {
    const eq = field.indexOf("=")
    if (eq < 0) continue
    const key = field.slice(0, eq).trim()
    const value = field.slice(eq + 1).trim()
    if (key === "Root") {
      const match = ROOT.exec(value)
      traceId = match === null ? undefined : (match[1]! + match[2]!).toLowerCase()
    } else if (key === "Parent") {
      // An invalid or all-zero parent is dropped rather than failing the whole header.
      parentSpanId = SPAN_ID.test(value) && value !== ZERO_SPAN ? value.toLowerCase() : undefined
    } else if (key === "Sampled") {
      sampled = value === "1" ? true : value === "0" ? false : undefined
    }
  }
  // An all-zero trace id is invalid in OpenTelemetry.
  if (traceId === undefined || /^0+$/.test(traceId)) return undefined
  return { traceId, parentSpanId, sampled }
}

/**
 * The X-Ray form of an OpenTelemetry trace id: `1-` + 8 hex digits (the epoch seconds) + `-` + 24.
 *
 * @internal
 */
export const xrayTraceId = (traceId: string): string => `1-${traceId.slice(0, 8)}-${traceId.slice(8, 32)}`

// Random bytes are taken from a pool: one `getRandomValues` serves 512 span ids, which keeps a
// span's cost to a slice and a hex conversion. Web Crypto's, reached on the first id: importing
// `node:crypto` here would load Node's crypto modules at every cold start, traces on or off
// (the logger imports this module), some 13 ms on Node 22.
const POOL_SIZE = 4096
const pool = Buffer.allocUnsafe(POOL_SIZE)
let poolOffset = POOL_SIZE

const randomHex = (bytes: number): string => {
  if (poolOffset + bytes > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool)
    poolOffset = 0
  }
  const hex = pool.toString("hex", poolOffset, poolOffset + bytes)
  poolOffset += bytes
  return hex
}

/**
 * A new trace id that X-Ray accepts as well: its first 8 hex digits are the current epoch
 * seconds, the other 24 random.
 *
 * @internal
 */
export const newTraceId = (nowMs: number): string => {
  const seconds = Math.floor(nowMs / 1000) >>> 0
  return seconds.toString(16).padStart(8, "0") + randomHex(12)
}

/**
 * A new span id: 16 random hex digits, never all zeros.
 *
 * @internal
 */
export const newSpanId = (): string => {
  for (;;) {
    const id = randomHex(8)
    if (id !== ZERO_SPAN) return id
  }
}
