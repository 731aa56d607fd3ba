/**
 * The Runtime API client as the loop's `RuntimeApiService`: each call of
 * core/runtimeApiRequests.ts (method, path, headers, body, accepted status) sent over a
 * keep-alive connection (core/http1.ts) inside `Effect.async`, its failure data made a
 * `RuntimeApiError`. Streamed responses go through responseStream.ts.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as http from "node:http"
import type * as net from "node:net"
import { RuntimeApiError } from "./errors.js"
import type { BufferedResponse, Invocation, RuntimeApiService } from "../../RuntimeApi.js"
import type { ErrorDocument } from "../core/protocol.js"
import * as Http1 from "../core/http1.js"
import type { Answer } from "../core/http1.js"
import * as Requests from "../core/runtimeApiRequests.js"
import * as ResponseStream from "./responseStream.js"

/**
 * One HTTP exchange as an Effect: an answer with the call's `accepted` status goes to
 * `onAccepted` (in the same step, which saves the loop a step per call), any other status is a
 * `Status` error. No timeout is set: `/next` may block for as long as the platform keeps the
 * environment frozen.
 *
 * No canceler either: an interrupted fiber leaves its async step at once without one, and a
 * canceler costs an interruption handler (five more steps) on every call. The abandoned
 * exchange's socket is dropped by the connection's next exchange or when the client's scope
 * closes (shutdown).
 */
const exchange = <A>(
  connection: Http1.Connection,
  call: Requests.Call,
  onAccepted: (answer: Answer) => Effect.Effect<A, RuntimeApiError>,
  path: string,
  requestHeaders: Requests.Headers,
  body?: Uint8Array | string
): Effect.Effect<A, RuntimeApiError> =>
  Effect.async<A, RuntimeApiError>((resume) => {
    connection.exchange(call.method, path, requestHeaders, body, (cause, answer) =>
      resume(
        cause !== undefined
          ? Effect.fail(new RuntimeApiError(Requests.transportFailure(call.operation, cause)))
          : answer!.status === call.accepted
          ? onAccepted(answer!)
          : Effect.fail(new RuntimeApiError(Requests.statusFailure(call.operation, answer!.status, answer!.body)))
      ))
  })

/** For calls whose answer carries nothing beyond its status. */
const answered = () => Effect.void

const toInvocation = (answer: Answer): Effect.Effect<Invocation, RuntimeApiError> => {
  const invocation = Requests.parseInvocation(answer)
  return invocation !== undefined
    ? Effect.succeed(invocation)
    : Effect.fail(new RuntimeApiError(Requests.malformedInvocation(answer)))
}

/**
 * Loads a network module when the runtime starts (see `make`). Synchronously, and without
 * `import()`: a dynamic import in a bundle breaks under Node 20's code cache (codeCache.ts).
 */
const builtin = <A>(name: "node:net" | "node:http"): Effect.Effect<A> =>
  Effect.sync(() => process.getBuiltinModule(name) as A)

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
    const loop = yield* connection()
    const extension = yield* connection()

    const next = exchange(loop, Requests.next, toInvocation, Requests.next.path, Requests.next.headers)

    const respond = (requestId: string, response: BufferedResponse) =>
      exchange(
        loop,
        Requests.response,
        answered,
        Requests.response.path(requestId),
        Requests.response.headers(response.contentType),
        response.body
      )

    const fail = (requestId: string, error: ErrorDocument) =>
      exchange(
        loop,
        Requests.error,
        answered,
        Requests.error.path(requestId),
        Requests.error.headers(error),
        Requests.error.body(error)
      )

    const initError = (error: ErrorDocument) =>
      exchange(
        loop,
        Requests.initError,
        answered,
        Requests.initError.path,
        Requests.initError.headers(error),
        Requests.initError.body(error)
      )

    const registerExtension = (name: string) =>
      Effect.gen(function*() {
        // On the loop's connection, which `/next` then reuses: one connect less before the
        // first invocation. The never-answered long poll below needs a connection of its own.
        const answer = yield* exchange(
          loop,
          Requests.register,
          Effect.succeed,
          Requests.register.path,
          Requests.register.headers(name),
          Requests.register.body
        )
        const id = Requests.registeredId(answer)
        if (id === undefined) return yield* new RuntimeApiError(Requests.unregistered(answer))
        // With no events subscribed this long poll never answers; it only tells the platform
        // that the extension finished its init. It lives until the scope closes.
        yield* exchange(
          extension,
          Requests.extensionNext,
          answered,
          Requests.extensionNext.path,
          Requests.extensionNext.headers(id)
        )
          .pipe(Effect.ignore, Effect.forkIn(scope))
        return id
      })

    // Streamed responses go through `node:http` (chunked body, trailers, backpressure), loaded
    // with its agent at the first stream only: buffered-only functions never pay for it.
    let streamAgent: { readonly http: typeof http; readonly agent: http.Agent } | undefined
    yield* Effect.addFinalizer(() => Effect.sync(() => streamAgent?.agent.destroy()))
    const streamResponse = (requestId: string, contentType: string) =>
      Effect.gen(function*() {
        if (streamAgent === undefined) {
          const module = yield* builtin<typeof http>("node:http")
          streamAgent = { http: module, agent: new module.Agent({ keepAlive: true, maxSockets: 1 }) }
        }
        return ResponseStream.open({
          request: streamAgent.http.request,
          agent: streamAgent.agent,
          host: target.host,
          port: target.port,
          requestId,
          contentType
        })
      })

    return { next, respond, streamResponse, fail, initError, registerExtension }
  })
