/**
 * Spans to the X-Ray daemon without the X-Ray SDK: each span becomes a subsegment document of the
 * daemon's JSON format (the invocation's SERVER span a subsegment of Lambda's own `function`
 * segment, whose id is the header's `Parent`), sent over UDP with the daemon's header line.
 * Only sampled spans are sent (`Sampled=1`); nothing is sent for `Sampled=0`.
 *
 * @internal
 */
import type * as Dgram from "node:dgram"
import { isIPv6 } from "node:net"
import { describe, tryJson } from "../inspect.js"
import { stackFrames } from "../xrayErrorCause.js"
import type { XRaySettings } from "./settings.js"
import type { FinishedSpan, SpanFailure } from "./spans.js"
import { newSpanId, xrayTraceId } from "./traceHeader.js"

/**
 * The daemon's header line, before each document of a datagram.
 *
 * @internal
 */
export const DAEMON_HEADER = "{\"format\":\"json\",\"version\":1}\n"

/**
 * The largest datagram the daemon reads (64 KB); a document beyond it is dropped and counted.
 *
 * @internal
 */
export const MAX_DATAGRAM_BYTES = 64 * 1024

/**
 * The limits of the segment document this module keeps to: names of 200 characters, 50
 * annotations (X-Ray indexes no more per trace), annotation keys of 500 characters and string
 * values of 1,000, and the frames kept per exception (the daemon's 64 KB is shared by all).
 *
 * @internal
 */
export const XRAY_LIMITS = {
  name: 200,
  annotations: 50,
  annotationKey: 500,
  annotationValue: 1000,
  frames: 50,
  message: 4096
} as const

// X-Ray's names: Unicode letters, numbers, whitespace and `_ . : / % & # = + \ - @`.
const NAME_REJECTED = /[^\p{L}\p{N}\s_.:/%&#=+\\\-@]/gu
// Annotation keys that filter expressions can use: alphanumeric and underscore only.
const KEY_REJECTED = /[^A-Za-z0-9_]/g
const TRACE_ID = /^[0-9a-f]{32}$/
const SPAN_ID = /^[0-9a-f]{16}$/

// Code points, not UTF-16 units: a cut never leaves half a surrogate pair.
const cut = (text: string, max: number): string => {
  if (text.length <= max) return text
  return Array.from(text).slice(0, max).join("")
}

/**
 * A name X-Ray accepts: other characters replaced by `_`, at most 200 characters, never empty.
 *
 * @internal
 */
export const xrayName = (name: string, fallback: string): string => {
  const clean = cut(name.replace(NAME_REJECTED, "_"), XRAY_LIMITS.name).trim()
  if (clean.length > 0) return clean
  const other = cut(fallback.replace(NAME_REJECTED, "_"), XRAY_LIMITS.name).trim()
  return other.length > 0 ? other : "span"
}

/**
 * An annotation key X-Ray can filter on: `faas.trigger` is `faas_trigger`.
 *
 * @internal
 */
export const annotationKey = (key: string): string => key.replace(KEY_REJECTED, "_").slice(0, XRAY_LIMITS.annotationKey)

// Epoch seconds with microsecond precision, from nanoseconds.
const seconds = (ns: bigint): number => Number(ns / 1000n) / 1e6

// Any attribute value as plain JSON (cycles, BigInts, throwing getters and Proxies included).
const plain = (value: unknown): unknown => {
  if (value === undefined) return null
  const json = tryJson(value)
  if (json === undefined) return describe(value)
  try {
    return JSON.parse(json) as unknown
  } catch {
    return describe(value)
  }
}

const annotationValue = (value: unknown): string | number | boolean | undefined => {
  if (typeof value === "string") return cut(value, XRAY_LIMITS.annotationValue)
  if (typeof value === "boolean") return value
  if (typeof value === "number" && Number.isFinite(value)) return value
  return undefined
}

const exceptionOf = (failure: SpanFailure) => {
  const frames = failure.stack === undefined
    ? []
    : stackFrames(failure.stack.split("\n")).slice(0, XRAY_LIMITS.frames)
  return {
    // Exception ids are 16 hex digits, as span ids.
    id: newSpanId(),
    type: failure.type,
    message: cut(failure.message, XRAY_LIMITS.message),
    ...(frames.length > 0 ? { stack: frames } : {})
  }
}

const stringAt = (attributes: ReadonlyMap<string, unknown>, key: string): string | undefined => {
  const value = attributes.get(key)
  return typeof value === "string" ? value : undefined
}

const httpOf = (attributes: ReadonlyMap<string, unknown>) => {
  const method = stringAt(attributes, "http.request.method")
  const url = stringAt(attributes, "url.full") ?? stringAt(attributes, "url.path") ?? stringAt(attributes, "http.route")
  const status = attributes.get("http.response.status_code")
  const request = {
    ...(method !== undefined ? { method } : {}),
    ...(url !== undefined ? { url } : {})
  }
  const response = typeof status === "number" && Number.isInteger(status) ? { status } : undefined
  if (method === undefined && url === undefined && response === undefined) return undefined
  return { request, ...(response !== undefined ? { response } : {}) }
}

const document = (span: FinishedSpan, serviceName: string): Record<string, unknown> | undefined => {
  // Ids X-Ray cannot read would make the daemon reject the document; none is better than that.
  if (!TRACE_ID.test(span.traceId) || !SPAN_ID.test(span.spanId)) return undefined
  const annotations: Record<string, string | number | boolean> = {}
  const metadata: Record<string, unknown> = {}
  let annotated = 0
  for (const [key, value] of span.attributes) {
    const annotation = annotationValue(value)
    const converted = annotationKey(key)
    if (
      annotation !== undefined && annotated < XRAY_LIMITS.annotations && converted.length > 0 &&
      !(converted in annotations)
    ) {
      annotations[converted] = annotation
      annotated++
    } else {
      metadata[key] = plain(value)
    }
  }
  const status = span.attributes.get("http.response.status_code")
  const statusCode = typeof status === "number" ? status : 0
  const defect = span.failures.some((failure) => failure.defect)
  const failed = span.failures.some((failure) => !failure.defect)
  const http = httpOf(span.attributes)
  const arn = stringAt(span.attributes, "aws.lambda.invoked_arn")
  const requestId = stringAt(span.attributes, "faas.invocation_id")
  const parent = span.parentSpanId !== undefined && SPAN_ID.test(span.parentSpanId) ? span.parentSpanId : undefined
  return {
    name: xrayName(span.name, serviceName),
    id: span.spanId,
    trace_id: xrayTraceId(span.traceId),
    // Without a parent (no header Parent) the span is a segment of its own; else a subsegment.
    ...(parent !== undefined ? { parent_id: parent, type: "subsegment" } : {}),
    start_time: seconds(span.startNs),
    end_time: seconds(span.endNs),
    ...(span.kind === "client" || span.kind === "producer" ? { namespace: "remote" } : {}),
    // X-Ray's error is a client-side failure (4xx, a typed failure), fault a server-side one.
    ...(defect || statusCode >= 500 ? { fault: true } : {}),
    ...(failed || (statusCode >= 400 && statusCode < 500) ? { error: true } : {}),
    ...(statusCode === 429 ? { throttle: true } : {}),
    ...(span.failures.length > 0 ? { cause: { exceptions: span.failures.map(exceptionOf) } } : {}),
    ...(http !== undefined ? { http } : {}),
    ...(arn !== undefined || requestId !== undefined
      ? {
        aws: {
          ...(arn !== undefined ? { function_arn: arn } : {}),
          ...(requestId !== undefined ? { request_id: requestId } : {})
        }
      }
      : {}),
    ...(annotated > 0 ? { annotations } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata: { default: metadata } } : {})
  }
}

