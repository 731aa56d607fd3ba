/**
 * The Runtime API client of the Effect 4 line: each call of the shared core's call table
 * (core `runtimeApiCalls`: the request table on keep-alive connections) inside `Effect.callback`,
 * its failure a `RuntimeApiError`. The Effect 3 line wraps the same calls in its own Effect.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type * as net from "node:net"
import { Calls, Http1, Requests } from "./core.js"
import type { Protocol } from "./core.js"

/**
 * A Runtime API call that failed: it could not connect, or the platform answered another status.
 *
 * @internal
 */
export class RuntimeApiError extends Data.TaggedError("RuntimeApiError")<Requests.Failure> {
  override get message(): string {
    return Requests.failureMessage(this)
  }
}

/**
 * What the loop asks of the Runtime API.
 *
 * @internal
 */
export interface RuntimeApiClient {
  readonly next: Effect.Effect<Requests.Invocation, RuntimeApiError>
  readonly respond: (requestId: string, body: string, contentType: string) => Effect.Effect<void, RuntimeApiError>
  readonly fail: (requestId: string, error: Protocol.ErrorDocument) => Effect.Effect<void, RuntimeApiError>
  readonly initError: (error: Protocol.ErrorDocument) => Effect.Effect<void, RuntimeApiError>
  /**
   * Registers an internal extension named `name` (with no events: Lambda then sends the process
   * SIGTERM before it shuts the environment down) and parks its long poll, which ends with the
   * client's scope. Succeeds with the extension's id.
   */
  readonly registerExtension: (name: string) => Effect.Effect<string, RuntimeApiError>
}

/** One call of the shared core's call table as an Effect: its failure a `RuntimeApiError`. */
const call = <A>(send: (done: Calls.Done<A>) => void): Effect.Effect<A, RuntimeApiError> =>
  Effect.callback<A, RuntimeApiError>((resume) => {
    send((failure, value) =>
      resume(failure === undefined ? Effect.succeed(value) : Effect.fail(new RuntimeApiError(failure)))
    )
  })

/**
 * A client of the Runtime API at `endpoint` (`host:port`); its connections close with the scope.
 *
 * @internal
 */
export const make = (endpoint: string): Effect.Effect<RuntimeApiClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const target = Requests.parseEndpoint(endpoint)
    const { connect } = process.getBuiltinModule("node:net") as typeof net
    const scope = yield* Scope.Scope
    const connection = Effect.acquireRelease(
      Effect.sync(() => Http1.make(connect, target.host, target.port)),
      (connection) => Effect.sync(connection.close)
    )
    // One connection for the loop; the extension's long poll has its own, so that it never blocks the loop.
    const calls = Calls.make(yield* connection, yield* connection)
    return {
      next: call(calls.next),
      respond: (requestId, body, contentType) =>
        call<void>((done) => calls.respond(requestId, body, contentType, done)),
      fail: (requestId, error) => call<void>((done) => calls.fail(requestId, error, done)),
      initError: (error) => call<void>((done) => calls.initError(error, done)),
      registerExtension: (name) =>
        Effect.tap(call<string>((done) => calls.register(name, done)), (id) =>
          // With no events subscribed this poll is never answered: it only tells the platform that
          // the extension finished its init. It lives until the client's scope closes.
          call<void>((done) => calls.extensionNext(id, done)).pipe(Effect.ignore, Effect.forkIn(scope)))
    }
  })
