/**
 * A drop-in context for calling a plain Node handler directly in a unit test, without the
 * runtime: the shared core's (core/testKit.ts), with the test's timeout read as an Effect 3
 * `Duration`. As the drop-in's, it follows the Node line (core/nodeLine.ts): from Node 24 on it
 * has no `callbackWaitsForEmptyEventLoop`, `done`, `fail` or `succeed`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import { DEFAULT_TIMEOUT_MS, makeDropInContext } from "../core/testKit.js"
import type { TestDropInContext } from "../core/testKit.js"
import type { InvokeOptions } from "../../LambdaTest.js"

/** @internal */
export type { TestDropInContext }

/**
 * The context, by the rules of Node `major` (the running Node's by default).
 *
 * @internal
 */
export const make = (options: InvokeOptions = {}, major?: number): TestDropInContext =>
  makeDropInContext(
    options,
    options.timeout === undefined ? DEFAULT_TIMEOUT_MS : Duration.toMillis(Duration.decode(options.timeout)),
    major
  )
