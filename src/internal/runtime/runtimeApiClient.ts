/**
 * The Runtime API client as the loop's `RuntimeApiService`: each call of
 * core/runtimeApiCalls.ts (the request table on keep-alive connections) inside `Effect.async`,
 * its failure data made a `RuntimeApiError`. Streamed responses go through responseStream.ts.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as net from "node:net"
import { RuntimeApiError } from "./errors.js"
import type { BufferedResponse, RuntimeApiService } from "../../RuntimeApi.js"
import type { ErrorDocument } from "../core/protocol.js"
import * as Http1 from "../core/http1.js"
import * as Calls from "../core/runtimeApiCalls.js"
import * as ResponseStreamCore from "../core/responseStream.js"
import * as Requests from "../core/runtimeApiRequests.js"
import * as ResponseStream from "./responseStream.js"
import { resumeNow } from "./scheduler.js"

/**
 * One call of core/runtimeApiCalls.ts as an Effect: its failure a `RuntimeApiError`. No timeout
 * is set: `/next` may block for as long as the platform keeps the environment frozen.
 *
 * No canceler either: an interrupted fiber leaves its async step at once without one, and a
 * canceler costs an interruption handler (five more steps) on every call. The abandoned
 * exchange's socket is dropped by the connection's next exchange or when the client's scope
 * closes (shutdown).
 */
const call = <A>(send: (done: Calls.Done<A>) => void): Effect.Effect<A, RuntimeApiError> =>
  Effect.async<A, RuntimeApiError>((resume) => {
    // Called from the socket's callback: the fiber runs on at once (scheduler.ts).
    send((failure, value) =>
      resumeNow(() => resume(failure === undefined ? Effect.succeed(value) : Effect.fail(new RuntimeApiError(failure))))
    )
  })

/**
 * How long the extension registration may take (init.ts `REGISTRATION_TIMEOUT`). On Lambda it is
 * answered in milliseconds by the same host; a platform that never answers must not block init
 * for good (init has 10 s), and 1 s is a small part of that.
 *
 * @internal
 */
export const REGISTRATION_TIMEOUT_MS = 1000

/**
 * The registration, given up after {@link REGISTRATION_TIMEOUT_MS} on a plain Node timer:
 * `Effect.timeoutFail` races two fibers, which cost a cold start about 2.5 ms of CPU and 45 page
 * faults (stage marks in a built drop-in, Node 22). A call given up is abandoned (the loop
 * connection's next exchange drops it).
 */
const registerWithin = (send: (done: Calls.Done<string>) => void): Effect.Effect<string, RuntimeApiError> =>
  Effect.async<string, RuntimeApiError>((resume) => {
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      resume(Effect.fail(
        new RuntimeApiError({
          operation: "register",
          reason: "Transport",
          detail: `the extension registration was not answered within ${
            Duration.format(Duration.millis(REGISTRATION_TIMEOUT_MS))
          }`
        })
      ))
    }, REGISTRATION_TIMEOUT_MS)
    send((failure, value) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(failure === undefined ? Effect.succeed(value) : Effect.fail(new RuntimeApiError(failure)))
    })
    return Effect.sync(() => clearTimeout(timer))
  })

/**
 * Loads a network module when the runtime starts (see `make`). Synchronously, and without
 * `import()`: a dynamic import in a bundle breaks under Node 20's code cache (codeCache.ts).
 */
const builtin = <A>(name: "node:net"): Effect.Effect<A> => Effect.sync(() => process.getBuiltinModule(name) as A)

/** @internal */
export const make = (endpoint: string): Effect.Effect<RuntimeApiService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const target = Requests.parseEndpoint(endpoint)
    const scope = yield* Effect.scope
    // Loaded when the runtime starts, not when the bundle is evaluated (code that only imports
    // the package never opens a socket); `process.getBuiltinModule` (Node >= 20.16) loads it
    // synchronously.
    const { connect } = yield* builtin<typeof net>("node:net")
    const connection = (): Effect.Effect<Http1.Connection, never, Scope.Scope> =>
      Effect.acquireRelease(
        Effect.sync(() => Http1.make(connect, target.host, target.port)),
        (connection) => Effect.sync(connection.close)
      )
    // One connection for the sequential loop, as the reference client does; the extension's
    // long poll has its own so that it never blocks the loop.
    const calls = Calls.make(yield* connection(), yield* connection())

    const next = call(calls.next)
    const respond = (requestId: string, response: BufferedResponse) =>
      call<void>((done) => calls.respond(requestId, response.body, response.contentType, done))
    const fail = (requestId: string, error: ErrorDocument) => call<void>((done) => calls.fail(requestId, error, done))
    const initError = (error: ErrorDocument) => call<void>((done) => calls.initError(error, done))
    const registerExtension = (name: string) =>
      Effect.tap(registerWithin((done) => calls.register(name, done)), (id) =>
        // With no events subscribed this long poll never answers; it only tells the platform that
        // the extension finished its init. It lives until the scope closes.
        call<void>((done) => calls.extensionNext(id, done)).pipe(Effect.ignore, Effect.forkIn(scope)))

    // Streamed responses go through `node:http` (chunked body, trailers, backpressure), loaded
    // with its agent at the first stream only: buffered-only functions never pay for it.
    const streams = ResponseStreamCore.makeClient(target.host, target.port)
    yield* Effect.addFinalizer(() => Effect.sync(streams.close))
    const streamResponse = (requestId: string, contentType: string) =>
      Effect.sync(() => ResponseStream.wrap(streams.open(requestId, contentType)))

    return { next, respond, streamResponse, fail, initError, registerExtension }
  })
