/**
 * The `node:http` side of a streaming `/response` POST (chunked body, error trailers,
 * backpressure), with its outcomes handed to callbacks: both lines of the runtime wrap it in
 * their own Effect (the Effect 3 line's `ResponseWriter`, the Effect 4 line's streaming module),
 * so the writer exists once. Kept apart from the buffered client's lean connection (http1.ts):
 * here the body dominates, and `node:http` is only loaded, with a keep-alive agent of its own,
 * at a function's first stream.
 *
 * @internal
 */
import type * as http from "node:http"
import { describe } from "./inspect.js"
import type { ErrorDocument } from "./protocol.js"
import * as Requests from "./runtimeApiRequests.js"

/**
 * How much the writer lets Node buffer before it waits for `drain`. Node's own mark (16 KiB)
 * is below one typical chunk, which would make every write a wait; `ClientRequest` takes no
 * `highWaterMark` option, so the writer applies its own.
 */
const BUFFER_LIMIT = 1024 * 1024

const call = Requests.streamedResponse

/**
 * What a wait on the POST ended with: `undefined` when it may go on (drained, or the platform
 * accepted the body), else why not.
 *
 * @internal
 */
export type Settled = (failure: Requests.Failure | undefined) => void

/**
 * The open body of one streaming POST.
 *
 * @internal
 */
export interface StreamWriter {
  /** Queues one chunk; `false` when enough is buffered that the caller should wait ({@link whenDrained}). */
  readonly write: (chunk: Uint8Array | string) => boolean
  /** Whether a write may follow at once (nothing to wait for, and the POST not answered or broken). */
  readonly ready: () => boolean
  /**
   * Calls `done` once the buffer has drained (at once when it need not wait), or with the
   * failure when the connection broke or the platform answered before the body ended. Returns
   * what stops the wait (an interrupted writer).
   */
  readonly whenDrained: (done: Settled) => () => void
  /**
   * Ends the body, with the two error trailers when `error` is given, and calls `done` with the
   * platform's answer (`202` even when the trailers report an error). Idempotent: a POST already
   * ended only gives its answer again. Returns what stops the wait.
   */
  readonly end: (error: ErrorDocument | undefined, done: Settled) => () => void
}

/**
 * Opens streaming POSTs to one Runtime API, `node:http` and its agent loaded at the first.
 *
 * @internal
 */
export interface StreamClient {
  readonly open: (requestId: string, contentType: string) => StreamWriter
  /** Drops the agent's sockets (shutdown). */
  readonly close: () => void
}

/**
 * A client for the Runtime API at `host:port`. Synchronous, and without `import()`: a dynamic
 * import in a bundle breaks under Node 20's code cache (codeCache.ts).
 *
 * @internal
 */
export const makeClient = (host: string, port: number): StreamClient => {
  let loaded: { readonly request: typeof http.request; readonly agent: http.Agent } | undefined
  return {
    open: (requestId, contentType) => {
      if (loaded === undefined) {
        const module = process.getBuiltinModule("node:http") as typeof http
        loaded = { request: module.request, agent: new module.Agent({ keepAlive: true, maxSockets: 1 }) }
      }
      return open({ ...loaded, host, port, requestId, contentType })
    },
    close: () => loaded?.agent.destroy()
  }
}

/**
 * Opens one streaming POST: its headers go out at once; the platform answers once the body ended.
 *
 * @internal
 */
