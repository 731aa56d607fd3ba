/**
 * A minimal HTTP/1.1 client connection for the Runtime API's hot path: one keep-alive socket,
 * one exchange at a time, the request head and a string body written in one syscall, and an
 * answer parser that handles exactly what a Runtime API sends (a status line, headers, and a
 * body framed by `Content-Length`, chunked encoding or the end of the connection).
 *
 * Measured with `bench/` on a 2-core machine: a Runtime API loop on `node:http` spends about
 * 0.165 ms of CPU per invocation, the same loop on a raw socket about 0.075 ms. `node:http`'s
 * generality (agents, header validation, streams, events per request) is the difference; the
 * runtime makes two exchanges per invocation, so this is most of its own overhead. Streaming
 * responses keep using `node:http` (see responseStream.ts): there the body dominates.
 */
import type * as net from "node:net"

/**
 * What the server answered. Header names are lower case; a repeated header keeps its first value.
 *
 * @internal
 */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/**
 * Called once per exchange: with an error (the connection failed) or with the answer.
 *
 * @internal
 */
export type Callback = (error: Error | undefined, answer: Answer | undefined) => void

/**
 * One keep-alive connection to `host:port`.
 *
 * @internal
 */
export interface Connection {
  /**
   * Sends one request and calls `callback` with the answer. Header values must already be
   * single-line. An exchange started while another is in flight abandons that one: its socket
   * is destroyed and its callback is never called (how an interrupted long poll is dropped).
   */
  readonly exchange: (
    method: string,
    path: string,
    headers: Readonly<Record<string, string | number>>,
    body: Uint8Array | string | undefined,
    callback: Callback
  ) => void
  /** Closes the socket; a later exchange opens a new one. */
  readonly close: () => void
}

const CRLF_BYTES = Buffer.from("\r\n")
const HEAD_END = Buffer.from("\r\n\r\n")

/** Why an answer could not be read, as the transport error's message. */
class ProtocolError extends Error {}

type Body =
  | { readonly _tag: "Length"; remaining: number }
  | { readonly _tag: "Chunked"; state: "size" | "data" | "dataEnd" | "trailers"; remaining: number }
  | { readonly _tag: "UntilClose" }

/**
 * Creates a connection. `connect` is `node:net`'s, passed in by the client, which loads the
 * module when the runtime starts.
 *
 * @internal
 */
