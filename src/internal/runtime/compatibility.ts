/**
 * Whether the `effect` this runtime runs on is one it supports, and whether the handler's
 * Effects come from that same `effect`. Both checks are pure functions of the versions (and the
 * value) they are given: runtime.ts reports what they find as the init error, or as the
 * invocation's error.
 */
import * as Effect from "effect/Effect"
import { notAnEffectMessage, wrongMajorProblem } from "../core/effectMajor.js"
import * as EffectVersion from "../core/effectVersion.js"
import { SUPPORTED_EFFECT, VERSION } from "../core/version.js"

/**
 * The invocation's `errorType` when the handler returned something the runtime cannot run.
 *
 * @internal
 */
export const INVALID_HANDLER_RESULT = "Runtime.InvalidHandlerResult"

/** @internal */
export const UNSUPPORTED_EFFECT = EffectVersion.UNSUPPORTED_EFFECT

/** @internal */
export const satisfies = EffectVersion.satisfies

type Stamped = Record<symbol, { readonly _V?: unknown } | undefined>

/**
 * The variance object of the `effect` copy this module was loaded with: Effect 3 gives every
 * Effect the same one, stamped with the copy's version (`_V`).
 */
const ownVariance = (Effect.void as unknown as Stamped)[Effect.EffectTypeId]
const ownVersion = ownVariance?._V

/**
 * The start-up check with this line's range and version: `undefined` when `installed` is in it,
 * else the init error's message (core/effectVersion.ts).
 *
 * @internal
 */
export const effectVersionProblem = (
  installed: string,
  supported: string = SUPPORTED_EFFECT,
  self: string = VERSION
): string | undefined => EffectVersion.effectVersionProblem(installed, supported, self)

/**
 * The check of a handler's result: `undefined` for an Effect of the runtime's own `effect`,
 * else what is wrong with it, in a message that starts with `subject`. An Effect of another
 * copy of `effect` of a different version carries that version (Effect 3 stamps every Effect
 * with it); one of another major version, or anything else, is not an Effect to this runtime
 * at all, and would die with Effect's "Not a valid effect".
 *
 * @internal
 */
export const handlerResultProblem = (
  result: unknown,
  subject: string = "The handler returned",
  runtimeEffect: unknown = ownVersion
): string | undefined => {
  if (Effect.isEffect(result)) {
    const version = (result as unknown as Stamped)[Effect.EffectTypeId]?._V
    return version === runtimeEffect
      ? undefined
      : `${subject} an Effect made by effect ${String(version)}, but effect-lambda-runtime runs on ` +
        `effect ${String(runtimeEffect)}: two copies of effect are installed. Install one copy ` +
        "(`npm ls effect` lists them; `npm dedupe` may merge them)"
  }
  // An Effect 4 value says so (core/effectMajor.ts): the message names the line to install.
  const otherMajor = wrongMajorProblem(result, 3, subject)
  if (otherMajor !== undefined) return otherMajor
  return notAnEffectMessage(result, subject, String(runtimeEffect))
}

/**
 * `handler` with its result checked: what {@link handlerResultProblem} finds is a defect
 * whose `errorType` is `Runtime.InvalidHandlerResult`. An Effect of the runtime's own `effect`
 * costs one property read and a comparison per invocation.
 *
 * @internal
 */
export const checkedHandler = <Event, Context, A, E, R>(
  handler: (event: Event, context: Context) => Effect.Effect<A, E, R>
) =>
(event: Event, context: Context): Effect.Effect<A, E, R> => {
  const result: unknown = handler(event, context)
  if (ownVariance !== undefined && (result as Stamped | undefined)?.[Effect.EffectTypeId] === ownVariance) {
    return result as Effect.Effect<A, E, R>
  }
  const problem = handlerResultProblem(result)
  return problem === undefined
    ? result as Effect.Effect<A, E, R>
    : Effect.die(Object.assign(new Error(problem), { name: INVALID_HANDLER_RESULT }))
}
