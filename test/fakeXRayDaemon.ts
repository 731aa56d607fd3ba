/**
 * A stand-in for the X-Ray daemon on loopback: a real UDP socket that reads what the runtime sends
 * to `AWS_XRAY_DAEMON_ADDRESS`, checks that each datagram is the daemon's header line and one
 * JSON document, and keeps the documents for the tests' assertions. Shared by the unit tests of
 * the core's sender and the integration tests of both lines.
 */
import * as Dgram from "node:dgram"
import { DAEMON_HEADER } from "../src/internal/core/telemetry/xray.js"

/** A daemon listening on 127.0.0.1. */
export interface FakeXRayDaemon {
  /** `127.0.0.1:port`, the value of `AWS_XRAY_DAEMON_ADDRESS`. */
  readonly address: string
  readonly port: number
  /** Each datagram's document, parsed, in arrival order. */
  readonly documents: Array<Record<string, unknown>>
  /** Each datagram as received (header line included). */
  readonly raw: Array<string>
  /** Datagrams that were not the header line and one JSON object (the reason each). */
  readonly malformed: Array<string>
  /** The next document not yet taken by this call: at once when one already arrived, else on its arrival. */
  readonly nextDocument: () => Promise<Record<string, unknown>>
  readonly close: () => Promise<void>
}

/** Binds a UDP socket on an ephemeral loopback port. */
export const start = async (): Promise<FakeXRayDaemon> => {
  const socket = Dgram.createSocket("udp4")
  const documents: Array<Record<string, unknown>> = []
  const raw: Array<string> = []
  const malformed: Array<string> = []
  const waiting: Array<(document: Record<string, unknown>) => void> = []
  let taken = 0
  socket.on("message", (message) => {
    const text = message.toString("utf8")
    raw.push(text)
    if (!text.startsWith(DAEMON_HEADER)) {
      malformed.push(`no header line: ${text.slice(0, 80)}`)
      return
    }
    let document: unknown
    try {
      document = JSON.parse(text.slice(DAEMON_HEADER.length))
    } catch (error) {
      malformed.push(`not JSON: ${String(error)}`)
      return
    }
    if (typeof document !== "object" || document === null || Array.isArray(document)) {
      malformed.push(`not an object: ${text.slice(DAEMON_HEADER.length, 80)}`)
      return
    }
    documents.push(document as Record<string, unknown>)
    const next = waiting.shift()
    if (next !== undefined) {
      taken++
      next(document as Record<string, unknown>)
    }
  })
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject)
    socket.bind(0, "127.0.0.1", () => {
      socket.off("error", reject)
      resolve()
    })
  })
  const port = socket.address().port
  return {
    address: `127.0.0.1:${port}`,
    port,
    documents,
    raw,
    malformed,
    nextDocument: () => {
      if (taken < documents.length) return Promise.resolve(documents[taken++]!)
      return new Promise((resolve) => waiting.push(resolve))
    },
    close: () => new Promise((resolve) => socket.close(() => resolve()))
  }
}