export const make = (connect: typeof net.connect, host: string, port: number): Connection => {
  let socket: net.Socket | undefined
  let callback: Callback | undefined
  // The socket of the exchange in flight: events of sockets dropped earlier are ignored.
  let active: net.Socket | undefined
  // Answer parsing state, reset for every exchange.
  let pending: Buffer | undefined
  let status = 0
  let headers: Record<string, string> = Object.create(null)
  let body: Body | undefined
  let chunks: Array<Buffer> = []
  let keepAlive = true
  const hostHeader = `${host.includes(":") ? `[${host}]` : host}:${port}`

  const reset = () => {
    pending = undefined
    status = 0
    // No prototype: a header named `constructor` or `__proto__` is just a header.
    headers = Object.create(null)
    body = undefined
    chunks = []
    keepAlive = true
  }

  const settle = (error: Error | undefined, answer: Answer | undefined) => {
    const done = callback
    callback = undefined
    active = undefined
    reset()
    done?.(error, answer)
  }

  const drop = (target: net.Socket) => {
    target.removeAllListeners("data")
    target.destroy()
    if (socket === target) socket = undefined
  }

  const complete = (target: net.Socket) => {
    const answer: Answer = { status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }
    if (!keepAlive) drop(target)
    settle(undefined, answer)
  }

  /** Parses the status line and headers and returns the bytes after them; `undefined` while they are incomplete. */
  const parseHead = (data: Buffer): Buffer | undefined => {
    const end = data.indexOf(HEAD_END)
    if (end === -1) {
      pending = data
      return undefined
    }
    const lines = data.toString("latin1", 0, end).split("\r\n")
    const statusLine = lines[0]!
    if (!statusLine.startsWith("HTTP/1.")) {
      throw new ProtocolError(`not an HTTP/1.x answer: ${JSON.stringify(statusLine.slice(0, 40))}`)
    }
    status = Number(statusLine.slice(9, 12))
    if (!(status >= 100 && status <= 999)) throw new ProtocolError(`bad status line: ${JSON.stringify(statusLine)}`)
    keepAlive = statusLine.charCodeAt(7) !== 0x30 // HTTP/1.0 closes unless told otherwise; not worth supporting keep-alive there
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(":")
      if (colon <= 0) throw new ProtocolError(`bad header line: ${JSON.stringify(line.slice(0, 80))}`)
      const name = line.slice(0, colon).trim().toLowerCase()
      if (!(name in headers)) headers[name] = line.slice(colon + 1).trim()
    }
    if (headers.connection?.toLowerCase() === "close") keepAlive = false
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = { _tag: "Length", remaining: 0 }
    } else if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      body = { _tag: "Chunked", state: "size", remaining: 0 }
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"])
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new ProtocolError(`bad content-length: ${JSON.stringify(headers["content-length"])}`)
      }
      body = { _tag: "Length", remaining: length }
    } else {
      body = { _tag: "UntilClose" }
      keepAlive = false
    }
    return data.subarray(end + 4)
  }

  /** Consumes chunked-encoding bytes; `true` when the last chunk and the trailers were read. */
  const readChunked = (state: Extract<Body, { _tag: "Chunked" }>, data: Buffer): boolean => {
    let offset = 0
    while (offset < data.length) {
      if (state.state === "data") {
        const take = Math.min(state.remaining, data.length - offset)
        chunks.push(data.subarray(offset, offset + take))
        offset += take
        state.remaining -= take
        if (state.remaining === 0) state.state = "dataEnd"
        continue
      }
      const eol = data.indexOf(CRLF_BYTES, offset)
      if (eol === -1) {
        pending = data.subarray(offset)
        return false
      }
      const line = data.toString("latin1", offset, eol)
      offset = eol + 2
      if (state.state === "dataEnd") {
        if (line.length !== 0) throw new ProtocolError("chunk data not followed by CRLF")
        state.state = "size"
      } else if (state.state === "size") {
        const size = parseInt(line, 16)
        if (!Number.isSafeInteger(size) || size < 0) {
          throw new ProtocolError(`bad chunk size: ${JSON.stringify(line.slice(0, 20))}`)
        }
        if (size === 0) state.state = "trailers"
        else {
          state.state = "data"
          state.remaining = size
        }
      } else if (line.length === 0) {
        return true // the empty line after the (ignored) trailers
      }
    }
    return false
  }

  const onData = (target: net.Socket) => (incoming: Buffer) => {
    if (target !== active) {
      // Bytes nobody asked for: the connection is out of step; start over on a new one.
      drop(target)
      return
    }
    try {
      let data = pending === undefined ? incoming : Buffer.concat([pending, incoming])
      pending = undefined
      if (body === undefined) {
        const rest = parseHead(data)
        if (rest === undefined) return
        data = rest
      }
      const framing = body!
      if (framing._tag === "Length") {
        const take = Math.min(framing.remaining, data.length)
        if (take > 0) chunks.push(take === data.length ? data : data.subarray(0, take))
        framing.remaining -= take
        if (framing.remaining === 0) complete(target)
      } else if (framing._tag === "Chunked") {
        if (readChunked(framing, data)) complete(target)
      } else if (data.length > 0) {
        chunks.push(data)
      }
    } catch (error) {
      drop(target)
      settle(error as Error, undefined)
    }
  }

  const open = (): net.Socket => {
    const created = connect({ host, port, noDelay: true })
    created.on("data", onData(created))
    created.on("error", (error) => {
      if (socket === created) socket = undefined
      if (active === created) settle(error, undefined)
    })
    created.on("close", () => {
      if (socket === created) socket = undefined
      if (active !== created) return
      if (body?._tag === "UntilClose") complete(created)
      else settle(new ProtocolError("the connection closed before the answer was complete"), undefined)
    })
    return created
  }

  const exchange: Connection["exchange"] = (method, path, requestHeaders, requestBody, done) => {
    if (callback !== undefined && active !== undefined) {
      // Abandoned by its caller (interrupted): answers on that socket would be out of step.
      const abandoned = active
      callback = undefined
      active = undefined
      drop(abandoned)
    }
    callback = done
    reset()
    const target = socket ?? (socket = open())
    active = target
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${hostHeader}\r\n`
    for (const name in requestHeaders) head += `${name}: ${requestHeaders[name]}\r\n`
    if (requestBody === undefined) {
      target.write(head + "\r\n", "latin1")
    } else if (typeof requestBody === "string") {
      head += `content-length: ${Buffer.byteLength(requestBody)}\r\n\r\n`
      // One write, one syscall: the head is ASCII, so utf8 encodes it unchanged.
      target.write(head + requestBody, "utf8")
    } else {
      head += `content-length: ${requestBody.byteLength}\r\n\r\n`
      target.cork()
      target.write(head, "latin1")
      target.write(requestBody)
      target.uncork()
    }
  }

  return {
    exchange,
    close: () => {
      if (socket !== undefined) drop(socket)
    }
  }
}
