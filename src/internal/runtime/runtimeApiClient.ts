import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as http from "node:http"
import type * as net from "node:net"
import { RuntimeApiError } from "../../LambdaError.js"
import type { BufferedResponse, Invocation, RuntimeApiService } from "../../RuntimeApi.js"
import type { ErrorDocument } from "../core/protocol.js"
import { contentTypes, headers as H, headerValue, paths } from "../core/protocol.js"
import { xrayErrorCause } from "../core/xrayErrorCause.js"
import * as Http1 from "../core/http1.js"
import type { Answer } from "../core/http1.js"
import * as ResponseStream from "./responseStream.js"
import { VERSION } from "../core/version.js"

type Operation = RuntimeApiError["operation"]

const USER_AGENT = `effect-lambda-runtime/${VERSION}`

/** Splits `host:port` (or `[v6]:port`) from `AWS_LAMBDA_RUNTIME_API`. */
export const parseEndpoint = (endpoint: string): { readonly host: string; readonly port: number } => {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint.trim())
  return match === null ? { host: endpoint, port: 80 } : { host: match[1]!, port: Number(match[2]) }
}

const platformErrorType = (body: Buffer): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"))
    if (typeof parsed === "object" && parsed !== null && "errorType" in parsed) {
      return typeof parsed.errorType === "string" ? parsed.errorType : undefined
    }
  } catch {
    // not JSON: the status alone must do
  }
  return undefined
}

/**
 * One HTTP exchange as an Effect: an answer with the `accepted` status goes to `onAccepted` (in
 * the same step, which saves the loop a step per call), any other status is a `Status` error.
 * No timeout is set: `/next` may block for as long as the platform keeps the environment frozen.
 *
 * No canceler either: an interrupted fiber leaves its async step at once without one, and a
 * canceler costs an interruption handler (five more steps) on every call. The abandoned
 * exchange's socket is dropped by the connection's next exchange or when the client's scope
 * closes (shutdown).
 */
const exchange = <A>(
  connection: Http1.Connection,
  operation: Operation,
  accepted: number,
  onAccepted: (answer: Answer) => Effect.Effect<A, RuntimeApiError>,
  method: "GET" | "POST",
  path: string,
  requestHeaders: Readonly<Record<string, string | number>>,
  body?: Uint8Array | string
): Effect.Effect<A, RuntimeApiError> =>
  Effect.async<A, RuntimeApiError>((resume) => {
    connection.exchange(method, path, requestHeaders, body, (cause, answer) =>
      resume(
        cause !== undefined
          ? Effect.fail(new RuntimeApiError({ operation, reason: "Transport", detail: cause.message, cause }))
          : answer!.status === accepted
          ? onAccepted(answer!)
          : Effect.fail(statusError(operation, answer!.status, answer!.body))
      ))
  })

const statusError = (operation: Operation, status: number, body: Buffer) =>
  new RuntimeApiError({
    operation,
    reason: "Status",
    status,
    ...optionalErrorType(platformErrorType(body)),
    detail: body.toString("utf8").slice(0, 500)
  })

/** For calls whose answer carries nothing beyond its status. */
const answered = () => Effect.void

const optionalErrorType = (errorType: string | undefined): { platformErrorType?: string } =>
  errorType === undefined ? {} : { platformErrorType: errorType }

const toInvocation = (answer: Answer): Effect.Effect<Invocation, RuntimeApiError> => {
  const requestId = answer.headers[H.requestId]
  if (requestId === undefined || requestId.length === 0) {
    return Effect.fail(
      new RuntimeApiError({
        operation: "next",
        reason: "MalformedInvocation",
        status: answer.status,
        detail: `the invocation has no ${H.requestId} header`
      })
    )
  }
  const deadline = answer.headers[H.deadlineMs]
  return Effect.succeed({
    requestId,
    deadlineMs: deadline === undefined || deadline.length === 0 ? NaN : Number(deadline),
    functionArn: answer.headers[H.functionArn] ?? "",
    traceId: answer.headers[H.traceId],
    clientContext: answer.headers[H.clientContext],
    cognitoIdentity: answer.headers[H.cognitoIdentity],
    tenantId: answer.headers[H.tenantId],
    contentType: answer.headers[H.contentType],
    body: answer.body
  })
}

const errorRequestHeaders = (error: ErrorDocument) => ({
  "user-agent": USER_AGENT,
  "content-type": contentTypes.json,
  [H.functionErrorType]: headerValue(error.errorType),
  [H.xrayErrorCause]: xrayErrorCause(error)
})

/**
 * Loads a network module when the runtime starts (see `make`). Synchronously, and without
 * `import()`: a dynamic import in a bundle breaks under Node 20's code cache (codeCache.ts).
 */
const builtin = <A>(name: "node:net" | "node:http"): Effect.Effect<A> =>
  Effect.sync(() => process.getBuiltinModule(name) as A)

/** @internal */
export const make = (endpoint: string): Effect.Effect<RuntimeApiService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const target = parseEndpoint(endpoint)
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

    const next = exchange(loop, "next", 200, toInvocation, "GET", paths.next, { "user-agent": USER_AGENT })

    const respond = (requestId: string, response: BufferedResponse) =>
      exchange(loop, "response", 202, answered, "POST", paths.response(requestId), {
        "user-agent": USER_AGENT,
        "content-type": headerValue(response.contentType)
      }, response.body)

    const fail = (requestId: string, error: ErrorDocument) =>
      exchange(loop, "error", 202, answered, "POST", paths.error(requestId), errorRequestHeaders(error), JSON.stringify(error))

    const initError = (error: ErrorDocument) =>
      exchange(loop, "initError", 202, answered, "POST", paths.initError, errorRequestHeaders(error), JSON.stringify(error))

    const registerExtension = (name: string) =>
      Effect.gen(function*() {
        // On the loop's connection, which `/next` then reuses: one connect less before the
        // first invocation. The never-answered long poll below needs a connection of its own.
        const answer = yield* exchange(loop, "register", 200, Effect.succeed, "POST", paths.extensionRegister, {
          "user-agent": USER_AGENT,
          "content-type": contentTypes.json,
          [H.extensionName]: name
        }, JSON.stringify({ events: [] }))
        const id = answer.headers[H.extensionIdentifier]
        if (id === undefined) {
          return yield* new RuntimeApiError({
            operation: "register",
            reason: "Status",
            status: answer.status,
            detail: `no ${H.extensionIdentifier} header in the registration answer`
          })
        }
        // With no events subscribed this long poll never answers; it only tells the platform
        // that the extension finished its init. It lives until the scope closes.
        yield* exchange(extension, "extensionNext", 200, answered, "GET", paths.extensionNext, {
          "user-agent": USER_AGENT,
          [H.extensionIdentifier]: id
        }).pipe(Effect.ignore, Effect.forkIn(scope))
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
          path: paths.response(requestId),
          contentType,
          userAgent: USER_AGENT,
          check: (status, body) => status === 202 ? Effect.void : Effect.fail(statusError("response", status, body))
        })
      })

    return { next, respond, streamResponse, fail, initError, registerExtension }
  })
