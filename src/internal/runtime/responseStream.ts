/**
 * The `node:http` side of a streaming `/response` POST (chunked body, trailers, backpressure).
 * Kept apart from the buffered client's lean connection (http1.ts): here the body dominates, and
 * `node:http` is only loaded, with a keep-alive agent of its own, at a function's first stream.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as http from "node:http"
import { RuntimeApiError } from "./errors.js"
import type { ResponseWriter } from "../../RuntimeApi.js"
import type { ErrorDocument } from "../core/protocol.js"
import * as Requests from "../core/runtimeApiRequests.js"

/**
 * How much the writer lets Node buffer before it waits for `drain`. Node's own mark (16 KiB)
 * is below one typical chunk, which would make every write a wait; `ClientRequest` takes no
 * `highWaterMark` option, so the writer applies its own.
 */
const BUFFER_LIMIT = 1024 * 1024

const call = Requests.streamedResponse

/** @internal */
export const open = (options: {
  /** `node:http`'s `request`, passed in: the module is loaded at the first stream (see runtimeApiClient.ts). */
  readonly request: typeof http.request
  readonly agent: http.Agent
  readonly host: string
  readonly port: number
  readonly requestId: string
  readonly contentType: string
}): ResponseWriter => {
  const req = options.request({
    host: options.host,
    port: options.port,
    method: call.method,
    path: call.path(options.requestId),
    agent: options.agent,
    headers: call.headers(options.contentType)
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
    Exit.fail(new RuntimeApiError({ operation: call.operation, reason: "Transport", detail, cause }))

  let responded = false
  req.on("response", (res) => {
    responded = true
    const chunks: Array<Buffer> = []
    res.on("data", (chunk: Buffer) => chunks.push(chunk))
    res.on("end", () => {
      const status = res.statusCode ?? 0
      settle(
        status !== call.accepted
          ? Exit.fail(new RuntimeApiError(Requests.statusFailure(call.operation, status, Buffer.concat(chunks))))
          : !ended
          ? Exit.fail(
            new RuntimeApiError({
              operation: call.operation,
              reason: "Status",
              status,
              detail: "the platform answered before the streamed body ended"
            })
          )
          : Exit.void
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
          if (error !== undefined) req.addTrailers(Requests.errorTrailers(error))
        } catch {
          // Only a bug of ours gets here (the document is plain strings): the body still ends.
          req.addTrailers(Requests.errorTrailers(Requests.unencodableTrailerError))
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
