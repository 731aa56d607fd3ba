/**
 * The emulator, on `node:http` directly rather than HttpRouter/NodeHttpServer: it parks long polls
 * for arbitrary times, reads chunked bodies with trailers, answers a request before or after its
 * body was read, and takes timestamps at the exact socket events.
 *
 * State is one plain object, mutated only by `node:http` callbacks and `Effect.sync` blocks on the
 * single JavaScript thread (never across an `await`); waiting is done with Deferreds and
 * `Effect.async`.
 *
 * @internal
 */
import { Deferred, Effect, Exit, FiberId, Option } from "effect"
import type { Scope } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type * as Api from "../Emulator.js"
import * as P from "./protocol.js"

const now = () => performance.timeOrigin + performance.now()

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

interface Invocation {
  readonly record: Mutable<Api.InvocationRecord> & { readonly posts: Array<Api.RecordedPost> }
  readonly options: Api.InvokeOptions
  readonly done: Deferred.Deferred<Api.InvocationRecord>
  readonly listeners: Array<(record: Api.InvocationRecord) => void>
  /** `receiving`: a result POST was accepted and its body is being read. */
  result: "none" | "receiving" | "done"
  timer: ReturnType<typeof setTimeout> | undefined
  /** The invoke endpoint's caller, when the invocation came through it. */
  caller: Caller | undefined
  /** The streamed `/response` whose body is being read (so that the deadline can cut it). */
  receiving: { readonly req: http.IncomingMessage; readonly res: http.ServerResponse } | undefined
  readonly progress: { bytes: number; chunks: number }
  firstByteWaiters: Array<(at: number) => void>
}

/** The invoke endpoint's caller of one invocation. */
interface Caller {
  readonly res: http.ServerResponse
  /** The status line and headers went out: the body is being streamed live. */
  live: boolean
  /** HTTP integration bytes collected until the prelude's delimiter has arrived. */
  pending: Buffer | undefined
  /** The prelude was malformed: the caller gets the buffered answer at the end instead. */
  buffered: boolean
}

const INVOKE_TRAILERS = "X-Amz-Function-Error, Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"

/**
 * Splits an HTTP integration body the way a Function URL does: the JSON prelude runs to the
 * first NUL, which must start the eight-NUL delimiter; the body follows it.
 */
export const decodeHttpIntegration = (body: Buffer): Api.HttpIntegrationResponse => {
  const invalid = (reason: string): Api.HttpIntegrationResponse => ({ _tag: "Invalid", reason })
  const at = body.indexOf(0)
  const end = at + P.HTTP_PRELUDE_DELIMITER_LENGTH
  if (at < 0 || body.length < end) return invalid("no eight-NUL delimiter after the prelude")
  for (let i = at; i < end; i++) if (body[i] !== 0) return invalid("the delimiter is not eight NUL bytes")
  let prelude: unknown
  try {
    prelude = JSON.parse(body.subarray(0, at).toString("utf8"))
  } catch {
    return invalid("the prelude is not JSON")
  }
  if (typeof prelude !== "object" || prelude === null || Array.isArray(prelude)) {
    return invalid("the prelude is not a JSON object")
  }
  const fields = prelude as { statusCode?: unknown; headers?: unknown; cookies?: unknown }
  const headers: Record<string, string> = {}
  if (typeof fields.headers === "object" && fields.headers !== null) {
    for (const [name, value] of Object.entries(fields.headers)) if (typeof value === "string") headers[name] = value
  }
  return {
    _tag: "Decoded",
    statusCode: typeof fields.statusCode === "number" ? fields.statusCode : 200,
    headers,
    cookies: Array.isArray(fields.cookies) ? fields.cookies.filter((c): c is string => typeof c === "string") : [],
    body: body.subarray(end)
  }
}

/** The error a caller of a live stream learns from the trailers, by outcome. */
const callerError = (outcome: Api.InvocationOutcome): { readonly errorType: string; readonly body: string } | undefined => {
  switch (outcome._tag) {
    case "Response":
      return undefined
    case "Error":
      return {
        errorType: outcome.errorTypeHeader ?? "Unhandled",
        body: outcome.text !== "" ? outcome.text : JSON.stringify(outcome.document)
      }
    case "Timeout":
      return { errorType: "Sandbox.Timedout", body: JSON.stringify({ errorMessage: outcome.message, errorType: "Sandbox.Timedout" }) }
    case "TooLarge":
      return { errorType: P.platformErrorTypes.responseSizeTooLarge, body: JSON.stringify({ size: outcome.size }) }
    case "InitError":
      return { errorType: P.errorTypes.initError, body: outcome.error.text }
    case "ExitError":
      return {
        errorType: P.platformErrorTypes.exitError,
        body: JSON.stringify({ errorMessage: outcome.message, errorType: P.platformErrorTypes.exitError })
      }
  }
}

