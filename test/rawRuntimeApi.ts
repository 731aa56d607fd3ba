/**
 * A Runtime API on raw TCP that answers byte for byte, for the tests of the Runtime API client's
 * HTTP/1.1 on both lines (test/Http1.test.ts, packages/effect4/test/Http1.test.ts): the framings
 * and faults a Runtime API (or a proxy in front of it) can produce, delivered in awkward pieces.
 * Effect-free, so that each line wraps it in its own Effect.
 */
import * as net from "node:net"
import type { AddressInfo } from "node:net"

/** A request as the server read it: its head (request line and headers) and its body. */
export interface Received {
  readonly head: string
  readonly body: Buffer
}

/** A listening raw server. */
export interface RawServer {
  readonly host: string
  /** How many connections were opened to it so far. */
  readonly connections: () => number
  /** Stops listening and destroys every open connection. */
  readonly close: () => void
}

/**
 * Starts a TCP server that parses each request (head, and a body by content-length) and answers
 * it with `answer(request, socket, index)`, where `index` counts requests across connections.
 */
export const startRawServer = (
  answer: (request: Received, socket: net.Socket, index: number) => void
): Promise<RawServer> =>
  new Promise((resolve) => {
    let index = 0
    let connections = 0
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      connections++
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      let buffer = Buffer.alloc(0)
      socket.on("data", (data) => {
        buffer = Buffer.concat([buffer, data])
        for (;;) {
          const end = buffer.indexOf("\r\n\r\n")
          if (end === -1) return
          const head = buffer.toString("latin1", 0, end)
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
          if (buffer.length < end + 4 + length) return
          const body = buffer.subarray(end + 4, end + 4 + length)
          buffer = buffer.subarray(end + 4 + length)
          answer({ head, body }, socket, index++)
        }
      })
      socket.on("error", () => {})
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        connections: () => connections,
        close: () => {
          server.close()
          sockets.forEach((socket) => socket.destroy())
        }
      }))
  })

/** The head of a `/next` answer delivering invocation `requestId`; `extra` ends it (framing, blank line). */
export const invocationHead = (requestId: string, extra = "") =>
  `HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: ${requestId}\r\n` +
  `Lambda-Runtime-Deadline-Ms: ${Date.now() + 3000}\r\n` +
  `Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:1:function:f\r\n` +
  `Content-Type: application/json\r\n${extra}`

/** Writes `parts` one by one, each in its own TCP segment as far as Node allows. */
export const writeApart = (socket: net.Socket, parts: ReadonlyArray<string | Buffer>) => {
  socket.setNoDelay(true)
  let i = 0
  const step = () => {
    if (i === parts.length) return
    socket.write(parts[i++]!)
    setImmediate(step)
  }
  step()
}

/** The Runtime API's answer to an accepted result. */
export const accepted =
  "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"

/** The answers a test sends to split, chunk and cut: one case each, shared by both lines' tests. */
export const splitBody = JSON.stringify({ hello: "wörld" })

/** `head` (ending in a Content-Length and the blank line) and `body`, cut inside the head, at its end and in the body. */
export const splitAnywhere = (head: string, body: Buffer): ReadonlyArray<string | Buffer> => [
  head.slice(0, 7),
  head.slice(7, 40),
  head.slice(40, -3),
  head.slice(-3),
  body.subarray(0, 9),
  body.subarray(9)
]

/** A chunked answer: chunk sizes in hex, a chunk extension and a trailer; it decodes to {@link chunkedBody}. */
export const chunkedParts = (requestId: string): ReadonlyArray<string> => [
  invocationHead(requestId, "Transfer-Encoding: chunked\r\n\r\n"),
  "3\r\n{\"a\r\n",
  "1",
  "0;ext=1\r\n\":\"0123456789a\"}\r\n",
  "0\r\nX-Trailer: yes\r\n\r\n"
]

/** What {@link chunkedParts} decodes to. */
export const chunkedBody = `{"a":"0123456789a"}`

/** A first `/next` that is never answered (a long poll), and what became of it. */
export interface ParkedPoll {
  /** The server's `answer`: parks request 0, hands the later ones to `then`. */
  readonly answer: (request: Received, socket: net.Socket, index: number) => void
  /** Resolves once the parked poll has arrived. */
  readonly received: Promise<void>
  /** Resolves once the parked poll's connection has closed. */
  readonly closed: Promise<void>
}

/** Parks the first request; `then` answers the later ones. */
export const parkedFirstPoll = (
  then: (request: Received, socket: net.Socket, index: number) => void = () => {}
): ParkedPoll => {
  let arrived = () => {}
  let ended = () => {}
  const received = new Promise<void>((resolve) => (arrived = resolve))
  const closed = new Promise<void>((resolve) => (ended = resolve))
  return {
    received,
    closed,
    answer: (request, socket, index) => {
      if (index !== 0) return then(request, socket, index)
      socket.on("close", ended)
      arrived()
    }
  }
}

/** The answer to the `/next` after an interrupted one. */
export const afterInterrupt = (_request: Received, socket: net.Socket) =>
  void socket.write(invocationHead("after-interrupt", "Content-Length: 2\r\n\r\n{}"))

/** What a test checks of a result POST: its request line, length, content type and body. */
export const postSummary = (post: Received) => ({
  line: post.head.split("\r\n")[0],
  contentLength: /\r\ncontent-length: ([^\r]*)/.exec(post.head)?.[1],
  contentType: /\r\ncontent-type: ([^\r]*)/.exec(post.head)?.[1],
  body: post.body.toString()
})

/**
 * The posts of the keep-alive case: invocations `keep-0`, `keep-2`, `keep-4` (the server counts
 * requests) answered with "é", twice as a string and once as its bytes: 2 bytes each.
 */
export const keptAlivePosts = [0, 2, 4].map((index) => ({
  line: `POST /2018-06-01/runtime/invocation/keep-${index}/response HTTP/1.1`,
  contentLength: "2",
  contentType: "text/plain; charset=utf-8",
  body: "é"
}))
