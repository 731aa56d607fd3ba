/**
 * A streaming `/response` POST as the loop's `ResponseWriter`: the shared core's writer
 * (core/responseStream.ts: chunked body, trailers, backpressure) with its waits wrapped in
 * `Effect.async` and its failures made `RuntimeApiError`s. The Effect 4 line wraps the same writer.
 */
import * as Effect from "effect/Effect"
import { RuntimeApiError } from "./errors.js"
import type { ResponseWriter } from "../../RuntimeApi.js"
import type * as Core from "../core/responseStream.js"
import type { Failure } from "../core/runtimeApiRequests.js"

/** One wait of the core's writer as an Effect; interrupting it stops the wait. */
const wait = (start: (done: Core.Settled) => () => void): Effect.Effect<void, RuntimeApiError> =>
  Effect.async<void, RuntimeApiError>((resume) => {
    const stop = start((failure: Failure | undefined) =>
      resume(failure === undefined ? Effect.void : Effect.fail(new RuntimeApiError(failure)))
    )
    return Effect.sync(stop)
  })

/** @internal */
export const wrap = (writer: Core.StreamWriter): ResponseWriter => ({
  write: writer.write,
  // No wait set up while the writer takes more: this runs after every chunk.
  drained: Effect.suspend(() => writer.ready() ? Effect.void : wait(writer.whenDrained)),
  end: (error) => wait((done) => writer.end(error, done))
})
