/**
 * effect-lambda-runtime for Effect 4 (under construction, issue 19): the runtime, the
 * invocation's context, the handler forms and the runtime's errors.
 *
 * @since 1.0.0
 */

/** @since 1.0.0 */
export { LambdaContext } from "./LambdaContext.js"

/** @since 1.0.0 */
export type { LambdaContextShape } from "./LambdaContext.js"

/** @since 1.0.0 */
export * as LambdaError from "./LambdaError.js"

/** @since 1.0.0 */
export * as LambdaHandler from "./LambdaHandler.js"

/** @since 1.0.0 */
export * as LambdaHttp from "./LambdaHttp.js"

/** @since 1.0.0 */
export * as LambdaRuntime from "./LambdaRuntime.js"

/** @since 1.0.0 */
export * as LambdaEvents from "./LambdaEvents.js"

/** @since 1.0.0 */
export * as LambdaTest from "./LambdaTest.js"
