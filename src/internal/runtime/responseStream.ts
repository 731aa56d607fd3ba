/**
 * The `node:http` side of a streaming `/response` POST (chunked body, trailers, backpressure).
 * Kept apart from the buffered client's lean connection (http1.ts): here the body dominates, and
 * `node:http` is only loaded, with a keep-alive agent of its own, at a function's first stream.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as http from "node:http"
import { RuntimeApiError } from "../../LambdaError.js"
import type { ResponseWriter } from "../../RuntimeApi.js"
import type { ErrorDocument } from "../core/protocol.js"
import { truncate } from "../core/inspect.js"
import { ERROR_TRAILERS, errorTypes, headers as H, headerValue, RESPONSE_MODE_STREAMING } from "../core/protocol.js"

/** The answer of the platform, checked by the client's usual status rules. */
export type CheckAnswer = (
  status: number,
  body: Buffer
) => Effect.Effect<void, RuntimeApiError>

/**
 * How much the writer lets Node buffer before it waits for `drain`. Node's own mark (16 KiB)
 * is below one typical chunk, which would make every write a wait; `ClientRequest` takes no
 * `highWaterMark` option, so the writer applies its own.
 */
const BUFFER_LIMIT = 1024 * 1024


/**
 * The error body travels base64-encoded in a trailer, and trailers share the header size limits
 * of HTTP servers (16 KiB by default in Node's): past this many bytes the stack trace is left
 * out, then the message is shortened, so that the trailers are never refused.
 */
export const MAX_ERROR_TRAILER_BYTES = 8 * 1024

const base64Length = (json: string) => Math.ceil(Buffer.byteLength(json) / 3) * 4

/** The document as it fits in the trailer: whole when it can be, else without stack, then with a shorter message. */
export const trailerDocument = (error: ErrorDocument): string => {
  let json = JSON.stringify(error)
  if (base64Length(json) <= MAX_ERROR_TRAILER_BYTES) return json
  // A quarter less each round: a handful of rounds for the longest message a document holds.
  for (let max = error.errorMessage.length; max > 0; max = Math.floor(max * 0.75)) {
    json = JSON.stringify({ errorType: error.errorType, errorMessage: truncate(error.errorMessage, max), stackTrace: [] })
    if (base64Length(json) <= MAX_ERROR_TRAILER_BYTES) return json
  }
  return JSON.stringify({ errorType: truncate(error.errorType, 256), errorMessage: "", stackTrace: [] })
}

const errorTrailers = (error: ErrorDocument) => ({
  [H.functionErrorType]: headerValue(error.errorType),
  [H.functionErrorBody]: Buffer.from(trailerDocument(error)).toString("base64")
})

const unhandledTrailer: ErrorDocument = {
  errorType: errorTypes.unhandled,
  errorMessage: "The stream's error could not be reported",
  stackTrace: []
}

/** @internal */
export const open = (options: {
  /** `node:http`'s `request`, passed in: the module is loaded at the first stream (see runtimeApiClient.ts). */
  readonly request: typeof http.request
  readonly agent: http.Agent
  readonly host: string
  readonly port: number
  readonly path: string
  readonly contentType: string
  readonly userAgent: string
  readonly check: CheckAnswer
}): ResponseWriter => {
  const req = options.request({
    host: options.host,
    port: options.port,
    method: "POST",
    path: options.path,
    agent: options.agent,
    headers: {
      "user-agent": options.userAgent,
      "content-type": options.contentType,
      [H.responseMode]: RESPONSE_MODE_STREAMING,
      "transfer-encoding": "chunked",
      "trailer": ERROR_TRAILERS
    }
  })
  // The platform answers once the body has ended; an answer (or a broken connection) before
  // that means nobody reads the rest, so every waiter is released with it.
  let settled: Exit.Exit<void, RuntimeApiError> | undefined
  let ended = false
  const waiters = new Set<() => void>()
  const settle = (exit: Exit.Exit<void, RuntimeApiError>) => {
    if (settled !== undefined) return
    settled = exit
    const woken = [...waiters]
    waiters.clear()
    for (const wake of woken) wake()
  }
  const transport = (detail: string, cause: unknown) =>
    Exit.fail(new RuntimeApiError({ operation: "response", reason: "Transport", detail, cause }))

  let responded = false
  req.on("response", (res) => {
    responded = true
    const chunks: Array<Buffer> = []
    res.on("data", (chunk: Buffer) => chunks.push(chunk))
    res.on("end", () => {
      const status = res.statusCode ?? 0
      // The check is a pure status test, so it can be run on the spot.
      const checked = Effect.runSyncExit(options.check(status, Buffer.concat(chunks)))
      settle(
        !ended && Exit.isSuccess(checked)
          ? Exit.fail(
            new RuntimeApiError({
              operation: "response",
              reason: "Status",
              status,
              detail: "the platform answered before the streamed body ended"
            })
          )
          : checked
      )
    })
    res.on("close", () => {
      if (!res.complete) settle(transport("the answer was cut off", undefined))
    })
  })
  req.on("error", (cause) => settle(transport(cause.message, cause)))
  req.on("close", () => {
    if (!responded) settle(transport("the connection closed before the platform answered", undefined))
  })
  req.flushHeaders()

  const onSettled = (wake: () => void) => {
    waiters.add(wake)
    return () => waiters.delete(wake)
  }

  const drained: Effect.Effect<void, RuntimeApiError> = Effect.suspend(() => {
    if (settled !== undefined) return settled
    if (!req.writableNeedDrain || req.writableLength < BUFFER_LIMIT) return Effect.void
    return Effect.async<void, RuntimeApiError>((resume) => {
      const onDrain = () => {
        stop()
        resume(Effect.void)
      }
      const stop = onSettled(() => {
        req.off("drain", onDrain)
        resume(settled!)
      })
      req.once("drain", onDrain)
      return Effect.sync(() => {
        stop()
        req.off("drain", onDrain)
      })
    })
  })

  const answer: Effect.Effect<void, RuntimeApiError> = Effect.suspend(() =>
    settled !== undefined ? settled : Effect.async<void, RuntimeApiError>((resume) => {
      const stop = onSettled(() => resume(settled!))
      return Effect.sync(stop)
    })
  )

  const end = (error?: ErrorDocument) =>
    Effect.suspend(() => {
      if (!ended && settled !== undefined) {
        // Answered (or broken) before the body ended: a half-written request would hold the
        // agent's only socket forever, so it is dropped instead of finished.
        ended = true
        req.destroy()
      }
      if (!ended) {
        ended = true
        try {
          if (error !== undefined) req.addTrailers(errorTrailers(error))
        } catch {
          // Only a bug of ours gets here (the document is plain strings): the body still ends.
          req.addTrailers(errorTrailers(unhandledTrailer))
        } finally {
          req.end()
        }
      }
      return answer
    })

  return {
    write: (chunk) => {
      if (settled !== undefined) return false
      req.write(chunk)
      return req.writableLength < BUFFER_LIMIT
    },
    drained,
    end
  }
}
