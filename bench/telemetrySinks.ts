/**
 * Where the telemetry suite's functions send their telemetry, all inside the bench process on
 * loopback: a fake OTLP/HTTP collector (node:http, answering 200 after a set delay) and a fake
 * X-Ray daemon (a UDP socket). Each counts what it received, so that the suite can check that
 * the spans arrived (so many per invocation) beside the figures it measures.
 */
import { createSocket } from "node:dgram"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** What a sink has received since its last `reset`. */
export interface Received {
  /** Spans: OTLP spans, or X-Ray subsegment documents. */
  readonly spans: number
  /** Requests (OTLP POSTs) or datagrams (X-Ray). */
  readonly requests: number
  /** Bodies that could not be counted (not OTLP JSON, or not the daemon's format). */
  readonly unreadable: number
}

export interface Sink {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://127.0.0.1:port`) or `AWS_XRAY_DAEMON_ADDRESS` (`127.0.0.1:port`). */
  readonly address: string
  readonly received: () => Received
  readonly reset: () => void
  readonly close: () => Promise<void>
}

/** The spans of an OTLP JSON `ExportTraceServiceRequest` (`resourceSpans[].scopeSpans[].spans[]`). */
const otlpSpans = (body: string): number | undefined => {
  try {
    const request = JSON.parse(body) as {
      resourceSpans?: ReadonlyArray<{ scopeSpans?: ReadonlyArray<{ spans?: ReadonlyArray<unknown> }> }>
    }
    if (!Array.isArray(request.resourceSpans)) return undefined
    let spans = 0
    for (const resource of request.resourceSpans) {
      for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0
    }
    return spans
  } catch {
    return undefined
  }
}

/**
 * The length-delimited fields of the protobuf message in `bytes[start, end)`, as
 * `[field number, start, end]`; the other wire types are skipped. Undefined when the bytes are
 * not a well-formed message.
 */
const lengthDelimited = (
  bytes: Uint8Array,
  start: number,
  end: number
): Array<readonly [number, number, number]> | undefined => {
  const fields: Array<readonly [number, number, number]> = []
  let pos = start
  const varint = (): number | undefined => {
    let value = 0
    for (let shift = 0; pos < end && shift < 64; shift += 7) {
      const byte = bytes[pos++]!
      value += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return value
    }
    return undefined
  }
  while (pos < end) {
    const key = varint()
    if (key === undefined) return undefined
    const wire = key % 8
    if (wire === 0 && varint() === undefined) return undefined
    else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else if (wire === 2) {
      const length = varint()
      if (length === undefined || pos + length > end) return undefined
      fields.push([Math.floor(key / 8), pos, pos + length])
      pos += length
    } else if (wire !== 0) return undefined
  }
  return pos === end ? fields : undefined
}

/**
 * The spans of an OTLP protobuf `ExportTraceServiceRequest`: `resource_spans` (1) →
 * `scope_spans` (2) → `spans` (2).
 */
const protobufSpans = (bytes: Uint8Array): number | undefined => {
  const resources = lengthDelimited(bytes, 0, bytes.length)
  if (resources === undefined) return undefined
  let spans = 0
  for (const [field, start, end] of resources) {
    const scopes = field === 1 ? lengthDelimited(bytes, start, end) : []
    if (scopes === undefined) return undefined
    for (const [scopeField, scopeStart, scopeEnd] of scopes) {
      const inner = scopeField === 2 ? lengthDelimited(bytes, scopeStart, scopeEnd) : []
      if (inner === undefined) return undefined
      spans += inner.filter(([spanField]) => spanField === 2).length
    }
  }
  return spans
}

/**
 * A fake OTLP/HTTP collector: every POST to `/v1/traces` is read, its spans counted (OTLP JSON
 * or protobuf, by its content type), and answered
 * `200 {}` after `delayMs` (0: at once), as a collector far away or under load would be.
 */
export const startCollector = async (delayMs: number): Promise<Sink> => {
  let spans = 0
  let requests = 0
  let unreadable = 0
  const answer = Buffer.from("{}")
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      requests++
      const type = req.headers["content-type"] ?? ""
      const body = Buffer.concat(chunks)
      const counted = req.url?.endsWith("/v1/traces") !== true
        ? undefined
        : type.includes("json")
        ? otlpSpans(body.toString())
        : type.includes("protobuf")
        ? protobufSpans(body)
        : undefined
      if (counted === undefined) unreadable++
      else spans += counted
      const reply = () => {
        res.writeHead(200, { "content-type": "application/json", "content-length": answer.length })
        res.end(answer)
      }
      if (delayMs > 0) setTimeout(reply, delayMs)
      else reply()
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    address: `http://127.0.0.1:${port}`,
    received: () => ({ spans, requests, unreadable }),
    reset: () => {
      spans = 0
      requests = 0
      unreadable = 0
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** The X-Ray daemon's header line, before each document of a datagram. */
const DAEMON_HEADER = "{\"format\":\"json\",\"version\":1}\n"

/**
 * A fake X-Ray daemon: a UDP socket counting the documents of each datagram (each one the
 * daemon's header line and a segment or subsegment document).
 */
export const startDaemon = async (): Promise<Sink & { readonly drain: () => Promise<void> }> => {
  let spans = 0
  let requests = 0
  let unreadable = 0
  const socket = createSocket("udp4")
  socket.on("message", (message) => {
    requests++
    const parts = message.toString().split(DAEMON_HEADER)
    if (parts[0] !== "") unreadable++
    for (const document of parts.slice(1)) {
      try {
        const parsed = JSON.parse(document) as { id?: unknown }
        if (typeof parsed.id === "string") spans++
        else unreadable++
      } catch {
        unreadable++
      }
    }
  })
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve))
  const { port } = socket.address()
  return {
    address: `127.0.0.1:${port}`,
    received: () => ({ spans, requests, unreadable }),
    reset: () => {
      spans = 0
      requests = 0
      unreadable = 0
    },
    // Datagrams sent before the function's last `/next` are in the socket's queue by then, but
    // their "message" events may come a turn of the event loop later: one trip through the
    // poll phase (a zero timer after an immediate) lets them in.
    drain: () => new Promise((resolve) => setImmediate(() => setTimeout(resolve, 0))),
    close: () => new Promise((resolve) => socket.close(() => resolve()))
  }
}