const snapshot = (invocation: Invocation): Api.InvocationRecord => ({
  ...invocation.record,
  posts: [...invocation.record.posts]
})

const encodeEvent = (event: unknown): Uint8Array =>
  typeof event === "string"
    ? Buffer.from(event)
    : event instanceof Uint8Array
    ? event
    : Buffer.from(JSON.stringify(event) ?? "null")

const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(", ") : value
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const decodeBase64 = (text: string): string | undefined =>
  BASE64.test(text) ? Buffer.from(text, "base64").toString("utf8") : undefined

const parseDocument = (text: string, errorType: string | undefined): unknown => {
  if (text.trim() === "") return { errorType: errorType ?? "", errorMessage: "" }
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const send = (
  res: http.ServerResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> = { [P.headers.contentType]: P.contentTypes.json }
) => {
  if (res.destroyed || res.headersSent) return
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) })
  res.end(body)
}

const apiError = (res: http.ServerResponse, status: number, errorType: string, errorMessage: string) =>
  send(res, status, JSON.stringify({ errorMessage, errorType }))

/** Reads a whole body; over `limit` bytes it keeps counting but stops storing. */
const readBody = (
  req: http.IncomingMessage,
  limit: number,
  onEnd: (body: Buffer, size: number) => void
) => {
  const chunks: Array<Buffer> = []
  let size = 0
  req.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size <= limit) chunks.push(chunk)
  })
  req.on("end", () => onEnd(Buffer.concat(chunks), size))
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const RESULT_PATH = new RegExp(`^${escapeRegExp(P.RUNTIME_PREFIX)}/invocation/([^/]+)/(response|error)$`)

const exitMessage = (requestId: string, exit: Api.RuntimeExit) =>
  `RequestId: ${requestId} Error: ${
    exit.code === 0
      ? "Runtime exited without providing a reason"
      : exit.code !== null
      ? `Runtime exited with error: exit status ${exit.code}`
      : `Runtime exited with error: signal: ${exit.signal ?? "unknown"}`
  }`

