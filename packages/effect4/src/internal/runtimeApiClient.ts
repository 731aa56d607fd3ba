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
import type * as Scope from "effect/Scope"
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
    const connection = yield* Effect.acquireRelease(
      Effect.sync(() => Http1.make(connect, target.host, target.port)),
      (connection) => Effect.sync(connection.close)
    )
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
        )
    }
  })
