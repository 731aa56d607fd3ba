/**
 * The Runtime API client's HTTP/1.1 reading and writing, against a raw TCP server that sends
 * answers byte for byte: the framings and faults a Runtime API (or a proxy in front of it)
 * can produce, delivered in awkward pieces.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Queue } from "effect"
import * as RuntimeApi from "../src/RuntimeApi.js"
import {
  accepted,
  afterInterrupt,
  chunkedBody,
  chunkedParts,
  invocationHead,
  keptAlivePosts,
  parkedFirstPoll,
  postSummary,
  splitAnywhere,
  splitBody,
  startRawServer,
  writeApart
} from "./rawRuntimeApi.js"
import type { Received } from "./rawRuntimeApi.js"

/** The shared raw Runtime API (test/rawRuntimeApi.ts), closed with the test's scope. */
const rawServer = (answer: Parameters<typeof startRawServer>[0]) =>
  Effect.acquireRelease(Effect.promise(() => startRawServer(answer)), (server) => Effect.sync(server.close))

describe("the Runtime API client's HTTP/1.1", () => {
  it.scopedLive("reads answers split anywhere: inside the head, the headers' end and the body", () =>
    Effect.gen(function*() {
      const bytes = Buffer.from(splitBody)
      const server = yield* rawServer((_request, socket) => {
        writeApart(socket, splitAnywhere(invocationHead("split-1", `Content-Length: ${bytes.length}\r\n\r\n`), bytes))
      })
      const api = yield* RuntimeApi.make(server.host)
      const invocation = yield* api.next
      expect(invocation.requestId).toBe("split-1")
      expect(Buffer.from(invocation.body).toString()).toBe(splitBody)
    }))

  it.scopedLive("reads chunked answers, with chunk sizes in hex, extensions and trailers", () =>
    Effect.gen(function*() {
      const server = yield* rawServer((_request, socket) => {
        writeApart(socket, chunkedParts("chunked-1"))
      })
      const api = yield* RuntimeApi.make(server.host)
      const invocation = yield* api.next
      expect(Buffer.from(invocation.body).toString()).toBe(chunkedBody)
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
      expect(posts.map(postSummary)).toEqual(keptAlivePosts)
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
      const poll = parkedFirstPoll(afterInterrupt)
      const server = yield* rawServer(poll.answer)
      const api = yield* RuntimeApi.make(server.host)
      const pending = yield* Effect.fork(api.next)
      yield* Effect.promise(() => poll.received)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(pending))).toBe(true)
      expect((yield* api.next).requestId).toBe("after-interrupt")
      yield* Effect.promise(() => poll.closed)
      expect(server.connections()).toBe(2)
    }))

  it.scopedLive("closing the client's scope closes a pending long poll's connection", () =>
    Effect.gen(function*() {
      const poll = parkedFirstPoll()
      const server = yield* rawServer(poll.answer)
      const pending = yield* Effect.fork(Effect.scoped(Effect.flatMap(RuntimeApi.make(server.host), (api) => api.next)))
      yield* Effect.promise(() => poll.received)
      yield* Fiber.interrupt(pending)
      yield* Effect.promise(() => poll.closed)
    }))
})