/** @internal */
export const make = (options: Api.EmulatorOptions = {}): Effect.Effect<Api.EmulatorService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const functionTimeoutMs = options.functionTimeoutMs ?? 3000
    const functionName = options.functionName ?? "test_function"
    const functionVersion = options.functionVersion ?? "$LATEST"
    const region = options.region ?? "us-east-1"
    const functionArn = options.functionArn ?? `arn:aws:lambda:${region}:012345678912:function:${functionName}`
    const initErrorDone = yield* Deferred.make<Api.RecordedError>()

    const state = {
      /** Invocations not yet delivered, in order. */
      queue: [] as Array<Invocation>,
      /** The invocation delivered by `/next` whose result is still owed. */
      current: undefined as Invocation | undefined,
      /** The last finished invocation, until the runtime's next `/next` releases it. */
      releasing: undefined as Invocation | undefined,
      parkedNext: undefined as http.ServerResponse | undefined,
      initDone: false,
      initFailed: undefined as Api.RecordedError | undefined,
      initError: undefined as Api.RecordedError | undefined,
      all: [] as Array<Invocation>,
      byId: new Map<string, Invocation>(),
      nextRequests: [] as Array<number>,
      nextWaiters: [] as Array<{ readonly n: number; readonly resume: (at: number) => void }>,
      extensions: [] as Array<Api.RegisteredExtension>,
      extensionPolls: new Set<http.ServerResponse>()
    }

    const finish = (invocation: Invocation, outcome: Api.InvocationOutcome, at: number) => {
      if (invocation.result === "done") return
      invocation.result = "done"
      if (invocation.timer !== undefined) clearTimeout(invocation.timer)
      invocation.timer = undefined
      invocation.record.outcome = outcome
      invocation.record.resultAt = at
      if (state.current === invocation) {
        state.current = undefined
        state.releasing = invocation
      }
      if (invocation.receiving !== undefined && outcome._tag === "Timeout") {
        // The platform cuts a stream that is still open at the deadline.
        const { req, res } = invocation.receiving
        invocation.receiving = undefined
        invocation.record.posts.push({ kind: "response", status: 400, at })
        if (!res.headersSent) {
          const body = JSON.stringify({ errorMessage: "Invalid request ID", errorType: P.apiErrorTypes.invalidRequestId })
          res.writeHead(400, {
            [P.headers.contentType]: P.contentTypes.json,
            "content-length": String(Buffer.byteLength(body)),
            connection: "close"
          })
          res.end(body, () => req.destroy())
        }
      }
      const record = snapshot(invocation)
      Deferred.unsafeDone(invocation.done, Exit.succeed(record))
      for (const listener of invocation.listeners.splice(0)) listener(record)
    }

    const armDeadline = (invocation: Invocation) => {
      const remaining = invocation.record.deadlineMs - now()
      if (remaining <= 0) {
        finish(invocation, { _tag: "Timeout", message: P.timeoutMessage(invocation.record.timeoutMs) }, now())
      } else {
        // Node timers may fire a fraction of a millisecond early: re-arm until the deadline has passed.
        invocation.timer = setTimeout(() => armDeadline(invocation), Math.ceil(remaining))
      }
    }

    const deliver = (invocation: Invocation, res: http.ServerResponse) => {
      const at = now()
      const { options: invokeOptions, record } = invocation
      record.nextAnsweredAt = at
      record.deadlineMs = Math.floor(at + record.timeoutMs)
      const headers: Record<string, string> = {
        [P.headers.requestId]: record.requestId,
        [P.headers.deadlineMs]: String(record.deadlineMs),
        [P.headers.functionArn]: functionArn,
        [P.headers.contentType]: P.contentTypes.json
      }
      if (invokeOptions.traceId !== undefined) headers[P.headers.traceId] = invokeOptions.traceId
      if (invokeOptions.clientContext !== undefined) headers[P.headers.clientContext] = invokeOptions.clientContext
      if (invokeOptions.cognitoIdentity !== undefined) headers[P.headers.cognitoIdentity] = invokeOptions.cognitoIdentity
      if (invokeOptions.tenantId !== undefined) headers[P.headers.tenantId] = invokeOptions.tenantId
      state.current = invocation
      send(res, 200, record.event, headers)
      armDeadline(invocation)
    }

    const enqueueNow = (event: unknown, invokeOptions: Api.InvokeOptions = {}): Invocation => {
      const invocation: Invocation = {
        record: {
          requestId: invokeOptions.requestId ?? randomUUID(),
          event: encodeEvent(event),
          timeoutMs: invokeOptions.timeoutMs ?? functionTimeoutMs,
          deadlineMs: 0,
          enqueuedAt: now(),
          posts: []
        },
        options: invokeOptions,
        done: Deferred.unsafeMake<Api.InvocationRecord>(FiberId.none),
        listeners: [],
        result: "none",
        timer: undefined,
        caller: undefined,
        receiving: undefined,
        progress: { bytes: 0, chunks: 0 },
        firstByteWaiters: []
      }
      state.all.push(invocation)
      state.byId.set(invocation.record.requestId, invocation)
      if (state.initFailed !== undefined) {
        finish(invocation, { _tag: "InitError", error: state.initFailed }, now())
      } else if (state.parkedNext !== undefined && state.current === undefined && state.queue.length === 0) {
        const res = state.parkedNext
        state.parkedNext = undefined
        deliver(invocation, res)
      } else {
        state.queue.push(invocation)
      }
      return invocation
    }

    // ---- Runtime API ----

    const onNext = (res: http.ServerResponse) => {
      const at = now()
      state.nextRequests.push(at)
      const count = state.nextRequests.length
      state.nextWaiters = state.nextWaiters.filter((waiter) => {
        if (waiter.n > count) return true
        waiter.resume(state.nextRequests[waiter.n - 1]!)
        return false
      })
      if (state.releasing !== undefined) {
        state.releasing.record.nextAfterResultAt = at
        state.releasing = undefined
      }
      if (state.initFailed !== undefined) {
        return apiError(res, 403, P.apiErrorTypes.invalidStateTransition, "Init already failed")
      }
      state.initDone = true
      if (state.current !== undefined) {
        return apiError(
          res,
          403,
          P.apiErrorTypes.invalidStateTransition,
          `A result for ${state.current.record.requestId} is still owed`
        )
      }
      if (state.parkedNext !== undefined) {
        return apiError(res, 403, P.apiErrorTypes.invalidStateTransition, "Another /next is already pending")
      }
      const invocation = state.queue.shift()
      if (invocation !== undefined) return deliver(invocation, res)
      state.parkedNext = res
      res.on("close", () => {
        if (state.parkedNext === res) state.parkedNext = undefined
      })
    }

    const onResult = (kind: "response" | "error", requestId: string, req: http.IncomingMessage, res: http.ServerResponse) => {
      const arrivedAt = now()
      const invocation = state.byId.get(requestId)
      const reject = (status: number, errorType: string, message: string) => {
        invocation?.record.posts.push({ kind, status, at: arrivedAt })
        req.resume()
        req.on("end", () => apiError(res, status, errorType, message))
      }
      // The id stays current after its result until the next /next (a second post is a 403),
      // except after a timeout: then it is no longer current (400).
      const released = invocation !== undefined && state.releasing === invocation &&
        invocation.record.outcome?._tag !== "Timeout"
      if (invocation === undefined || (state.current !== invocation && !released)) {
        return reject(400, P.apiErrorTypes.invalidRequestId, "Invalid request ID")
      }
      if (invocation.result !== "none") {
        return reject(403, P.apiErrorTypes.invalidStateTransition, "State transition is not allowed")
      }
      const mode = header(req, P.headers.responseMode)
      if (kind === "response" && mode !== undefined && mode !== "" && mode !== P.RESPONSE_MODE_STREAMING) {
        reject(400, P.apiErrorTypes.invalidFunctionResponseMode, `Invalid response mode: ${mode}`)
        const document = {
          errorType: P.platformErrorTypes.invalidResponseModeHeader,
          errorMessage: `Invalid Lambda-Runtime-Function-Response-Mode: ${mode}`
        }
        finish(invocation, {
          _tag: "Error",
          errorTypeHeader: document.errorType,
          document,
          text: JSON.stringify(document)
        }, arrivedAt)
        return
      }
      invocation.result = "receiving"
      const streaming = kind === "response" && mode === P.RESPONSE_MODE_STREAMING
      const limit = streaming ? P.MAX_STREAMED_RESPONSE_BYTES : P.MAX_BUFFERED_RESPONSE_BYTES
      const record = invocation.record
      const chunks: Array<Buffer> = []
      const contentType = header(req, P.headers.contentType)
      let size = 0
      if (streaming) invocation.receiving = { req, res }
      req.on("data", (chunk: Buffer) => {
        const at = now()
        if (kind === "response") {
          if (record.firstByteAt === undefined) {
            record.firstByteAt = at
            for (const wake of invocation.firstByteWaiters.splice(0)) wake(at)
          }
          record.lastByteAt = at
          invocation.progress.bytes += chunk.length
          invocation.progress.chunks++
        }
        size += chunk.length
        if (size <= limit) chunks.push(chunk)
        if (streaming) forward(invocation, req, chunk, contentType)
      })
      req.on("close", () => {
        if (invocation.receiving?.req === req) invocation.receiving = undefined
        if (req.complete || invocation.result !== "receiving") return
        record.posts.push({ kind, status: 400, at: arrivedAt })
        const document = {
          errorType: P.platformErrorTypes.truncatedResponse,
          errorMessage: "The runtime's request body ended early"
        }
        finish(invocation, {
          _tag: "Error",
          errorTypeHeader: document.errorType,
          document,
          text: JSON.stringify(document)
        }, now())
        apiError(res, 400, P.apiErrorTypes.truncatedHttpRequest, document.errorMessage)
      })
      req.on("end", () => {
        const at = now()
        if (invocation.result !== "receiving") {
          // the deadline passed while the body was being read: the id is no longer current
          record.posts.push({ kind, status: 400, at: arrivedAt })
          return apiError(res, 400, P.apiErrorTypes.invalidRequestId, "Invalid request ID")
        }
        if (size > limit) {
          record.posts.push({ kind, status: 413, at: arrivedAt })
          finish(invocation, { _tag: "TooLarge", size }, at)
          return apiError(
            res,
            413,
            P.apiErrorTypes.requestEntityTooLarge,
            `Exceeded maximum allowed payload size (${limit} bytes).`
          )
        }
        invocation.receiving = undefined
        const body = Buffer.concat(chunks)
        const text = body.toString("utf8")
        const errorTypeHeader = header(req, P.headers.functionErrorType)
        let outcome: Api.InvocationOutcome
        if (kind === "error") {
          outcome = {
            _tag: "Error",
            ...(errorTypeHeader !== undefined ? { errorTypeHeader } : {}),
            document: parseDocument(text, errorTypeHeader),
            text
          }
        } else {
          const trailers: Record<string, string> = {}
          for (const [name, value] of Object.entries(req.trailers)) if (value !== undefined) trailers[name] = value
          const errorType = trailers[P.headers.functionErrorType]
          if (streaming && errorType !== undefined && errorType !== "") {
            const raw = trailers[P.headers.functionErrorBody]
            const decoded = raw === undefined ? undefined : decodeBase64(raw)
            outcome = {
              _tag: "Error",
              errorTypeHeader: errorType,
              document: parseDocument(decoded ?? "", errorType),
              text: decoded ?? "",
              streamedBody: body
            }
          } else {
            outcome = {
              _tag: "Response",
              body,
              text,
              ...(contentType !== undefined ? { contentType } : {}),
              streaming,
              ...(Object.keys(trailers).length > 0 ? { trailers } : {}),
              ...(contentType === P.contentTypes.httpIntegration ? { http: decodeHttpIntegration(body) } : {})
            }
          }
        }
        record.posts.push({ kind, status: 202, at: arrivedAt })
        finish(invocation, outcome, at)
        send(res, 202, P.ACCEPTED_BODY)
      })
    }

    const onInitError = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const at = now()
      readBody(req, P.MAX_BUFFERED_RESPONSE_BYTES, (body) => {
        if (state.initDone || state.initFailed !== undefined) {
          return apiError(res, 403, P.apiErrorTypes.invalidStateTransition, "Init already completed")
        }
        const text = body.toString("utf8")
        const errorTypeHeader = header(req, P.headers.functionErrorType)
        const error: Api.RecordedError = {
          ...(errorTypeHeader !== undefined ? { errorTypeHeader } : {}),
          document: parseDocument(text, errorTypeHeader),
          text,
          at
        }
        state.initError = error
        state.initFailed = error
        Deferred.unsafeDone(initErrorDone, Exit.succeed(error))
        for (const invocation of state.queue.splice(0)) finish(invocation, { _tag: "InitError", error }, at)
        send(res, 202, P.ACCEPTED_BODY)
      })
    }

    // ---- Extensions API ----

    const onRegister = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const at = now()
      readBody(req, P.MAX_BUFFERED_RESPONSE_BYTES, (body) => {
        const forbidden = (errorType: string, message: string) => apiError(res, 403, errorType, message)
        if (state.initDone) return forbidden(P.apiErrorTypes.registrationClosed, "Registration is closed after init")
        const name = header(req, P.headers.extensionName)
        if (name === undefined || name === "") {
          return forbidden(P.apiErrorTypes.invalidExtensionName, "Missing Lambda-Extension-Name")
        }
        let events: ReadonlyArray<string>
        try {
          const parsed: unknown = JSON.parse(body.toString("utf8"))
          if (typeof parsed !== "object" || parsed === null || "configurationKeys" in parsed) throw new Error("bad body")
          const list = (parsed as { events?: unknown }).events
          if (!Array.isArray(list) || !list.every((event) => typeof event === "string")) throw new Error("bad events")
          events = list
        } catch {
          return forbidden(P.apiErrorTypes.invalidRequestFormat, `Expected {"events":[...]}`)
        }
        const invalid = events.find((event) => event !== P.extensionEvents.invoke)
        if (invalid !== undefined) {
          return forbidden(P.apiErrorTypes.invalidEventType, `Internal extensions cannot subscribe to ${invalid}`)
        }
        if (state.extensions.length >= P.MAX_EXTENSIONS) {
          return forbidden(P.apiErrorTypes.tooManyExtensions, `At most ${P.MAX_EXTENSIONS} extensions`)
        }
        const id = randomUUID()
        state.extensions.push({ name, id, events, registeredAt: at })
        send(res, 200, JSON.stringify({ functionName, functionVersion, handler: options.handler ?? "index.handler" }), {
          [P.headers.contentType]: P.contentTypes.json,
          [P.headers.extensionIdentifier]: id
        })
      })
    }

    const onExtensionNext = (req: http.IncomingMessage, res: http.ServerResponse) => {
      req.resume()
      const id = header(req, P.headers.extensionIdentifier)
      if (id === undefined || id === "") {
        return apiError(res, 403, P.apiErrorTypes.missingExtensionIdentifier, "Missing Lambda-Extension-Identifier")
      }
      if (!UUID.test(id)) {
        return apiError(res, 403, P.apiErrorTypes.invalidExtensionIdentifier, "Invalid Lambda-Extension-Identifier")
      }
      if (!state.extensions.some((extension) => extension.id === id)) {
        return apiError(res, 403, P.apiErrorTypes.unknownExtensionIdentifier, "Unknown Lambda-Extension-Identifier")
      }
      // No event is ever delivered: the poll stays open until the connection or the server closes.
      state.extensionPolls.add(res)
      res.on("close", () => state.extensionPolls.delete(res))
    }

    // ---- RIE-compatible invoke endpoint ----

    const answerInvoke = (res: http.ServerResponse, record: Api.InvocationRecord) => {
      const outcome = record.outcome!
      const base = { [P.invokeHeaders.requestId]: record.requestId }
      const failed = { ...base, [P.invokeHeaders.functionError]: P.FUNCTION_ERROR_UNHANDLED }
      const json = { [P.headers.contentType]: P.contentTypes.json }
      switch (outcome._tag) {
        case "Response":
          if (outcome.http?._tag === "Decoded") {
            const { body, cookies, headers, statusCode } = outcome.http
            if (res.destroyed || res.headersSent) return
            res.writeHead(statusCode, {
              ...headers,
              ...base,
              ...(cookies.length > 0 ? { "set-cookie": [...cookies] } : {}),
              "content-length": String(body.byteLength)
            })
            return void res.end(body)
          }
          return send(res, 200, outcome.body, {
            ...base,
            [P.headers.contentType]: outcome.contentType ?? P.contentTypes.octetStream
          })
        case "Error":
          return send(res, 200, outcome.text !== "" ? outcome.text : JSON.stringify(outcome.document), {
            ...failed,
            ...json
          })
        case "Timeout":
          return send(res, 200, outcome.message, { ...failed, [P.headers.contentType]: "text/plain; charset=utf-8" })
        case "TooLarge":
          return send(
            res,
            200,
            JSON.stringify({
              errorMessage: `Response payload size (${outcome.size} bytes) exceeded maximum allowed payload size (${P.MAX_BUFFERED_RESPONSE_BYTES} bytes).`,
              errorType: P.platformErrorTypes.responseSizeTooLarge
            }),
            { ...failed, ...json }
          )
        case "InitError":
          return send(res, 502, outcome.error.text !== "" ? outcome.error.text : JSON.stringify(outcome.error.document), {
            ...base,
            ...json
          })
        case "ExitError":
          return send(
            res,
            502,
            JSON.stringify({ errorMessage: outcome.message, errorType: P.platformErrorTypes.exitError }),
            { ...base, ...json }
          )
      }
    }

    const startLive = (caller: Caller, requestId: string, status: number, headers: http.OutgoingHttpHeaders) => {
      caller.res.writeHead(status, {
        ...headers,
        [P.invokeHeaders.requestId]: requestId,
        trailer: INVOKE_TRAILERS
      })
      caller.res.flushHeaders()
      caller.live = true
    }

    /** Passes a streamed chunk on to the invoke caller; a full caller pauses the runtime's POST. */
    const forward = (invocation: Invocation, req: http.IncomingMessage, chunk: Buffer, contentType: string | undefined) => {
      const caller = invocation.caller
      if (caller === undefined || caller.buffered || caller.res.writableEnded || invocation.result === "done") return
      let body = chunk
      if (!caller.live) {
        if (contentType === P.contentTypes.httpIntegration) {
          const pending = caller.pending === undefined ? chunk : Buffer.concat([caller.pending, chunk])
          const nul = pending.indexOf(0)
          if (nul < 0 || pending.length < nul + P.HTTP_PRELUDE_DELIMITER_LENGTH) {
            caller.pending = pending
            return
          }
          caller.pending = undefined
          const decoded = decodeHttpIntegration(pending)
          if (decoded._tag === "Invalid") {
            caller.buffered = true
            return
          }
          startLive(caller, invocation.record.requestId, decoded.statusCode, {
            ...decoded.headers,
            ...(decoded.cookies.length > 0 ? { "set-cookie": [...decoded.cookies] } : {})
          })
          body = Buffer.from(decoded.body)
        } else {
          startLive(caller, invocation.record.requestId, 200, {
            [P.headers.contentType]: contentType ?? P.contentTypes.octetStream
          })
        }
      }
      if (body.length > 0 && !caller.res.write(body)) {
        req.pause()
        caller.res.once("drain", () => req.resume())
      }
    }

    /** Ends a live answer; an error after the first byte can only travel in trailers. */
    const endLive = (caller: Caller, record: Api.InvocationRecord) => {
      if (caller.res.destroyed) return
      const error = callerError(record.outcome!)
      if (error !== undefined) {
        caller.res.addTrailers({
          [P.invokeHeaders.functionError]: P.FUNCTION_ERROR_UNHANDLED,
          [P.headers.functionErrorType]: P.headerValue(error.errorType),
          [P.headers.functionErrorBody]: Buffer.from(error.body).toString("base64")
        })
      }
      caller.res.end()
    }

    const onInvoke = (req: http.IncomingMessage, res: http.ServerResponse) => {
      readBody(req, P.MAX_BUFFERED_RESPONSE_BYTES, (body, size) => {
        if (size > P.MAX_BUFFERED_RESPONSE_BYTES) {
          return apiError(
            res,
            413,
            P.apiErrorTypes.requestEntityTooLarge,
            `Exceeded maximum allowed payload size (${P.MAX_BUFFERED_RESPONSE_BYTES} bytes).`
          )
        }
        const invokeOptions: Mutable<Api.InvokeOptions> = {}
        const clientContext = header(req, P.invokeHeaders.clientContext)
        if (clientContext !== undefined) {
          const decoded = decodeBase64(clientContext)
          if (decoded === undefined) {
            return apiError(res, 500, "InternalServerError", "X-Amz-Client-Context is not valid base64")
          }
          invokeOptions.clientContext = decoded
        }
        const traceId = header(req, P.invokeHeaders.traceId)
        if (traceId !== undefined) invokeOptions.traceId = traceId
        const tenantId = header(req, P.invokeHeaders.tenantId)
        if (tenantId !== undefined) invokeOptions.tenantId = tenantId
        const invocation = enqueueNow(body, invokeOptions)
        if (invocation.result === "done") return answerInvoke(res, snapshot(invocation))
        const caller: Caller = { res, live: false, pending: undefined, buffered: false }
        invocation.caller = caller
        // The stream and the invocation go on when the caller disconnects; only the forwarding stops.
        res.on("close", () => {
          if (invocation.caller === caller) invocation.caller = undefined
          invocation.receiving?.req.resume()
        })
        invocation.listeners.push((record) => caller.live ? endLive(caller, record) : answerInvoke(res, record))
      })
    }

    const route = (req: http.IncomingMessage, res: http.ServerResponse) => {
      req.on("error", () => {})
      const path = (req.url ?? "/").split("?")[0]!
      const method = req.method ?? "GET"
      if (method === "GET" && path === P.paths.next) {
        req.resume()
        return onNext(res)
      }
      const result = method === "POST" ? RESULT_PATH.exec(path) : null
      if (result !== null) {
        let requestId: string
        try {
          requestId = decodeURIComponent(result[1]!)
        } catch {
          requestId = result[1]!
        }
        return onResult(result[2] as "response" | "error", requestId, req, res)
      }
      if (method === "POST" && path === P.paths.initError) return onInitError(req, res)
      if (method === "POST" && path === P.paths.extensionRegister) return onRegister(req, res)
      if (method === "GET" && path === P.paths.extensionNext) return onExtensionNext(req, res)
      if (method === "POST" && path === P.paths.invoke) return onInvoke(req, res)
      req.resume()
      apiError(res, 404, "NotFound", `No route for ${method} ${path}`)
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server>((resume) => {
        const server = http.createServer((req, res) => {
          try {
            route(req, res)
          } catch (error) {
            apiError(res, 500, "InternalServerError", String(error))
          }
        })
        // Long polls and long streams: no keep-alive or request timeouts (the platform has none either).
        server.keepAliveTimeout = 0
        server.requestTimeout = 0
        server.once("error", (error) =>
          resume(Effect.die(new Error(`Emulator: cannot listen on 127.0.0.1:${options.port ?? 0}: ${error.message}`))))
        server.listen(options.port ?? 0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          for (const invocation of state.all) if (invocation.timer !== undefined) clearTimeout(invocation.timer)
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )

    const port = (server.address() as AddressInfo).port
    const host = `127.0.0.1:${port}`
    const date = new Date().toISOString().slice(0, 10).replaceAll("-", "/")
    const environment: Record<string, string> = {
      [P.env.runtimeApi]: host,
      [P.env.functionName]: functionName,
      [P.env.functionVersion]: functionVersion,
      [P.env.functionMemorySize]: String(options.memorySizeMb ?? 3008),
      [P.env.logGroupName]: `/aws/lambda/${functionName}`,
      [P.env.logStreamName]: `${date}/[${functionVersion}]${randomBytes(16).toString("hex")}`,
      [P.env.region]: region,
      [P.env.defaultRegion]: region,
      [P.env.initializationType]: "on-demand",
      ...(options.handler !== undefined ? { [P.env.handler]: options.handler } : {})
    }

    const enqueue = (event: unknown, invokeOptions?: Api.InvokeOptions): Effect.Effect<Api.PendingInvocation> =>
      Effect.sync(() => {
        const invocation = enqueueNow(event, invokeOptions)
        return { requestId: invocation.record.requestId, result: Deferred.await(invocation.done) }
      })

    const service: Api.EmulatorService = {
      host,
      port,
      environment,
      enqueue,
      invoke: (event, invokeOptions) => Effect.flatMap(enqueue(event, invokeOptions), (pending) => pending.result),
      invocations: Effect.sync(() => state.all.map(snapshot)),
      nextRequests: Effect.sync(() => [...state.nextRequests]),
      awaitNextRequest: (n) =>
        Effect.async<number>((resume) => {
          if (state.nextRequests.length >= n) return resume(Effect.succeed(state.nextRequests[n - 1]!))
          const waiter = { n, resume: (at: number) => resume(Effect.succeed(at)) }
          state.nextWaiters.push(waiter)
          return Effect.sync(() => {
            state.nextWaiters = state.nextWaiters.filter((w) => w !== waiter)
          })
        }),
      initError: Effect.sync(() => Option.fromNullable(state.initError)),
      awaitInitError: Deferred.await(initErrorDone),
      extensions: Effect.sync(() => [...state.extensions]),
      awaitFirstByte: (requestId) =>
        Effect.async<number>((resume) => {
          const invocation = state.byId.get(requestId)
          if (invocation === undefined) return resume(Effect.dieMessage(`Emulator: unknown request id ${requestId}`))
          if (invocation.record.firstByteAt !== undefined) return resume(Effect.succeed(invocation.record.firstByteAt))
          const wake = (at: number) => resume(Effect.succeed(at))
          invocation.firstByteWaiters.push(wake)
          return Effect.sync(() => {
            invocation.firstByteWaiters = invocation.firstByteWaiters.filter((w) => w !== wake)
          })
        }),
      streamProgress: (requestId) =>
        Effect.sync(() => {
          const invocation = state.byId.get(requestId)
          return {
            bytes: invocation?.progress.bytes ?? 0,
            chunks: invocation?.progress.chunks ?? 0,
            firstByteAt: invocation?.record.firstByteAt
          }
        }),
      runtimeExited: (exit) =>
        Effect.sync(() => {
          const at = now()
          const current = state.current
          if (current !== undefined) {
            finish(current, { _tag: "ExitError", message: exitMessage(current.record.requestId, exit) }, at)
          }
          if (!state.initDone && state.initFailed === undefined) {
            // the runtime died during init: the invocations that triggered the cold start fail
            for (const invocation of state.queue.splice(0)) {
              finish(invocation, { _tag: "ExitError", message: exitMessage(invocation.record.requestId, exit) }, at)
            }
          }
          // the next runtime process starts a fresh init
          state.initDone = false
          state.initFailed = undefined
          state.releasing = undefined
          state.parkedNext?.destroy()
          state.parkedNext = undefined
          for (const poll of state.extensionPolls) poll.destroy()
          state.extensionPolls.clear()
        })
    }
    return service
  })
