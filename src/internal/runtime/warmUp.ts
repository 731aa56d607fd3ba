/**
 * What the runtime does in the build's code-cache training run (core/warmUp.ts serves it): its
 * own `serve` with a stand-in handler, never the user's.
 */
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import * as WarmUp from "../core/warmUp.js"

/** The runtime's own `serve`, passed in (this module is imported by the runtime). */
type Serve = (
  handler: LambdaHandler.LambdaHandler<unknown> | ((event: unknown, context: LambdaContext) => Effect.Effect<unknown>),
  options: { readonly logLevel: LogLevel.LogLevel }
) => Effect.Effect<never, unknown>

/** The warm-up's own handler: it forks detached work, as handlers may. */
const standIn = (event: unknown, context: LambdaContext) =>
  Effect.as(Effect.forkIn(Effect.void, context.detachedScope), { echo: event })

/**
 * The training run: warms the runtime up, then lets the loader write the code cache. `handler`
 * is a stand-in of the runtime's own (never the user's), such as the drop-in's adapter around a
 * plain function, so that its code is compiled too.
 *
 * @internal
 */
export const train = (
  hook: (done: Promise<unknown>) => void,
  serve: Serve,
  handler: Parameters<Serve>[0] = standIn
): void =>
  WarmUp.train(hook, (stopped) => {
    Effect.runFork(serve(handler, { logLevel: LogLevel.None })).addObserver(stopped)
  })
