/**
 * The Runtime API client's HTTP/1.1 on the Effect 4 line, against the raw TCP server of
 * test/rawRuntimeApi.ts that answers byte for byte: the framings and faults a Runtime API (or a
 * proxy in front of it) can produce, delivered in awkward pieces. The reading and writing are the
 * shared core's (core/http1.ts); these tests send them through this line's loop (the invocation
 * an answer delivers is served and its result posted) and through this line's client, whose
 * calls are its own `Effect.callback`s (an interrupted call). The cases are the Effect 3 line's
 * test/Http1.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Scope } from "effect"
import * as Raw from "../../../test/rawRuntimeApi.js"
import type { Received } from "../../../test/rawRuntimeApi.js"
import type * as net from "node:net"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"
import { linesAt, loopOn } from "./support.js"

/** The shared raw Runtime API, closed with the test's scope. */
const rawServer = (answer: Parameters<typeof Raw.startRawServer>[0]) =>
  Effect.acquireRelease(Effect.promise(() => Raw.startRawServer(answer)), (server) => Effect.sync(server.close))

/** A raw handler that answers with the event's bytes, as JSON. */
const echo = LambdaHandler.raw((invocation) =>
  Effect.succeed(LambdaHandler.buffered(invocation.body, "application/json"))
)

/** This line's loop serving `handler` (default: the echo) on the raw Runtime API at `host`. */
const serving = (host: string, handler: Loop.Handler<never> = echo) => loopOn(host, handler)

/** The request line of a request the server read. */
const requestLine = (request: Received) => request.head.split("\r\n")[0]!

/**
 * Answers every `POST` as accepted and hands it to `posted` (with the number of connections so
 * far); `next` answers a `GET /next` (the index counts requests), or leaves it parked.
 */
const api = (
  posted: (request: Received, connections: number) => void,
  next: (socket: net.Socket, index: number) => void
) => {
  let connections = () => 0
  return rawServer((request, socket, index) => {
    if (requestLine(request).startsWith("POST")) {
      socket.write(Raw.accepted)
      return posted(request, connections())
    }
    next(socket, index)
  }).pipe(Effect.tap((server) => Effect.sync(() => (connections = server.connections))))
}

/** The first post the server receives, with how many connections it had then. */
const firstPost = () => Deferred.make<{ readonly request: Received; readonly connections: number }>()

