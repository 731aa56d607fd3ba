import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as http from "node:http"
import { RuntimeApiError } from "../LambdaError.js"
import type { BufferedResponse, Invocation, RuntimeApiService } from "../RuntimeApi.js"
import type { ErrorDocument } from "./protocol.js"
import { contentTypes, headers as H, headerValue, paths } from "./protocol.js"
import * as ResponseStream from "./responseStream.js"

type Operation = RuntimeApiError["operation"]

interface Answer {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

const USER_AGENT = "effect-lambda-runtime/0.1"

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

const header = (value: string | Array<string> | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value

/**
 * One HTTP exchange as an interruptible Effect. Interruption destroys the request, which is
 * how shutdown cancels a pending `/next` long poll. No timeout is set: `/next` may block for
 * as long as the platform keeps the environment frozen.
 */
const exchangeWith = (request: typeof http.request) =>
(
  agent: http.Agent,
  target: { readonly host: string; readonly port: number },
  operation: Operation,
  method: "GET" | "POST",
  path: string,
  requestHeaders: http.OutgoingHttpHeaders,
  body?: Uint8Array | string
): Effect.Effect<Answer, RuntimeApiError> =>
  Effect.async<Answer, RuntimeApiError>((resume) => {
    const req = request({ host: target.host, port: target.port, method, path, agent, headers: requestHeaders })
    req.on("response", (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        resume(Effect.succeed({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
        }))
      })
      res.on("error", (cause) =>
        resume(Effect.fail(
          new RuntimeApiError({ operation, reason: "Transport", detail: `response aborted: ${cause.message}`, cause })
        )))
    })
    req.on("error", (cause) =>
      resume(Effect.fail(new RuntimeApiError({ operation, reason: "Transport", detail: cause.message, cause }))))
    req.end(body)
    return Effect.sync(() => req.destroy())
  })

const expectStatus = (operation: Operation, accepted: number) => (answer: Answer): Effect.Effect<Answer, RuntimeApiError> =>
  answer.status === accepted
    ? Effect.succeed(answer)
    : Effect.fail(
      new RuntimeApiError({
        operation,
        reason: "Status",
        status: answer.status,
        ...optionalErrorType(platformErrorType(answer.body)),
        detail: answer.body.toString("utf8").slice(0, 500)
      })
    )

const optionalErrorType = (errorType: string | undefined): { platformErrorType?: string } =>
  errorType === undefined ? {} : { platformErrorType: errorType }

const toInvocation = (answer: Answer): Effect.Effect<Invocation, RuntimeApiError> => {
  const requestId = header(answer.headers[H.requestId])
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
  const deadline = header(answer.headers[H.deadlineMs])
  return Effect.succeed({
    requestId,
    deadlineMs: deadline === undefined || deadline.length === 0 ? NaN : Number(deadline),
    functionArn: header(answer.headers[H.functionArn]) ?? "",
    traceId: header(answer.headers[H.traceId]),
    clientContext: header(answer.headers[H.clientContext]),
    cognitoIdentity: header(answer.headers[H.cognitoIdentity]),
    tenantId: header(answer.headers[H.tenantId]),
    contentType: header(answer.headers[H.contentType]),
    body: answer.body
  })
}

const errorRequestHeaders = (error: ErrorDocument, body: string): http.OutgoingHttpHeaders => ({
  "user-agent": USER_AGENT,
  "content-type": contentTypes.json,
  "content-length": Buffer.byteLength(body),
  // Header values must be single-line latin1; the body carries the exact text.
  [H.functionErrorType]: headerValue(error.errorType)
})

/** @internal */
export const make = (endpoint: string): Effect.Effect<RuntimeApiService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const target = parseEndpoint(endpoint)
    const scope = yield* Effect.scope
    // Loaded when the runtime starts, not when the bundle is evaluated: Node refuses `node:http`
    // while it builds a V8 startup snapshot, and the snapshot holds everything evaluated before.
    // `process.getBuiltinModule` (Node >= 20.16) also works in a process started from a
    // snapshot, where dynamic `import()` is unavailable.
    const http = typeof process.getBuiltinModule === "function"
      ? process.getBuiltinModule("node:http")
      : yield* Effect.promise(() => import("node:http"))
    const exchange = exchangeWith(http.request)
    // One socket for the sequential loop, as the reference client does; the extension's long
    // poll gets its own agent so that it never blocks the loop.
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new http.Agent({ keepAlive: true, maxSockets: 1 })),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const extensionAgent = yield* Effect.acquireRelease(
      Effect.sync(() => new http.Agent({ keepAlive: false })),
      (agent) => Effect.sync(() => agent.destroy())
    )

    const next = exchange(agent, target, "next", "GET", paths.next, { "user-agent": USER_AGENT }).pipe(
      Effect.flatMap(expectStatus("next", 200)),
      Effect.flatMap(toInvocation)
    )

    const respond = (requestId: string, response: BufferedResponse) =>
      exchange(agent, target, "response", "POST", paths.response(requestId), {
        "user-agent": USER_AGENT,
        "content-type": response.contentType,
        "content-length": typeof response.body === "string" ? Buffer.byteLength(response.body) : response.body.byteLength
      }, response.body).pipe(Effect.flatMap(expectStatus("response", 202)), Effect.asVoid)

    const fail = (requestId: string, error: ErrorDocument) => {
      const body = JSON.stringify(error)
      return exchange(agent, target, "error", "POST", paths.error(requestId), errorRequestHeaders(error, body), body)
        .pipe(Effect.flatMap(expectStatus("error", 202)), Effect.asVoid)
    }

    const initError = (error: ErrorDocument) => {
      const body = JSON.stringify(error)
      return exchange(agent, target, "initError", "POST", paths.initError, errorRequestHeaders(error, body), body)
        .pipe(Effect.flatMap(expectStatus("initError", 202)), Effect.asVoid)
    }

    const registerExtension = (name: string) =>
      Effect.gen(function*() {
        const body = JSON.stringify({ events: [] })
        const answer = yield* exchange(extensionAgent, target, "register", "POST", paths.extensionRegister, {
          "user-agent": USER_AGENT,
          "content-type": contentTypes.json,
          "content-length": Buffer.byteLength(body),
          [H.extensionName]: name
        }, body).pipe(Effect.flatMap(expectStatus("register", 200)))
        const id = header(answer.headers[H.extensionIdentifier])
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
        yield* exchange(extensionAgent, target, "extensionNext", "GET", paths.extensionNext, {
          "user-agent": USER_AGENT,
          [H.extensionIdentifier]: id
        }).pipe(Effect.ignore, Effect.forkIn(scope))
        return id
      })

    const streamResponse = (requestId: string, contentType: string) =>
      Effect.sync(() =>
        ResponseStream.open({
          request: http.request,
          agent,
          host: target.host,
          port: target.port,
          path: paths.response(requestId),
          contentType,
          userAgent: USER_AGENT,
          check: (status, body) => Effect.asVoid(expectStatus("response", 202)({ status, headers: {}, body }))
        })
      )

    return { next, respond, streamResponse, fail, initError, registerExtension }
  })
