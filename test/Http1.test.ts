/**
 * The Runtime API client's HTTP/1.1 reading and writing, against a raw TCP server that sends
 * answers byte for byte: the framings and faults a Runtime API (or a proxy in front of it)
 * can produce, delivered in awkward pieces.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Queue } from "effect"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import * as RuntimeApi from "../src/RuntimeApi.js"

interface Received {
  readonly head: string
  readonly body: Buffer
}

/**
 * A TCP server that parses each request (head, and a body by content-length) and answers it
 * with `answer(request, socket, index)`, where `index` counts requests across connections.
 */
const rawServer = (answer: (request: Received, socket: net.Socket, index: number) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly host: string; readonly server: net.Server; readonly connections: () => number }>(
      (resume) => {
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
        server.on("close", () => sockets.forEach((s) => s.destroy()))
        server.listen(0, "127.0.0.1", () =>
          resume(Effect.succeed({
            host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
            server,
            connections: () => connections
          })))
      }
    ),
    ({ server }) =>
      Effect.sync(() => {
        server.close()
        server.emit("close")
      })
  )

const invocationHead = (requestId: string, extra = "") =>
  `HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: ${requestId}\r\n` +
  `Lambda-Runtime-Deadline-Ms: ${Date.now() + 3000}\r\n` +
  `Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:1:function:f\r\n` +
  `Content-Type: application/json\r\n${extra}`

/** Writes `parts` one by one, each in its own TCP segment as far as Node allows. */
const writeApart = (socket: net.Socket, parts: ReadonlyArray<string | Buffer>) => {
  socket.setNoDelay(true)
  let i = 0
  const step = () => {
    if (i === parts.length) return
    socket.write(parts[i++]!)
    setImmediate(step)
  }
  step()
}

const accepted =
  "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"