/**
 * One span as a subsegment document (`type: "subsegment"`, `trace_id` in X-Ray's form,
 * `parent_id`, seconds as floats, `fault` and `cause.exceptions` for failures, `http` for HTTP
 * spans, attributes as `metadata` and the string ones of `faas.*` as `annotations`), or undefined
 * when it is not sampled (or its ids are not OpenTelemetry's hex). Never throws: attribute values
 * that JSON refuses are written as their description.
 *
 * @internal
 */
export const toSubsegment = (span: FinishedSpan, serviceName: string): string | undefined => {
  if (!span.sampled) return undefined
  try {
    const doc = document(span, serviceName)
    return doc === undefined ? undefined : JSON.stringify(doc)
  } catch {
    return undefined
  }
}

/**
 * A UDP sender to the daemon. `send` never fails (UDP has no answer; a daemon that is not there
 * loses the documents, as the X-Ray SDK does) and resolves once the datagrams are handed to the
 * socket; the socket is unref'd so that it never keeps the process alive.
 *
 * @internal
 */
export interface DaemonSender {
  /** Sends each sampled span, one datagram per document; resolves with how many datagrams were sent. */
  readonly send: (spans: ReadonlyArray<FinishedSpan>, serviceName: string) => Promise<number>
  readonly close: () => void
  /** Documents dropped since the sender opened because their datagram exceeded {@link MAX_DATAGRAM_BYTES}. */
  readonly dropped: () => number
  /** Datagrams the socket reported an error for (ignored otherwise: UDP delivery is best effort). */
  readonly failed: () => number
}

/**
 * Opens the sender (`node:dgram`, loaded on first use).
 *
 * @internal
 */
export const makeDaemonSender = (settings: XRaySettings): DaemonSender => {
  let socket: Promise<Dgram.Socket | undefined> | undefined
  let closed = false
  let dropped = 0
  let failed = 0
  const open = (): Promise<Dgram.Socket | undefined> => {
    socket ??= import("node:dgram").then(
      (dgram) => {
        const created = dgram.createSocket(isIPv6(settings.host) ? "udp6" : "udp4")
        // An error event without a listener would be thrown: send errors are counted instead.
        created.on("error", () => {
          failed++
        })
        created.unref()
        if (closed) created.close()
        return closed ? undefined : created
      },
      () => undefined
    )
    return socket
  }
  const sendOne = (udp: Dgram.Socket, datagram: Buffer): Promise<boolean> =>
    new Promise((resolve) => {
      try {
        udp.send(datagram, settings.port, settings.host, (error) => {
          if (error) failed++
          resolve(!error)
        })
      } catch {
        failed++
        resolve(false)
      }
    })
  const send = async (spans: ReadonlyArray<FinishedSpan>, serviceName: string): Promise<number> => {
    try {
      const datagrams: Array<Buffer> = []
      for (const span of spans) {
        const doc = toSubsegment(span, serviceName)
        if (doc === undefined) continue
        const datagram = Buffer.from(DAEMON_HEADER + doc, "utf8")
        if (datagram.length > MAX_DATAGRAM_BYTES) dropped++
        else datagrams.push(datagram)
      }
      if (datagrams.length === 0 || closed) return 0
      const udp = await open()
      if (udp === undefined || closed) return 0
      const sent = await Promise.all(datagrams.map((datagram) => sendOne(udp, datagram)))
      return sent.filter(Boolean).length
    } catch {
      return 0
    }
  }
  const close = (): void => {
    if (closed) return
    closed = true
    void socket?.then((udp) => {
      try {
        udp?.close()
      } catch {
        // Already closed.
      }
    })
  }
  return { send, close, dropped: () => dropped, failed: () => failed }
}
