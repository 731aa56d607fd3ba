/**
 * The drop-in's Effect of `_HANDLER` resolution (core/handlerResolution.ts, which holds the
 * rules and the official client's error names).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Resolution from "../core/handlerResolution.js"

/** @internal */
export type { UserFunction } from "../core/handlerResolution.js"

/**
 * Loads `handler` from `taskRoot`; fails with the official client's errors
 * (`Runtime.ImportModuleError`, ...), or with whatever the module's top level threw.
 *
 * @internal
 */
export const loadHandler = (taskRoot: string, handler: string): Effect.Effect<Resolution.UserFunction, unknown> =>
  Effect.tryPromise({ try: () => Resolution.loadHandler(taskRoot, handler), catch: (error) => error })
