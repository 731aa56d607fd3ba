/**
 * The flushes a user's layer registers with `LambdaRuntime.flushAfterResponse` (an OpenTelemetry
 * SDK's `forceFlush`, a metrics client's buffer), as on the Effect 3 line: run in every
 * invocation's window after the response, beside the runtime's own export, and once more on
 * shutdown, each bounded so that a slow one never holds the next invocation past its deadline.
 * Registered for the layer's lifetime: released with it.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** How long one flush may take at most (OpenTelemetry's default export timeout). */
const FLUSH_TIMEOUT_MS = 10_000

const flushes = new Set<Effect.Effect<void>>()

/**
 * A layer that registers `flush` while it is alive.
 *
 * @internal
 */
export const layer = (flush: Effect.Effect<void>): Layer.Layer<never> =>
  Layer.effectDiscard(
    Effect.acquireRelease(Effect.sync(() => flushes.add(flush)), () => Effect.sync(() => flushes.delete(flush)))
  )

/**
 * Runs every registered flush at once, each until `untilMs` or its timeout; a failure or a
 * defect is one warning line, never the loop's.
 *
 * @internal
 */
export const flushAll = (nowMs: number, untilMs: number): Effect.Effect<void> =>
  flushes.size === 0 ? Effect.void : Effect.forEach(
    Array.from(flushes),
    (flush) =>
      flush.pipe(
        Effect.timeoutOption(Duration.millis(Math.max(0, Math.min(FLUSH_TIMEOUT_MS, untilMs - nowMs)))),
        Effect.catchCause((cause) => Effect.logWarning("A flush after the response failed", cause))
      ),
    { concurrency: "unbounded", discard: true }
  ).pipe(Effect.withTracerEnabled(false))
