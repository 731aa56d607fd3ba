/**
 * Writing a streamed response.
 *
 * The stream is consumed by the handler's own fiber: the loop pipes the handler's result
 * through `consume` before it forks that fiber. That fiber is the one the loop interrupts at
 * `deadline - margin`, the one that carries `LambdaContext`, the request-id log annotation and
 * the supervisor that names detached forks. Consuming the stream in the loop after the handler
 * returned would put the stream outside all of that: past the deadline, and with detached
 * forks made inside the stream untracked. It also makes "the response is complete" mean "the
 * handler fiber ended", exactly as for buffered responses, so the detached window (response
 * posted first, `/next` only once detached fibers have ended or been interrupted at the
 * deadline) needs no change.
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
import { RuntimeApiError, StreamedResponseTooLarge } from "./errors.js"
import type { Response, ResponseWriter, RuntimeApiService, StreamedResponse } from "../../RuntimeApi.js"
import { unhandled } from "../core/errorDocument.js"
import { fromCause } from "./causeDocument.js"
import { describe, isInstanceOf } from "../core/inspect.js"
import { logCause } from "./logger.js"
import type { ErrorDocument } from "../core/protocol.js"
import { MAX_STREAMED_RESPONSE_BYTES } from "../core/protocol.js"
import { writeElements } from "../core/responseStream.js"
import type { BodySize } from "../core/responseStream.js"

/**
 * The byte limit of a streamed response. A FiberRef only so that tests can lower it instead of
 * sending 200 MB; the runtime never changes it.
 *
 * @internal
 */
export const maxStreamedBytes: FiberRef.FiberRef<number> = FiberRef.unsafeMake(MAX_STREAMED_RESPONSE_BYTES)

/**
 * The streaming side of one invocation's result.
 *
 * @internal
 */
export interface StreamedPost {
  /** Buffered responses pass through; a stream is written to the Runtime API. */
  readonly consume: (response: Response) => Effect.Effect<Response, unknown>
  /**
   * Called just before the handler is interrupted from outside (the deadline's `HandlerTimeout`,
   * a shutdown): a stream already on the wire then ends with this failure in its trailers.
   */
  readonly interruptedBy: (error: unknown) => void
  /** Whether the POST was opened: then it is the invocation's one result. */
  readonly started: () => boolean
  /** The platform's answer to the streamed POST; `undefined` while it has not ended. */
  readonly result: () => Exit.Exit<void, RuntimeApiError> | undefined
  /**
   * Ends the POST with `error` in its trailers if it is still open (the loop's last resort,
   * also when ending it died), and gives the platform's answer.
   */
  readonly abort: (error: ErrorDocument) => Effect.Effect<void, RuntimeApiError>
}

/** `instanceof`, which a Proxy's `getPrototypeOf` trap can make throw (core `isInstanceOf` cannot). */
const isRuntimeApiError = (u: unknown): boolean => isInstanceOf(u, RuntimeApiError)

/** @internal */
export const make = (api: RuntimeApiService, requestId: string): StreamedPost => {
  let writer: ResponseWriter | undefined
  let interruptedBy: { readonly error: unknown } | undefined
  let result: Exit.Exit<void, RuntimeApiError> | undefined

  const write = (response: StreamedResponse, limit: number) => {
    const body: BodySize = { size: 0, limit }
    const open = Effect.map(api.streamResponse(requestId, response.contentType), (opened) => {
      writer = opened
    })
    // Synchronous while the writer takes more (core `writeElements`); it suspends on `drained`
    // only, so a slow reader stops the stream from being pulled and memory stays at the
    // writer's buffer limit.
    const writeFrom = (
      items: ReadonlyArray<Uint8Array | string>,
      from: number
    ): Effect.Effect<void, RuntimeApiError | StreamedResponseTooLarge> => {
      const stopped = writeElements(body, writer, items, from)
      if (stopped === -1) return Effect.void
      if (typeof stopped === "number") {
        return Effect.zipRight(
          writer!.drained,
          Effect.suspend(() => writeFrom(items, stopped))
        )
      }
      if ("open" in stopped) return Effect.zipRight(open, Effect.suspend(() => writeFrom(items, stopped.open)))
      return Effect.fail(new StreamedResponseTooLarge({ size: stopped.tooLarge, limit }))
    }
    return Stream.runForEachChunk(response.stream, (chunk) => writeFrom(Chunk.toReadonlyArray(chunk), 0))
  }

  /** Ends the POST (with `error` in its trailers) and keeps the platform's answer. */
  const end = (error?: ErrorDocument) =>
    Effect.suspend(() => {
      if (writer === undefined || result !== undefined) return Effect.void
      return Effect.map(Effect.exit(writer.end(error)), (exit) => {
        result = exit
      })
    })

  /** A failed stream with bytes on the wire: logged, then its error goes into the trailers. */
  const endFailed = (failed: Cause.Cause<unknown>) =>
    Effect.suspend(() => {
      const cause = interruptedBy !== undefined && Cause.isInterruptedOnly(failed)
        ? Cause.fail(interruptedBy.error)
        : failed
      const document = fromCause(cause)
      // A broken or rejected POST is the loop's to report; anything else is the function's error.
      const fromPlatform = Option.exists(Cause.failureOption(failed), isRuntimeApiError)
      return fromPlatform ? end(document) : Effect.zipRight(logCause("Invoke Error", cause, document), end(document))
    })

  const consume = (response: Response): Effect.Effect<Response, unknown> => {
    if (response._tag === "Buffered") return Effect.succeed(response)
    return Effect.flatMap(FiberRef.get(maxStreamedBytes), (limit) =>
      write(response, limit).pipe(
        Effect.onExit((exit) => {
          if (Exit.isSuccess(exit)) {
            // An empty stream is still a response: open the POST only to end it.
            return writer === undefined
              ? Effect.flatMap(api.streamResponse(requestId, response.contentType), (opened) => {
                writer = opened
                return end()
              })
              : end()
          }
          // Nothing on the wire yet: the failure goes to the loop, which posts `/error`.
          if (writer === undefined) return Effect.void
          // Whatever goes wrong while reporting (a bug of ours), the POST still ends with an error.
          return Effect.catchAllDefect(
            endFailed(exit.cause),
            (defect) => end(unhandled(`The stream's failure could not be reported: ${describe(defect)}`))
          )
        }),
        Effect.as(response)
      ))
  }

  return {
    consume,
    interruptedBy: (error) => {
      interruptedBy = { error }
    },
    started: () => writer !== undefined,
    result: () => result,
    // The writer's `end` is idempotent: a POST already ended only gives its answer again.
    abort: (error) =>
      writer === undefined ? Effect.void : Effect.flatMap(Effect.exit(writer.end(error)), (exit) => {
        result = exit
        return exit
      })
  }
}