describe("Effect 4: the Runtime API client's HTTP/1.1", () => {
  it.live("reads answers split anywhere: inside the head, the headers' end and the body", () =>
    Effect.scoped(Effect.gen(function*() {
      const post = yield* firstPost()
      const bytes = Buffer.from(Raw.splitBody)
      const server = yield* api(
        (request, connections) => Deferred.doneUnsafe(post, Exit.succeed({ request, connections })),
        (socket, index) => {
          if (index === 0) {
            Raw.writeApart(
              socket,
              Raw.splitAnywhere(Raw.invocationHead("split-1", `Content-Length: ${bytes.length}\r\n\r\n`), bytes)
            )
          }
        }
      )
      yield* serving(server.host)
      const { request } = yield* Deferred.await(post)
      expect(requestLine(request)).toBe("POST /2018-06-01/runtime/invocation/split-1/response HTTP/1.1")
      expect(request.body.toString()).toBe(Raw.splitBody)
    })))

  it.live("reads chunked answers, with chunk sizes in hex, extensions and trailers", () =>
    Effect.scoped(Effect.gen(function*() {
      const post = yield* firstPost()
      const server = yield* api(
        (request, connections) => Deferred.doneUnsafe(post, Exit.succeed({ request, connections })),
        (socket, index) => {
          if (index === 0) Raw.writeApart(socket, Raw.chunkedParts("chunked-1"))
        }
      )
      yield* serving(server.host)
      const { request } = yield* Deferred.await(post)
      expect(requestLine(request)).toBe("POST /2018-06-01/runtime/invocation/chunked-1/response HTTP/1.1")
      expect(request.body.toString()).toBe(Raw.chunkedBody)
    })))

  it.live("reads a body that ends with the connection, then opens a new connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const post = yield* firstPost()
      const server = yield* api(
        (request, connections) => Deferred.doneUnsafe(post, Exit.succeed({ request, connections })),
        (socket, index) => {
          if (index === 0) socket.end(Raw.invocationHead("close-1", "Connection: close\r\n\r\n") + `{"n":1}`)
        }
      )
      yield* serving(server.host)
      const { connections, request } = yield* Deferred.await(post)
      expect(request.body.toString()).toBe(`{"n":1}`)
      expect(connections).toBe(2)
    })))

  it.live("keeps one connection across exchanges and sends exact request bytes", () =>
    Effect.scoped(Effect.gen(function*() {
      const posts: Array<Received> = []
      const third = yield* firstPost()
      const server = yield* api(
        (request, connections) => {
          posts.push(request)
          if (posts.length === 3) Deferred.doneUnsafe(third, Exit.succeed({ request, connections }))
        },
        (socket, index) => {
          if (index < 6) socket.write(Raw.invocationHead(`keep-${index}`, "Content-Length: 2\r\n\r\n{}"))
        }
      )
      // "é" as a string twice, then as its two UTF-8 bytes.
      let served = 0
      yield* serving(
        server.host,
        LambdaHandler.raw(() =>
          Effect.sync(() =>
            LambdaHandler.buffered(++served === 3 ? new Uint8Array([0xc3, 0xa9]) : "é", "text/plain; charset=utf-8")
          )
        )
      )
      expect((yield* Deferred.await(third)).connections).toBe(1)
      expect(posts.map(Raw.postSummary)).toEqual(Raw.keptAlivePosts)
    })))

  it.live("reads a 6 MB event arriving in many pieces", () =>
    Effect.scoped(Effect.gen(function*() {
      const post = yield* firstPost()
      const event = Buffer.alloc(6 * 1024 * 1024, "a")
      const server = yield* api(
        (request, connections) => Deferred.doneUnsafe(post, Exit.succeed({ request, connections })),
        (socket, index) => {
          if (index !== 0) return
          socket.write(Raw.invocationHead("big-1", `Content-Length: ${event.length}\r\n\r\n`))
          socket.write(event)
        }
      )
      yield* serving(
        server.host,
        LambdaHandler.raw((invocation) =>
          Effect.succeed(LambdaHandler.buffered(
            JSON.stringify({ length: invocation.body.byteLength, same: Buffer.from(invocation.body).equals(event) }),
            "application/json"
          ))
        )
      )
      const { request } = yield* Deferred.await(post)
      expect(JSON.parse(request.body.toString())).toEqual({ length: event.length, same: true })
    })))

  it.live("fails with a transport error when the connection drops mid-body, and recovers on a new one", () =>
    Effect.scoped(Effect.gen(function*() {
      const post = yield* firstPost()
      const server = yield* api(
        (request, connections) => Deferred.doneUnsafe(post, Exit.succeed({ request, connections })),
        (socket, index) => {
          if (index === 0) socket.end(Raw.invocationHead("cut-1", "Content-Length: 100\r\n\r\n") + `{"partial`)
          else if (index === 1) socket.write(Raw.invocationHead("cut-2", "Content-Length: 2\r\n\r\n{}"))
        }
      )
      const { lines } = yield* serving(server.host)
      const { connections, request } = yield* Deferred.await(post)
      expect(requestLine(request)).toBe("POST /2018-06-01/runtime/invocation/cut-2/response HTTP/1.1")
      expect(connections).toBe(2)
      const warnings = linesAt(lines, "WARN")
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(
        /Runtime API next failed: Transport: .*closed before the answer was complete.*retrying/
      )
    })))

  it.live("fails with a transport error on an answer that is not HTTP/1.x or has a bad length", () =>
    Effect.scoped(Effect.gen(function*() {
      const post = yield* firstPost()
      const server = yield* api(
        (request, connections) => Deferred.doneUnsafe(post, Exit.succeed({ request, connections })),
        (socket, index) => {
          if (index === 0) socket.write("SSH-2.0-OpenSSH\r\n\r\n")
          else if (index === 1) socket.write("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n")
          else if (index === 2) socket.write(Raw.invocationHead("after-2", "Content-Length: 2\r\n\r\n{}"))
        }
      )
      const { lines } = yield* serving(server.host)
      const { connections, request } = yield* Deferred.await(post)
      expect(requestLine(request)).toBe("POST /2018-06-01/runtime/invocation/after-2/response HTTP/1.1")
      // Each bad answer's connection was dropped: the third /next and the post went on a third one.
      expect(connections).toBe(3)
      const warnings = linesAt(lines, "WARN")
      expect(warnings).toHaveLength(2)
      expect(warnings[0]).toContain("not an HTTP/1.x answer")
      expect(warnings[1]).toContain(`bad content-length: "-4"`)
    })))

  it.live("an interrupted /next is abandoned: the next call drops its connection and opens a new one", () =>
    Effect.scoped(Effect.gen(function*() {
      const poll = Raw.parkedFirstPoll(Raw.afterInterrupt)
      const server = yield* rawServer(poll.answer)
      // This line's client: its calls are its own Effect.callback, with no canceler.
      const client = yield* RuntimeApiClient.make(server.host)
      const pending = yield* Effect.forkChild(client.next)
      yield* Effect.promise(() => poll.received)
      yield* Fiber.interrupt(pending)
      expect(Exit.hasInterrupts(yield* Fiber.await(pending))).toBe(true)
      expect((yield* client.next).requestId).toBe("after-interrupt")
      yield* Effect.promise(() => poll.closed)
      expect(server.connections()).toBe(2)
    })))

  it.live("closing the client's scope closes a pending long poll's connection", () =>
    Effect.scoped(Effect.gen(function*() {
      const poll = Raw.parkedFirstPoll()
      const server = yield* rawServer(poll.answer)
      // The loop, waiting in its first /next, is stopped with the scope its client lives in.
      const scope = yield* Scope.make()
      yield* serving(server.host).pipe(Scope.provide(scope))
      yield* Effect.promise(() => poll.received)
      yield* Scope.close(scope, Exit.void)
      yield* Effect.promise(() => poll.closed)
    })))
})
