/**
 * The Runtime API client of the Effect 4 line: each call of the shared request table
 * (core `runtimeApiRequests`) sent over one keep-alive connection (core `http1`) inside
 * `Effect.callback`, its failure a `RuntimeApiError`. The same wire as the Effect 3 line's client;
 * only the Effect around it differs.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type * as net from "node:net"
import { Http1, Requests } from "./core.js"
import type { Protocol } from "./core.js"

/**
 * A Runtime API call that failed: it could not connect, or the platform answered another status.
 *
 * @internal
 */
export class RuntimeApiError extends Data.TaggedError("RuntimeApiError")<Requests.Failure> {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`
    return `Runtime API ${this.operation} failed: ${this.reason}${status}: ${this.detail}`
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

const exchange = <A>(
  connection: Http1.Connection,
  call: Requests.Call,
  onAccepted: (answer: Http1.Answer) => Effect.Effect<A, RuntimeApiError>,
  path: string,
  headers: Requests.Headers,
  body?: string
): Effect.Effect<A, RuntimeApiError> =>
  Effect.callback<A, RuntimeApiError>((resume) => {
    connection.exchange(call.method, path, headers, body, (cause, answer) =>
      resume(
        cause !== undefined
          ? Effect.fail(new RuntimeApiError(Requests.transportFailure(call.operation, cause)))
          : answer!.status === call.accepted
          ? onAccepted(answer!)
          : Effect.fail(new RuntimeApiError(Requests.statusFailure(call.operation, answer!.status, answer!.body)))
      ))
  })

const toInvocation = (answer: Http1.Answer): Effect.Effect<Requests.Invocation, RuntimeApiError> => {
  const invocation = Requests.parseInvocation(answer)
  return invocation !== undefined
    ? Effect.succeed(invocation)
    : Effect.fail(new RuntimeApiError(Requests.malformedInvocation(answer)))
}

const answered = () => Effect.void

/**
 * A client of the Runtime API at `endpoint` (`host:port`); its connection closes with the scope.
 *
 * @internal
 */
export const make = (endpoint: string): Effect.Effect<RuntimeApiClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const target = Requests.parseEndpoint(endpoint)
    const { connect } = process.getBuiltinModule("node:net") as typeof net
    const scope = yield* Scope.Scope
    const connect1 = Effect.acquireRelease(
      Effect.sync(() => Http1.make(connect, target.host, target.port)),
      (connection) => Effect.sync(connection.close)
    )
    // One connection for the loop; the extension's long poll has its own, so that it never blocks the loop.
    const connection = yield* connect1
    const extension = yield* connect1
    return {
      next: exchange(connection, Requests.next, toInvocation, Requests.next.path, Requests.next.headers),
      respond: (requestId, body, contentType) =>
        exchange(
          connection,
          Requests.response,
          answered,
          Requests.response.path(requestId),
          Requests.response.headers(contentType),
          body
        ),
      fail: (requestId, error) =>
        exchange(
          connection,
          Requests.error,
          answered,
          Requests.error.path(requestId),
          Requests.error.headers(error),
          Requests.error.body(error)
        ),
      initError: (error) =>
        exchange(
          connection,
          Requests.initError,
          answered,
          Requests.initError.path,
          Requests.initError.headers(error),
          Requests.initError.body(error)
        ),
      registerExtension: (name) =>
        Effect.gen(function*() {
          const answer = yield* exchange(
            connection,
            Requests.register,
            Effect.succeed,
            Requests.register.path,
            Requests.register.headers(name),
            Requests.register.body
          )
          const id = Requests.registeredId(answer)
          if (id === undefined) return yield* new RuntimeApiError(Requests.unregistered(answer))
          // With no events subscribed this poll is never answered: it only tells the platform that
          // the extension finished its init. It lives until the client's scope closes.
          yield* exchange(
            extension,
            Requests.extensionNext,
            answered,
            Requests.extensionNext.path,
            Requests.extensionNext.headers(id)
          ).pipe(Effect.ignore, Effect.forkIn(scope))
          return id
        })
    }
  })
