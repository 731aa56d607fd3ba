/**
 * A fake OTLP/HTTP collector on loopback for the telemetry tests of both lines: it records every
 * request (JSON bodies parsed, protobuf kept as bytes) and answers with a status after an
 * optional delay, both changeable while it runs (a collector that is down, slow, or back).
 * Effect-free (plain `node:http` and Promises), so the Effect 4 tests can import it too.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** One request the collector received. */
export interface CollectorRequest {
  readonly method: string
  /** The path and query, e.g. `/v1/traces`. */
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  /** `content-type` without parameters, e.g. `application/json`, `application/x-protobuf`. */
  readonly contentType: string
  readonly body: Buffer
  /** The parsed body when it is JSON (undefined for protobuf or unparsable text). */
  readonly json?: unknown
  /** When the request arrived (`performance.timeOrigin + performance.now()`, the emulator's clock). */
  readonly at: number
  /** When the collector answered it (undefined until then). */
  answeredAt: number | undefined
}

/** A running collector. */
export interface FakeCollector {
  /** The base URL (`http://127.0.0.1:PORT`), as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it. */
  readonly url: string
  /** Every request so far, in arrival order. */
  readonly requests: Array<CollectorRequest>
  /**
   * The next request not yet returned by an earlier call (a queue: a request that arrived before
   * the call is returned at once, else the promise resolves when one arrives).
   */
  readonly nextRequest: () => Promise<CollectorRequest>
  /** Every span of every JSON request so far, flattened (`resourceSpans[].scopeSpans[].spans[]`). */
  readonly spans: () => Array<Record<string, unknown>>
  /** How long the collector waits before answering from now on. */
  readonly setDelay: (ms: number) => void
  /** The status it answers with from now on (200 by default). */
  readonly setStatus: (code: number) => void
  /** Stops it, cutting any connection still open (an answer still delayed is never sent). */
  readonly close: () => Promise<void>
}

const parseJson = (contentType: string, body: Buffer): unknown => {
  if (!contentType.includes("json")) return undefined
  try {
    return JSON.parse(body.toString("utf8")) as unknown
  } catch {
    return undefined
  }
}

const arrayAt = (u: unknown, key: string): Array<unknown> => {
  if (typeof u !== "object" || u === null) return []
  const value = (u as Record<string, unknown>)[key]
  return Array.isArray(value) ? value : []
}

/** The spans of one JSON request, across its resources and scopes. */
export const spansOf = (request: CollectorRequest): Array<Record<string, unknown>> =>
  arrayAt(request.json, "resourceSpans").flatMap((resourceSpan) =>
    arrayAt(resourceSpan, "scopeSpans").flatMap((scopeSpan) =>
      arrayAt(scopeSpan, "spans") as Array<Record<string, unknown>>
    )
  )

/** Starts a collector on an ephemeral loopback port. */
export const start = async (
  options: { readonly delayMs?: number; readonly status?: number } = {}
): Promise<FakeCollector> => {
  let delayMs = options.delayMs ?? 0
  let status = options.status ?? 200
  const requests: Array<CollectorRequest> = []
  const waiting: Array<(request: CollectorRequest) => void> = []
  let returned = 0
  const timers = new Set<NodeJS.Timeout>()

  const server = Http.createServer((req, res) => {
    const at = performance.timeOrigin + performance.now()
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim()
      const json = parseJson(contentType, body)
      const request: CollectorRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        contentType,
        body,
        ...(json === undefined ? {} : { json }),
        at,
        answeredAt: undefined
      }
      requests.push(request)
      const waiter = waiting.shift()
      if (waiter !== undefined) {
        returned++
        waiter(request)
      }
      const answer = () => {
        request.answeredAt = performance.timeOrigin + performance.now()
        res.writeHead(status, { "content-type": "application/json" })
        // OTLP's success body: an empty ExportTraceServiceResponse.
        res.end(status < 300 ? "{}" : JSON.stringify({ code: status, message: "fake collector" }))
      }
      if (delayMs <= 0) answer()
      else {
        const timer = setTimeout(() => {
          timers.delete(timer)
          answer()
        }, delayMs)
        timers.add(timer)
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nextRequest: () => {
      if (returned < requests.length) return Promise.resolve(requests[returned++]!)
      return new Promise((resolve) => waiting.push(resolve))
    },
    spans: () => requests.flatMap(spansOf),
    setDelay: (ms) => {
      delayMs = ms
    },
    setStatus: (code) => {
      status = code
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