describe("the Runtime API client's HTTP/1.1", () => {
  it.scopedLive("reads answers split anywhere: inside the head, the headers' end and the body", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ hello: "wörld" })
      const bytes = Buffer.from(body)
      const server = yield* rawServer((_request, socket) => {
        const head = invocationHead("split-1", `Content-Length: ${bytes.length}\r\n\r\n`)
        writeApart(socket, [
          head.slice(0, 7),
          head.slice(7, 40),
          head.slice(40, -3),
          head.slice(-3),
          bytes.subarray(0, 9),
          bytes.subarray(9)
        ])
      })
      const api = yield* RuntimeApi.make(server.host)
      const invocation = yield* api.next
      expect(invocation.requestId).toBe("split-1")
      expect(Buffer.from(invocation.body).toString()).toBe(body)
    }))

  it.scopedLive("reads chunked answers, with chunk sizes in hex, extensions and trailers", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_request, socket) => {
        writeApart(socket, [
          invocationHead("chunked-1", "Transfer-Encoding: chunked\r\n\r\n"),
          "3\r\n{\"a\r\n",
          "1",
          "0;ext=1\r\n\":\"0123456789a\"}\r\n",
          "0\r\nX-Trailer: yes\r\n\r\n"
        ])
      })
      const api = yield* RuntimeApi.make(server.host)
      const invocation = yield* api.next
      expect(Buffer.from(invocation.body).toString()).toBe(`{"a":"0123456789a"}`)
    }))

  it.scopedLive("reads a body that ends with the connection, then opens a new connection", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((request, socket, index) => {
        if (index === 0) {
          socket.end(invocationHead("close-1", "Connection: close\r\n\r\n") + `{"n":1}`)
        } else if (request.head.startsWith("POST")) {
          socket.write(accepted)
        }
      })
      const api = yield* RuntimeApi.make(server.host)
      const invocation = yield* api.next
      expect(Buffer.from(invocation.body).toString()).toBe(`{"n":1}`)
      yield* api.respond("close-1", { _tag: "Buffered", contentType: "application/json", body: "1" })
      expect(server.connections()).toBe(2)
    }))

  it.scopedLive("keeps one connection across exchanges and sends exact request bytes", () =>
    Effect.gen(function*() {
      const requests = yield* Queue.unbounded<Received>()
      const server = yield* rawServer((request, socket, index) => {
        Queue.unsafeOffer(requests, request)
        socket.write(index % 2 === 0 ? invocationHead(`keep-${index}`, "Content-Length: 2\r\n\r\n{}") : accepted)
      })
      const api = yield* RuntimeApi.make(server.host)
      for (let i = 0; i < 3; i++) {
        const invocation = yield* api.next
        yield* api.respond(invocation.requestId, {
          _tag: "Buffered",
          contentType: "text/plain; charset=utf-8",
          body: i === 2 ? new Uint8Array([0xc3, 0xa9]) : "é"
        })
      }
      expect(server.connections()).toBe(1)
      const all = yield* Queue.takeAll(requests)
      const posts = [...all].filter((r) => r.head.startsWith("POST"))
      expect(posts.map((r) => r.head.split("\r\n")[0])).toEqual([
        "POST /2018-06-01/runtime/invocation/keep-0/response HTTP/1.1",
        "POST /2018-06-01/runtime/invocation/keep-2/response HTTP/1.1",
        "POST /2018-06-01/runtime/invocation/keep-4/response HTTP/1.1"
      ])
      for (const post of posts) {
        expect(post.head).toMatch(/\r\ncontent-length: 2(\r\n|$)/)
        expect(post.head).toMatch(/\r\ncontent-type: text\/plain; charset=utf-8(\r\n|$)/)
        expect(post.body.toString()).toBe("é")
      }
    }))

  it.scopedLive("reads a 6 MB event arriving in many pieces", () =>
    Effect.gen(function*() {
      const event = Buffer.alloc(6 * 1024 * 1024, "a")
      const server = yield* rawServer((_request, socket) => {
        socket.write(invocationHead("big-1", `Content-Length: ${event.length}\r\n\r\n`))
        socket.write(event)
      })
      const api = yield* RuntimeApi.make(server.host)
      const invocation = yield* api.next
      expect(invocation.body.byteLength).toBe(event.length)
      expect(Buffer.from(invocation.body).equals(event)).toBe(true)
    }))

  it.scopedLive("fails with a transport error when the connection drops mid-body, and recovers on a new one", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_request, socket, index) => {
        if (index === 0) socket.end(invocationHead("cut-1", "Content-Length: 100\r\n\r\n") + `{"partial`)
        else socket.write(invocationHead("cut-2", "Content-Length: 2\r\n\r\n{}"))
      })
      const api = yield* RuntimeApi.make(server.host)
      const error = yield* Effect.flip(api.next)
      expect(error).toMatchObject({ _tag: "RuntimeApiError", operation: "next", reason: "Transport" })
      expect(error.message).toContain("closed before the answer was complete")
      expect((yield* api.next).requestId).toBe("cut-2")
    }))

  it.scopedLive("fails with a transport error on an answer that is not HTTP/1.x or has a bad length", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_request, socket, index) => {
        socket.write(
          index === 0
            ? "SSH-2.0-OpenSSH\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n"
        )
      })
      const api = yield* RuntimeApi.make(server.host)
      const first = yield* Effect.flip(api.next)
      expect(first.message).toContain("not an HTTP/1.x answer")
      const second = yield* Effect.flip(api.next)
      expect(second.message).toContain("bad content-length: \"-4\"")
      expect(server.connections()).toBe(2)
    }))

  it.scopedLive("an interrupted /next is abandoned: the next call drops its connection and opens a new one", () =>
    Effect.gen(function*() {
      const received = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const server = yield* rawServer((_request, socket, index) => {
        if (index === 0) {
          socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
          Deferred.unsafeDone(received, Exit.void) // and never answered: a long poll
        } else socket.write(invocationHead("after-interrupt", "Content-Length: 2\r\n\r\n{}"))
      })
      const api = yield* RuntimeApi.make(server.host)
      const pending = yield* Effect.fork(api.next)
      yield* Deferred.await(received)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(pending))).toBe(true)
      expect((yield* api.next).requestId).toBe("after-interrupt")
      yield* Deferred.await(closed)
      expect(server.connections()).toBe(2)
    }))

  it.scopedLive("closing the client's scope closes a pending long poll's connection", () =>
    Effect.gen(function*() {
      const received = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const server = yield* rawServer((_request, socket) => {
        socket.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        Deferred.unsafeDone(received, Exit.void)
      })
      const pending = yield* Effect.fork(Effect.scoped(Effect.flatMap(RuntimeApi.make(server.host), (api) => api.next)))
      yield* Deferred.await(received)
      yield* Fiber.interrupt(pending)
      yield* Deferred.await(closed)
    }))
})
