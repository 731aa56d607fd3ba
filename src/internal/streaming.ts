/**
 * Writing a streamed response.
 *
 * The stream is consumed by the handler's own fiber: the loop pipes the handler's result
 * through `consume` before it forks that fiber. That fiber is the one the loop interrupts at
 * `deadline - margin`, the one that carries `LambdaContext`, the request-id log annotation and
 * the supervisor that names detached forks. Consuming the stream in the loop after the handler
 * returned would put the stream outside all of that: past the deadline, and with detached
 * forks made inside the stream untracked. It also makes "the response is complete" mean "the
 * handler fiber ended", exactly as for buffered responses, so the detached window (rules 1-9)
 * needs no change.
 *
 * The POST is opened lazily, at the first non-empty element. Until then nothing is on the
 * wire, so a failure (or the deadline) before the first byte is reported with a plain
 * `/error` by the loop: callers get an ordinary function error instead of an empty 200 body
 * with trailers most clients never look at. After the first byte, the error travels in the
 * trailers.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { HandlerTimeout } from "../LambdaError.js"
import { RuntimeApiError, StreamedResponseTooLarge } from "../LambdaError.js"
import type { Response, ResponseWriter, RuntimeApiService, StreamedResponse } from "../RuntimeApi.js"
import { fromCause } from "./errorDocument.js"
import { MAX_STREAMED_RESPONSE_BYTES } from "./protocol.js"

/**
 * The byte limit of a streamed response. A FiberRef only so that tests can lower it instead of
 * sending 200 MB; the runtime never changes it.
 */
export const maxStreamedBytes: FiberRef.FiberRef<number> = FiberRef.unsafeMake(MAX_STREAMED_RESPONSE_BYTES)

/** The streaming side of one invocation's result. */
export interface StreamedPost {
  /** Buffered responses pass through; a stream is written to the Runtime API. */
  readonly consume: (response: Response) => Effect.Effect<Response, unknown>
  /** Called by the loop just before it interrupts the handler at the deadline. */
  readonly deadlineReached: (error: HandlerTimeout) => void
  /** Whether the POST was opened: then it is the invocation's one result. */
  readonly started: () => boolean
  /** The platform's answer to the streamed POST; `undefined` while it has not ended. */
  readonly result: () => Exit.Exit<void, RuntimeApiError> | undefined
}

const byteLength = (item: Uint8Array | string) => typeof item === "string" ? Buffer.byteLength(item) : item.byteLength

/** @internal */
export const make = (api: RuntimeApiService, requestId: string): StreamedPost => {
  let writer: ResponseWriter | undefined
  let timeout: HandlerTimeout | undefined
  let result: Exit.Exit<void, RuntimeApiError> | undefined

  const write = (response: StreamedResponse, limit: number) => {
    let size = 0
    const open = Effect.map(api.streamResponse(requestId, response.contentType), (opened) => {
      writer = opened
    })
    const writeAll = (items: ReadonlyArray<Uint8Array | string>) => {
      let i = 0
      // Synchronous while the writer takes more; it suspends on `drained` only, so a slow
      // reader stops the stream from being pulled and memory stays at the writer's buffer limit.
      const loop: Effect.Effect<void, RuntimeApiError | StreamedResponseTooLarge> = Effect.suspend(() => {
        while (i < items.length) {
          const item = items[i]!
          const bytes = byteLength(item)
          if (bytes === 0) {
            i++
            continue
          }
          if (size + bytes > limit) return Effect.fail(new StreamedResponseTooLarge({ size: size + bytes, limit }))
          if (writer === undefined) return Effect.zipRight(open, loop)
          size += bytes
          i++
          if (!writer.write(item)) return Effect.zipRight(writer.drained, loop)
        }
        return Effect.void
      })
      return loop
    }
    return Stream.runForEachChunk(response.stream, (chunk) => writeAll(Chunk.toReadonlyArray(chunk)))
  }

  const consume = (response: Response): Effect.Effect<Response, unknown> => {
    if (response._tag === "Buffered") return Effect.succeed(response)
    return Effect.flatMap(FiberRef.get(maxStreamedBytes), (limit) =>
      write(response, limit).pipe(
        Effect.onExit((exit) =>
          Effect.gen(function*() {
            if (Exit.isSuccess(exit)) {
              // An empty stream is still a response: open the POST only to end it.
              if (writer === undefined) writer = yield* api.streamResponse(requestId, response.contentType)
              result = yield* Effect.exit(writer.end())
              return
            }
            // Nothing on the wire yet: the failure goes to the loop, which posts `/error`.
            if (writer === undefined) return
            const cause = timeout !== undefined && Cause.isInterruptedOnly(exit.cause)
              ? Cause.fail(timeout)
              : exit.cause
            // A broken or rejected POST is the loop's to report; anything else is the function's error.
            const fromPlatform = Option.exists(Cause.failureOption(exit.cause), (e) => e instanceof RuntimeApiError)
            if (!fromPlatform) yield* Effect.logError("Invoke Error", cause)
            result = yield* Effect.exit(writer.end(fromCause(cause)))
          })
        ),
        Effect.as(response)
      ))
  }

  return {
    consume,
    deadlineReached: (error) => {
      timeout = error
    },
    started: () => writer !== undefined,
    result: () => result
  }
}
