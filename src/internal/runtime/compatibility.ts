/**
 * Whether the `effect` this runtime runs on is one it supports, and whether the handler's
 * Effects come from that same `effect`. Both checks are pure functions of the versions (and the
 * value) they are given: runtime.ts reports what they find as the init error, or as the
 * invocation's error.
 */
import * as Effect from "effect/Effect"
import { notAnEffectMessage, wrongMajorProblem } from "../core/effectMajor.js"
import { SUPPORTED_EFFECT, VERSION } from "../core/version.js"

/**
 * The `/init/error` type when the installed `effect` is outside the supported range.
 *
 * @internal
 */
export const UNSUPPORTED_EFFECT = "Runtime.UnsupportedEffectVersion"

/**
 * The invocation's `errorType` when the handler returned something the runtime cannot run.
 *
 * @internal
 */
export const INVALID_HANDLER_RESULT = "Runtime.InvalidHandlerResult"

type Triple = readonly [number, number, number]

const parse = (version: string): { readonly core: Triple; readonly prerelease: boolean } | undefined => {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version.trim())
  return match === null
    ? undefined
    : { core: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4] !== undefined }
}

const compare = (a: Triple, b: Triple): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]

/**
 * Whether `version` is in `range`: caret ranges (`^3.22.2`), alone or joined by `||`, which is
 * what scripts/version.mjs accepts for the peer dependency. `^x.y.z` is `>= x.y.z` and below
 * the next major (below the next minor for `^0.y.z`, the next patch for `^0.0.z`). A prerelease
 * is below its release and is in the range when its release is above the lower bound and below
 * the upper one (`3.23.0-beta.1` is in `^3.22.2`, `4.0.0-beta.1` is not).
 *
 * @internal
 */
export const satisfies = (version: string, range: string): boolean => {
  const parsed = parse(version)
  if (parsed === undefined) return false
  return range.split("||").some((part) => {
    const bound = /^\^(.*)$/.exec(part.trim())
    const lower = bound === null ? undefined : parse(bound[1]!)
    if (lower === undefined) return false
    const [x, y, z] = lower.core
    const upper: Triple = x > 0 ? [x + 1, 0, 0] : y > 0 ? [0, y + 1, 0] : [0, 0, z + 1]
    const fromLower = compare(parsed.core, lower.core)
    return (fromLower > 0 || (fromLower === 0 && (!parsed.prerelease || lower.prerelease))) &&
      compare(parsed.core, upper) < 0
  })
}

/**
 * The start-up check: `undefined` when `installed` (the `effect` the runtime loaded) is in
 * `supported`, else the init error's message, naming both.
 *
 * @internal
 */
export const effectVersionProblem = (
  installed: string,
  supported: string = SUPPORTED_EFFECT,
  self: string = VERSION
): string | undefined =>
  satisfies(installed, supported)
    ? undefined
    : `effect-lambda-runtime ${self} supports effect ${supported}; effect ${installed} is installed. ` +
      "Install an effect version in that range (`npm ls effect` lists the installed copies)"

type Stamped = Record<symbol, { readonly _V?: unknown } | undefined>

/**
 * The variance object of the `effect` copy this module was loaded with: Effect 3 gives every
 * Effect the same one, stamped with the copy's version (`_V`).
 */
const ownVariance = (Effect.void as unknown as Stamped)[Effect.EffectTypeId]
const ownVersion = ownVariance?._V

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
