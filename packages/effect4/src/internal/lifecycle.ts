/**
 * The process-level state of a running runtime on the Effect 4 line, and its waits: the shared
 * core's rules (core/lifecycle.ts: the invocations in flight, the shutdown budget and its
 * stages) with Effect 4's waits on them. A wait that must not outlive a deadline never waits for
 * what it gives up on: an uninterruptible finalizer that never ends cannot hold the runtime past
 * it.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { Lifecycle as Core, Timers } from "./core.js"
import { FatalRuntimeError } from "../LambdaError.js"
import type { LogFormat } from "./logger.js"

/**
 * How an invocation cut short by a shutdown is reported: its `/error`, or the trailers of its
 * stream when one is on the wire (the core's type and message, as on the Effect 3 line).
 *
 * @internal
 */
export class ShutdownError extends Data.TaggedError("Shutdown")<{ readonly signal: string | undefined }> {
  readonly errorType = Core.SHUTDOWN_ERROR_TYPE
  override get message(): string {
    return Core.shutdownMessage(this.signal)
  }
}

/**
 * Logs `detail` at fatal level and fails: the runtime must exit.
 *
 * @internal
 */
export const fatal = (detail: string, cause?: unknown): Effect.Effect<never, FatalRuntimeError> =>
  Effect.andThen(
    Effect.logFatal(detail),
    Effect.fail(new FatalRuntimeError(cause === undefined ? { detail } : { detail, cause }))
  )

/**
 * Calls `onTime` at the absolute time `atMs`; returns the canceller. The runtime's is the core's
 * shared Node timer; `LambdaTest`'s runs on Effect's `Clock` (core `Timers.Timer`).
 *
 * @internal
 */
export type At = Timers.Timer["at"]

/**
 * Waits for `fiber` to end, at most until the absolute time `atMs` (epoch ms); `None` if it was
 * still running then. One observer and one shared timer, no extra fiber.
 *
 * @internal
 */
export const awaitUntil = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  atMs: number,
  at: At = Timers.at
): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
  Effect.suspend(() => {
    const done = fiber.pollUnsafe()
    if (done !== undefined) return Effect.succeed(Option.some(done))
    return Effect.callback<Option.Option<Exit.Exit<A, E>>>((resume) => {
      let removeObserver = () => {}
      const cancel = at(atMs, () => {
        removeObserver()
        resume(Effect.succeed(Option.none()))
      })
      removeObserver = fiber.addObserver((exit) => {
        cancel()
        resume(Effect.succeed(Option.some(exit)))
      })
      return Effect.sync(() => {
        cancel()
        removeObserver()
      })
    })
  })

/**
 * Runs `effect` until the absolute time `atMs` (epoch ms); `None` if it was still running then.
 * Unlike `Effect.timeoutOption`, it never waits for the effect to stop: past `atMs` its fiber is
 * told to stop and left to it.
 *
 * @internal
 */
export const until = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  atMs: number,
  at: At = Timers.at
): Effect.Effect<Option.Option<A>, E, R> =>
  Effect.flatMap(Effect.forkDetach(effect), (fiber) =>
    Effect.flatMap(awaitUntil(fiber, atMs, at), (exit) => {
      if (Option.isSome(exit)) return Effect.map(exit.value, Option.some)
      fiber.interruptUnsafe()
      return Effect.succeed(Option.none())
    }))

/**
 * What the process-level handlers and the loops can do with an invocation in flight (inFlight.ts).
 *
 * @internal
 */
export interface InvocationInFlight extends Core.InFlightEntry {
  /** Stops it on shutdown, answering it if nothing did yet. */
  readonly stop: () => Effect.Effect<void>
}

/**
 * The shared state with the Effect 4 line's waits on it; one per runtime.
 *
 * @internal
 */
export class Lifecycle extends Core.LifecycleState<InvocationInFlight> {
  /** The format and level in force, once read (lines logged outside any fiber use them). */
  logFormat: LogFormat = "Text"
  logLevel: LogLevel.LogLevel = "Info"

  /** Completes when no invocation is in flight. */
  readonly awaitIdle: Effect.Effect<void> = Effect.callback<void>((resume) => {
    const cancel = this.whenIdle(() => resume(Effect.void))
    return Effect.sync(cancel)
  })

  /** Waits for `effect` until the shutdown's deadline; past it, records `what` as still running. */
  within(what: string, effect: Effect.Effect<unknown>): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.enterStage(what)
      return until(effect, this.deadline())
    }).pipe(Effect.map((done) => this.leaveStage(what, Option.isSome(done))))
  }

  /** Stops every invocation in flight (at once: each has the same budget). */
  readonly stopAll: Effect.Effect<void> = Effect.suspend(() =>
    this.inFlight.size === 0
      ? Effect.void
      : Effect.forEach(Array.from(this.inFlight), (invocation) => invocation.stop(), {
        concurrency: "unbounded",
        discard: true
      })
  )
}