export const open = (options: {
  readonly request: typeof http.request
  readonly agent: http.Agent
  readonly host: string
  readonly port: number
  readonly requestId: string
  readonly contentType: string
}): StreamWriter => {
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
  let settled: { readonly failure: Requests.Failure | undefined } | undefined
  let ended = false
  const waiters = new Set<() => void>()
  const settle = (failure: Requests.Failure | undefined) => {
    if (settled !== undefined) return
    settled = { failure }
    const woken = [...waiters]
    waiters.clear()
    for (const wake of woken) wake()
  }
  const transport = (detail: string, cause: unknown): Requests.Failure => ({
    operation: call.operation,
    reason: "Transport",
    detail,
    cause
  })

  let responded = false
  req.on("response", (res) => {
    responded = true
    const chunks: Array<Buffer> = []
    res.on("data", (chunk: Buffer) => chunks.push(chunk))
    res.on("end", () => {
      const status = res.statusCode ?? 0
      settle(
        status !== call.accepted
          ? Requests.statusFailure(call.operation, status, Buffer.concat(chunks))
          : !ended
          ? {
            operation: call.operation,
            reason: "Status",
            status,
            detail: "the platform answered before the streamed body ended"
          }
          : undefined
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

  /** Calls `wake` when the POST settles; returns what forgets it. */
  const onSettled = (wake: () => void) => {
    waiters.add(wake)
    return () => void waiters.delete(wake)
  }

  const ready = () => settled === undefined && (!req.writableNeedDrain || req.writableLength < BUFFER_LIMIT)

  const whenDrained = (done: Settled): () => void => {
    if (settled !== undefined) {
      done(settled.failure)
      return () => {}
    }
    if (ready()) {
      done(undefined)
      return () => {}
    }
    const onDrain = () => {
      stop()
      done(undefined)
    }
    const stop = onSettled(() => {
      req.off("drain", onDrain)
      done(settled!.failure)
    })
    req.once("drain", onDrain)
    return () => {
      stop()
      req.off("drain", onDrain)
    }
  }

  const end = (error: ErrorDocument | undefined, done: Settled): () => void => {
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
    if (settled !== undefined) {
      done(settled.failure)
      return () => {}
    }
    return onSettled(() => done(settled!.failure))
  }

  return {
    write: (chunk) => {
      if (settled !== undefined) return false
      req.write(chunk)
      return req.writableLength < BUFFER_LIMIT
    },
    ready,
    whenDrained,
    end
  }
}

/**
 * The size in bytes of one stream element (a string counts as its UTF-8 encoding).
 *
 * @internal
 */
export const elementByteLength = (item: Uint8Array | string): number =>
  typeof item === "string" ? Buffer.byteLength(item) : item.byteLength

/**
 * Where writing a batch of elements stopped: all written (`-1`); the index to go on from once the
 * writer has drained; `{ open }`, the index of the first byte, for which the POST must be opened
 * first; or `{ tooLarge }`, the size the element at the limit would have reached.
 *
 * @internal
 */
export type Written = number | { readonly open: number } | { readonly tooLarge: number }

/**
 * How much of a streamed body has been written, against its limit.
 *
 * @internal
 */
export interface BodySize {
  size: number
  readonly limit: number
}

/**
 * Writes `items` from `from` through `writer` while it takes more, counting every element against
 * the limit before it is written (the one that would cross it is not). The POST is opened lazily,
 * at the first non-empty element (`{ open }` while `writer` is `undefined`), so that a failure
 * before the first byte can still be a plain `/error`. Each line of the runtime drives this with
 * its own Effect: opening, and waiting for the drain.
 *
 * @internal
 */
export const writeElements = (
  body: BodySize,
  writer: { readonly write: (chunk: Uint8Array | string) => boolean } | undefined,
  items: ReadonlyArray<Uint8Array | string>,
  from: number
): Written => {
  for (let i = from; i < items.length; i++) {
    const item = items[i]!
    const bytes = elementByteLength(item)
    if (bytes === 0) continue
    if (body.size + bytes > body.limit) return { tooLarge: body.size + bytes }
    if (writer === undefined) return { open: i }
    body.size += bytes
    if (!writer.write(item)) return i + 1
  }
  return -1
}

/**
 * The size of a buffered response body; a body that is neither a string nor bytes (a raw
 * handler's bug) throws, before anything is written.
 *
 * @internal
 */
export const bufferedByteLength = (body: Uint8Array | string): number => {
  if (typeof body === "string") return Buffer.byteLength(body)
  if (body instanceof Uint8Array) return body.byteLength
  throw new TypeError(`The response body must be a string or a Uint8Array (got ${describe(body)})`)
}
