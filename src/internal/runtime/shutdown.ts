/**
 * What a signal does to the invocation in flight: the loop is interrupted as a whole, and this
 * runs once, as its interruption handler. The handler and the detached fibers are interrupted
 * and their finalizers run, an invocation not yet answered gets a best-effort `/error`, all
 * within the shutdown budget (each wait gives up at its deadline and says so; init.ts
 * releases the layer with what is left, and a plain Node timer ends the process past it).
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { FatalRuntimeError, RuntimeApiError } from "../../LambdaError.js"
import type { Response, RuntimeApiService } from "../../RuntimeApi.js"
import { hasFinalizers } from "./detached.js"
import { fromFailure } from "../core/errorDocument.js"
import type { Lifecycle } from "./lifecycle.js"
import type { ErrorDocument } from "../core/protocol.js"
import { awaitUntil, until } from "./timers.js"

/** The error type of an invocation cut short by SIGTERM or SIGINT. */
export const SHUTDOWN_ERROR_TYPE = "Runtime.Shutdown"

/** How an invocation cut short by a shutdown is reported (its stack is the runtime's: not kept). */
class ShutdownError extends Data.TaggedError("Shutdown")<{ readonly signal: string | undefined }> {
  readonly errorType = SHUTDOWN_ERROR_TYPE
  override get message(): string {
    return `The runtime was shut down${this.signal === undefined ? "" : ` (${this.signal})`} before the invocation completed`
  }
}

/** The `/error` document of an invocation cut short by a shutdown. */
export const shutdownDocument = (signal: string | undefined): ErrorDocument => ({
  ...fromFailure(new ShutdownError({ signal })),
  stackTrace: []
})

/** Waits for `effect` until `deadline`; past it, records `what` as still running. */
const within = (life: Lifecycle, what: string, effect: Effect.Effect<unknown>, deadline: number): Effect.Effect<unknown> =>
  Effect.suspend(() => {
    life.shutdownStage = what
    return until(effect, deadline)
  }).pipe(
    Effect.tap((done) => {
      if (Option.isNone(done)) life.abandoned.push(what)
      life.shutdownStage = undefined
    })
  )

/**
 * Stops the invocation recorded in `life`, if any. `postResult` posts a result the handler
 * already has (it ended while the signal arrived).
 */
export const stopInvocation = (
  life: Lifecycle,
  api: RuntimeApiService,
  postResult: (exit: Exit.Exit<Response, unknown>) => Effect.Effect<void, FatalRuntimeError>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const requestId = life.requestId
    if (requestId === undefined) return Effect.void
    const deadline = life.deadline()
    const handler = life.handlerFiber
    return Effect.gen(function*() {
      // A stream on the wire ends with the shutdown in its trailers, not a bare interruption.
      life.streamed?.interruptedBy(new ShutdownError({ signal: life.shutdownSignal }))
      if (handler !== undefined && handler.unsafePoll() === null) yield* handler.interruptAsFork(FiberId.none)
      // Answered first: the caller should not wait for the finalizers, and they may never end.
      if (!life.answered && life.streamed?.started() !== true) {
        life.answered = true
        const done = handler?.unsafePoll()
        const post: Effect.Effect<void, RuntimeApiError | FatalRuntimeError> = done !== undefined && done !== null && !(Exit.isFailure(done) && Exit.isInterrupted(done))
          ? postResult(done as Exit.Exit<Response, unknown>)
          : Effect.zipRight(
            Effect.logError(`Shutting down (${life.shutdownSignal ?? "interrupted"}) during the invocation; answering it with ${SHUTDOWN_ERROR_TYPE}`),
            api.fail(requestId, shutdownDocument(life.shutdownSignal))
          )
        yield* within(
          life,
          `the result POST of invocation ${requestId}`,
          Effect.catchAll(post, (error) => Effect.logError(`Could not answer the invocation: ${error.message}`)),
          deadline
        )
      }
      if (handler !== undefined && handler.unsafePoll() === null) {
        const what = `the handler (fiber #${handler.id().id})`
        life.shutdownStage = what
        const stopped = yield* awaitUntil(handler, deadline)
        life.shutdownStage = undefined
        if (Option.isNone(stopped)) life.abandoned.push(what)
      }
      const detached = life.detached
      if (detached !== undefined && !detached.isEmpty()) {
        yield* within(life, `detached fibers ${detached.liveFiberIds().join(", ") || "(finalizers)"}`, detached.close, deadline)
      }
      const scope = life.invocationScope
      if (scope !== undefined && hasFinalizers(scope)) {
        yield* within(life, "the invocation scope's finalizers", Scope.close(scope, Exit.interrupt(FiberId.none)), deadline)
      }
      life.requestId = undefined
    })
  })
