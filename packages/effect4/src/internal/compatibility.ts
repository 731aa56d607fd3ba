/**
 * Values of the other major on the Effect 4 line (core/effectMajor.ts tells them apart): what
 * `run` / `serve` were given is checked at init, and a plain function's result at each
 * invocation, so that an Effect 3 handler is reported in words instead of dying with Effect's
 * "Not a valid effect".
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Version from "effect/Version"
import * as LambdaHandler from "../LambdaHandler.js"
import { EffectMajor } from "./core.js"

/**
 * The `errorType` of an invocation whose handler returned an Effect of the other major, as the
 * Effect 3 line names a result it cannot run.
 *
 * @internal
 */
export const INVALID_HANDLER_RESULT = "Runtime.InvalidHandlerResult"

/**
 * What `run` / `serve` were given, checked before anything runs: the init error's message when
 * the handler, its init Effect or the layer is a value of Effect 3.
 *
 * @internal
 */
export const initProblem = (handler: unknown, layer: unknown): string | undefined =>
  EffectMajor.initProblem(4, { handler, layer })

/**
 * `handler` with its result checked: anything but an Effect 4 value (an Effect 3 one, a Promise,
 * a plain value) is a defect named `Runtime.InvalidHandlerResult` whose message says what to do,
 * as on the Effect 3 line. An Effect 4 value costs one check.
 */
const checked =
  <Event, A, E, R>(handler: LambdaHandler.Handler<Event, A, E, R>): LambdaHandler.Handler<Event, A, E, R> =>
  (event, context) => {
    const result: unknown = handler(event, context)
    if (Effect.isEffect(result)) return result as Effect.Effect<A, E, R>
    const problem = EffectMajor.wrongMajorProblem(result, 4, "The handler returned") ??
      EffectMajor.notAnEffectMessage(result, "The handler returned", Version.getCurrentVersion())
    return Effect.die(Object.assign(new Error(problem), { name: INVALID_HANDLER_RESULT }))
  }

/**
 * The handler `run` / `serve` serve: a `LambdaHandler` as it is, a plain function as
 * `LambdaHandler.json(fn, options)` with its result checked.
 *
 * @internal
 */
export const toLambdaHandler = <R>(
  handler: LambdaHandler.LambdaHandler<unknown, R> | LambdaHandler.Handler<unknown, unknown, unknown, R>,
  options: LambdaHandler.JsonOptions<unknown, unknown, unknown, unknown>
): LambdaHandler.LambdaHandler<unknown, R> =>
  LambdaHandler.isLambdaHandler(handler)
    ? handler as LambdaHandler.LambdaHandler<unknown, R>
    : LambdaHandler.json(checked(handler), options)
