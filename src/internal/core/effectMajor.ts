/**
 * Which major version of Effect made a value, read from the keys each major stamps on its values
 * and nothing else, so that either line can tell a value of the other line from one of its own
 * without loading that line's `effect` (this module imports no `effect`):
 *
 * - Effect 3 marks every Effect with `Symbol.for("effect/Effect")` (a variance object that carries
 *   the copy's version as `_V`) and every Layer with `Symbol.for("effect/Layer")`;
 * - Effect 4 marks them with the string keys `"~effect/Effect"` and `"~effect/Layer"`, on the
 *   prototype, without a version;
 * - each line's `LambdaHandler` carries a key of its own: `Symbol.for("effect-lambda-runtime/LambdaHandler")`
 *   (Effect 3) and `Symbol.for("effect-lambda-runtime/effect4/LambdaHandler")` (Effect 4).
 *
 * A user with both majors installed can hand one line a value of the other: that line would take
 * it for a plain function or die with "Not a valid effect" at the first invocation. Each line
 * asks {@link wrongMajorProblem} at init (and of a handler's result) and reports what it finds.
 *
 * @internal
 */

/**
 * A major version of Effect, and of this project's lines.
 *
 * @internal
 */
export type EffectMajor = 3 | 4

/**
 * What a value of some major is: an Effect, a Layer, or a `LambdaHandler` of that major's line.
 *
 * @internal
 */
export type EffectKind = "Effect" | "Layer" | "LambdaHandler"

/**
 * A value and the major that made it.
 *
 * @internal
 */
export interface EffectValue {
  readonly major: EffectMajor
  readonly kind: EffectKind
  /** The version of the `effect` copy that made it, when that copy says (Effect 3 does). */
  readonly version?: string | undefined
}

/** The keys, most specific first: a `LambdaHandler` is named as one before anything else. */
const marks: ReadonlyArray<readonly [PropertyKey, EffectMajor, EffectKind]> = [
  [Symbol.for("effect-lambda-runtime/LambdaHandler"), 3, "LambdaHandler"],
  [Symbol.for("effect-lambda-runtime/effect4/LambdaHandler"), 4, "LambdaHandler"],
  [Symbol.for("effect/Layer"), 3, "Layer"],
  ["~effect/Layer", 4, "Layer"],
  [Symbol.for("effect/Effect"), 3, "Effect"],
  ["~effect/Effect", 4, "Effect"]
]

/** `key in u`, false for what has no properties or refuses to say (a Proxy whose `has` throws). */
const has = (u: object, key: PropertyKey): boolean => {
  try {
    return key in u
  } catch {
    return false
  }
}

/** The `_V` an Effect 3 value's variance carries, if it can be read. */
const versionOf = (u: object): string | undefined => {
  try {
    const variance = (u as Record<symbol, unknown>)[Symbol.for("effect/Effect")]
    const version = typeof variance === "object" && variance !== null ? (variance as { _V?: unknown })._V : undefined
    return typeof version === "string" ? version : undefined
  } catch {
    return undefined
  }
}

/**
 * The major and kind of `u` when it is an Effect, a Layer or a `LambdaHandler` of either major;
 * `undefined` for anything else (a plain function, a Promise, data).
 *
 * @internal
 */
export const effectValueOf = (u: unknown): EffectValue | undefined => {
  if ((typeof u !== "object" && typeof u !== "function") || u === null) return undefined
  for (const [key, major, kind] of marks) {
    if (has(u, key)) return major === 3 ? { major, kind, version: versionOf(u) } : { major, kind }
  }
  return undefined
}

/** What each line's users install to run a value of that major. */
const lineOf: Record<EffectMajor, string> = {
  3: "effect-lambda-runtime@0 (Effect 3 line)",
  4: "effect-lambda-runtime@1 (Effect 4 line)"
}

/**
 * The `errorType` of a handler, layer or init given to a line of the other major: reported as
 * the function's init error.
 *
 * @internal
 */
export const WRONG_MAJOR_ERROR_TYPE = "Runtime.InvalidHandler"

/**
 * The message for `found`, a value of another major given to the line of `runtime`, as `subject`
 * says ("LambdaRuntime.run was given", "The handler returned").
 *
 * @internal
 */
export const wrongMajorMessage = (found: EffectValue, runtime: EffectMajor, subject: string): string => {
  const made = found.version === undefined ? "" : ` (effect ${found.version})`
  return `${subject} an Effect ${found.major} ${found.kind}${made}: an Effect ${found.major} value given to the ` +
    `Effect ${runtime} runtime; install ${lineOf[found.major]} or move the handler to effect@${runtime}`
}

/**
 * `undefined` when `u` is not a value of another major than `runtime`'s, else the message that
 * says so (see {@link wrongMajorMessage}).
 *
 * @internal
 */
export const wrongMajorProblem = (u: unknown, runtime: EffectMajor, subject: string): string | undefined => {
  const found = effectValueOf(u)
  return found === undefined || found.major === runtime ? undefined : wrongMajorMessage(found, runtime, subject)
}

/**
 * What a line checks at init, in order: the handler given to `run` / `serve`, its init Effect
 * (`LambdaHandler.fromInit`) and the `layer` option. The first problem found, or `undefined`.
 *
 * @internal
 */
export const initProblem = (
  runtime: EffectMajor,
  given: { readonly handler: unknown; readonly layer?: unknown }
): string | undefined => {
  const init = effectValueOf(given.handler)?.kind === "LambdaHandler"
    ? (given.handler as { readonly init?: unknown }).init
    : undefined
  return wrongMajorProblem(given.handler, runtime, "LambdaRuntime.run was given") ??
    wrongMajorProblem(init, runtime, "LambdaHandler.fromInit was given") ??
    wrongMajorProblem(given.layer, runtime, "The layer option is")
}

const kindOf = (u: unknown): string => {
  if (u === null || u === undefined) return String(u)
  try {
    if (typeof (u as { then?: unknown }).then === "function") return "a Promise"
  } catch {
    // a getter that throws: an object all the same
  }
  return typeof u === "object" ? "an object" : `a ${typeof u}`
}

/**
 * The message for a handler result that is no Effect of either major (a Promise, a plain value,
 * or an Effect of a copy of `effect` neither line knows), as `subject` says ("The handler
 * returned"); `runtimeEffect` is the version of the `effect` the line runs on.
 *
 * @internal
 */
export const notAnEffectMessage = (u: unknown, subject: string, runtimeEffect: string): string => {
  const kind = kindOf(u)
  return kind === "a Promise"
    ? `${subject} a Promise, not an Effect: an Effect handler wraps promises with Effect.promise ` +
      "or Effect.tryPromise (plain async handlers run with the drop-in, effect-lambda-runtime/node)"
    : `${subject} ${kind}, not an Effect of the effect that effect-lambda-runtime runs on ` +
      `(effect ${runtimeEffect}). If it is an Effect, another copy of effect made it, one of ` +
      "another major version: install one copy (`npm ls effect` lists them)"
}
