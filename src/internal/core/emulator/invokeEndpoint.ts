/**
 * The invoke endpoint of the official Runtime Interface Emulator
 * (`POST /2015-03-31/functions/function/invocations`): queues the body as an event and answers
 * the caller with the outcome, or, for a streamed response, passes the stream on live.
 *
 * @internal
 */
import type * as http from "node:http"
import type * as Api from "./types.js"
import * as P from "../protocol.js"
import type { Caller, EmulatorInstance, InvocationState } from "./state.js"
import { enqueue, isConcurrent, snapshot } from "./state.js"
import type { Mutable } from "./wire.js"
import { apiError, decodeBase64, decodeHttpIntegration, header, readBody, send } from "./wire.js"

const INVOKE_TRAILERS = "X-Amz-Function-Error, Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"

/** The error a caller of a live stream learns from the trailers, by outcome. */
const callerError = (
  outcome: Api.InvocationOutcome
): { readonly errorType: string; readonly body: string } | undefined => {
  switch (outcome._tag) {
    case "Response":
      return undefined
    case "Error":
      return {
        errorType: outcome.errorTypeHeader ?? "Unhandled",
        body: outcome.text !== "" ? outcome.text : JSON.stringify(outcome.document)
      }
    case "Timeout":
      return {
        errorType: "Sandbox.Timedout",
        body: JSON.stringify({ errorMessage: outcome.message, errorType: "Sandbox.Timedout" })
      }
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

/** The buffered answer to an invoke caller, once the outcome is known. */
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
          ...withoutFraming(headers),
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
          errorMessage:
            `Response payload size (${outcome.size} bytes) exceeded maximum allowed payload size (${P.MAX_BUFFERED_RESPONSE_BYTES} bytes).`,
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

/**
 * Headers that describe the framing of the function's own message, not of the answer the caller
 * gets: a streamed answer goes out chunked (as from a Function URL), a buffered one with the
 * length of its decoded body. `@effect/platform` puts a `content-length` in the prelude of any
 * text or JSON response; with trailers declared, node:http refuses it (`ERR_HTTP_TRAILER_INVALID`).
 */
const FRAMING = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "trailer", "upgrade"])

const withoutFraming = (headers: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders => {
  const kept: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (!FRAMING.has(name.toLowerCase())) kept[name] = value
  }
  return kept
}

/**
 * An error while answering the invoke caller (a header node:http refuses, a write that throws)
 * fails that invoke only: a 502 when nothing was sent yet, a cut connection otherwise. The
 * invocation itself goes on and the runtime's POST keeps flowing.
 */
const failCaller = (invocation: InvocationState | undefined, caller: Caller, requestId: string, error: unknown) => {
  if (invocation !== undefined && invocation.caller === caller) invocation.caller = undefined
  invocation?.receiving?.req.resume()
  const res = caller.res
  if (res.destroyed || res.writableEnded) return
  if (res.headersSent) return void res.destroy()
  // A failed writeHead may have left some headers set.
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  send(
    res,
    502,
    JSON.stringify({
      errorMessage: `The emulator could not answer the invoke: ${
        error instanceof Error ? error.message : String(error)
      }`,
      errorType: "Emulator.InvokeAnswerFailed"
    }),
    { [P.invokeHeaders.requestId]: requestId, [P.headers.contentType]: P.contentTypes.json }
  )
}

const startLive = (caller: Caller, requestId: string, status: number, headers: http.OutgoingHttpHeaders) => {
  caller.res.writeHead(status, {
    ...withoutFraming(headers),
    [P.invokeHeaders.requestId]: requestId,
    trailer: INVOKE_TRAILERS
  })
  caller.res.flushHeaders()
  caller.live = true
}

/**
 * Passes a streamed chunk on to the invoke caller; a full caller pauses the runtime's POST.
 *
 * @internal
 */
export const forward = (
  invocation: InvocationState,
  req: http.IncomingMessage,
  chunk: Buffer,
  contentType: string | undefined
) => {
  const caller = invocation.caller
  if (caller === undefined || caller.buffered || caller.res.writableEnded || invocation.result === "done") return
  try {
    forwardTo(caller, invocation, req, chunk, contentType)
  } catch (error) {
    failCaller(invocation, caller, invocation.record.requestId, error)
  }
}

const forwardTo = (
  caller: Caller,
  invocation: InvocationState,
  req: http.IncomingMessage,
  chunk: Buffer,
  contentType: string | undefined
) => {
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

/**
 * `POST /2015-03-31/functions/function/invocations`.
 *
 * @internal
 */
export const onInvoke = (emulator: EmulatorInstance, req: http.IncomingMessage, res: http.ServerResponse) => {
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
    // The official emulator's Managed Instances mode takes the caller's request id.
    const requestId = isConcurrent(emulator.config) ? header(req, P.invokeHeaders.requestId) : undefined
    if (requestId !== undefined && requestId !== "") {
      if (emulator.state.byId.has(requestId)) {
        return apiError(res, 400, "DuplicateRequestId", `RequestId ${requestId} was already invoked`)
      }
      invokeOptions.requestId = requestId
    }
    const invocation = enqueue(emulator, body, invokeOptions)
    if (invocation.result === "done") {
      const record = snapshot(invocation)
      try {
        return answerInvoke(res, record)
      } catch (error) {
        return failCaller(undefined, { res, live: false, pending: undefined, buffered: false }, record.requestId, error)
      }
    }
    const caller: Caller = { res, live: false, pending: undefined, buffered: false }
    invocation.caller = caller
    // The stream and the invocation go on when the caller disconnects; only the forwarding stops.
    res.on("close", () => {
      if (invocation.caller === caller) invocation.caller = undefined
      invocation.receiving?.req.resume()
    })
    invocation.listeners.push((record) => {
      try {
        if (caller.live) endLive(caller, record)
        else answerInvoke(res, record)
      } catch (error) {
        failCaller(undefined, caller, record.requestId, error)
      }
    })
  })
}
