/**
 * The Runtime API proper: `GET /next`, the result POSTs (buffered and streamed, with their
 * limits, trailers and the deadline cutting a stream) and `/init/error`.
 *
 * @internal
 */
import type * as http from "node:http"
import type * as Api from "./types.js"
import * as P from "../protocol.js"
import { forward } from "./invokeEndpoint.js"
import type { EmulatorInstance } from "./state.js"
import { refuseShuttingDown } from "./environment.js"
import { answerLate, deliver, finish, isConcurrent, recordNextRequest, release } from "./state.js"
import { apiError, decodeBase64, decodeHttpIntegration, header, now, parseDocument, readBody, send } from "./wire.js"

/**
 * `GET /next`: answers with the next queued event, or parks until one is queued. In classic mode
 * one invocation is out at a time; in concurrent mode up to `maxConcurrency` `/next` calls park and
 * each gets its own invocation.
 *
 * @internal
 */
export const onNext = (emulator: EmulatorInstance, res: http.ServerResponse) => {
  const { config, state } = emulator
  const at = now()
  if (state.releasing !== undefined) {
    state.releasing.record.nextAfterResultAt = at
    release(state)
  }
  // After the answered invocation's record is complete: a waiter woken here may read it at once.
  recordNextRequest(state, at)
  if (state.initFailed !== undefined) {
    return apiError(res, 403, P.apiErrorTypes.invalidStateTransition, "Init already failed")
  }
  if (state.shuttingDown) return refuseShuttingDown(res)
  state.initDone = true
  if (state.current !== undefined) {
    return apiError(
      res,
      403,
      P.apiErrorTypes.invalidStateTransition,
      `A result for ${state.current.record.requestId} is still owed`
    )
  }
  if (!isConcurrent(config) && state.parked.length > 0) {
    return apiError(res, 403, P.apiErrorTypes.invalidStateTransition, "Another /next is already pending")
  }
  if (state.parked.length >= config.maxConcurrency) {
    // What the platform answers when more runtime workers are idle than the concurrency allows.
    return apiError(
      res,
      500,
      P.apiErrorTypes.tooManyIdleRuntimes,
      `More than AWS_LAMBDA_MAX_CONCURRENCY (${config.maxConcurrency}) /next calls are pending`
    )
  }
  const invocation = state.queue.shift()
  if (invocation !== undefined) return deliver(emulator, invocation, res)
  state.parked.push(res)
  res.on("close", () => {
    state.parked = state.parked.filter((parked) => parked !== res)
  })
}

/**
 * `POST /invocation/{id}/response` and `/error`, buffered or streamed.
 *
 * @internal
 */
export const onResult = (
  emulator: EmulatorInstance,
  kind: "response" | "error",
  requestId: string,
  req: http.IncomingMessage,
  res: http.ServerResponse
) => {
  const { state } = emulator
  const arrivedAt = now()
  const invocation = state.byId.get(requestId)
  if (
    invocation !== undefined && invocation.generation < state.generation &&
    invocation.record.nextAnsweredAt !== undefined
  ) {
    emulator.log(
      `${kind === "response" ? "/response" : "/error"} for RequestId ${requestId} refused with 400: ` +
        `it came from the runtime discarded when the environment was reset`
    )
  }
  const reject = (status: number, errorType: string, message: string) => {
    invocation?.record.posts.push({ kind, status, at: arrivedAt })
    req.resume()
    req.on("end", () => apiError(res, status, errorType, message))
  }
  if (invocation === undefined || invocation.record.nextAnsweredAt === undefined) {
    return reject(400, P.apiErrorTypes.invalidRequestId, "Invalid request ID")
  }
  if (isConcurrent(emulator.config)) {
    // Results are matched by id, in any order; after the deadline the platform answers 410.
    if (invocation.record.outcome?._tag === "Timeout") {
      invocation.record.posts.push({ kind, status: 410, at: arrivedAt })
      req.resume()
      return req.on("end", () => answerLate(emulator, invocation, res))
    }
  } else {
    // The id stays current after its result until the next /next (a second post is a 403),
    // except after a timeout: then it is no longer current (400).
    const released = state.releasing === invocation && invocation.record.outcome?._tag !== "Timeout"
    if (state.current !== invocation && !released) {
      return reject(400, P.apiErrorTypes.invalidRequestId, "Invalid request ID")
    }
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
    finish(emulator, invocation, {
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
    finish(emulator, invocation, {
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
      // the deadline passed while the body was being read (a stream is answered by `finish`)
      if (res.headersSent) return
      record.posts.push({ kind, status: answerLate(emulator, invocation, res), at: arrivedAt })
      return
    }
    if (size > limit) {
      record.posts.push({ kind, status: 413, at: arrivedAt })
      finish(emulator, invocation, { _tag: "TooLarge", size }, at)
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
        ...xrayErrorCauseOf(req),
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
    finish(emulator, invocation, outcome, at)
    send(res, 202, P.ACCEPTED_BODY)
  })
}

/** The `Lambda-Runtime-Function-XRay-Error-Cause` header, parsed (its text when it is not JSON). */
const xrayErrorCauseOf = (req: http.IncomingMessage): { xrayErrorCause?: unknown } => {
  const value = header(req, P.headers.xrayErrorCause)
  if (value === undefined) return {}
  try {
    return { xrayErrorCause: JSON.parse(value) as unknown }
  } catch {
    return { xrayErrorCause: value }
  }
}

/**
 * `POST /init/error`: fails init and every queued invocation with the posted document.
 *
 * @internal
 */
export const onInitError = (emulator: EmulatorInstance, req: http.IncomingMessage, res: http.ServerResponse) => {
  const { state } = emulator
  const at = now()
  readBody(req, P.MAX_BUFFERED_RESPONSE_BYTES, (body) => {
    if (state.initDone || state.initFailed !== undefined) {
      return apiError(res, 403, P.apiErrorTypes.invalidStateTransition, "Init already completed")
    }
    const text = body.toString("utf8")
    const errorTypeHeader = header(req, P.headers.functionErrorType)
    const error: Api.RecordedError = {
      ...(errorTypeHeader !== undefined ? { errorTypeHeader } : {}),
      ...xrayErrorCauseOf(req),
      document: parseDocument(text, errorTypeHeader),
      text,
      at
    }
    state.initError = error
    state.initFailed = error
    if (state.firstInitError === undefined) {
      state.firstInitError = error
      for (const wake of state.initErrorWaiters.splice(0)) wake(error)
    }
    for (const invocation of state.queue.splice(0)) finish(emulator, invocation, { _tag: "InitError", error }, at)
    send(res, 202, P.ACCEPTED_BODY)
  })
}
