/**
 * The drop-in bootstrap: reads `_HANDLER` and `LAMBDA_TASK_ROOT`, loads the user's function at
 * init (a failure is the function's init error) and serves it with this runtime's loop.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as LambdaHandler from "../../LambdaHandler.js"
import { trainingHook } from "../core/codeCache.js"
import { env as names } from "../core/protocol.js"
import { standInFunction } from "../core/warmUp.js"
import { fromInit } from "../runtime/handler.js"
import { run, serve } from "../runtime/init.js"
import * as WarmUp from "../runtime/warmUp.js"
import { fromFunction } from "./handler.js"
import { currentMajor } from "../core/nodeLine.js"
import { loadHandler } from "./resolve.js"
import { installGlobal } from "../core/streamifyResponse.js"

/** The handler the official runtime assumes when `_HANDLER` is not set. */
const DEFAULT_HANDLER = "index.handler"

/**
 * The user's function as this runtime's handler, loaded during init, by the rules of the managed
 * runtime of Node `major` (the running Node's by default; nodeLine.ts): a callback handler on
 * Node 24 or later is an init error, as a module that fails to load is.
 *
 * @internal
 */
export const fromEnvironment = (
  env: NodeJS.ProcessEnv = process.env,
  major: number = currentMajor()
): LambdaHandler.LambdaHandler<unknown> =>
  fromInit(
    Effect.suspend(() => {
      // Modules call `awslambda.streamifyResponse` at their top level: the global comes first.
      installGlobal()
      return Effect.flatMap(
        loadHandler(env[names.taskRoot] ?? process.cwd(), env[names.handler] ?? DEFAULT_HANDLER),
        (fn) => fromFunction(fn, major)
      )
    })
  )

/**
 * The build's code-cache training run (codeCache.ts): the warm-up goes through the drop-in's
 * own init and adapter with the core's stand-in function (core/warmUp.ts).
 */
const train = (hook: (done: Promise<unknown>) => void): void => {
  const standIn = standInFunction(hook)
  WarmUp.train(standIn.hook, serve, fromEnvironment(standIn.env))
}

/**
 * Starts the runtime in this process with the function named by `_HANDLER`.
 *
 * @internal
 */
export const main = (): void => {
  const hook = trainingHook()
  if (hook !== undefined) return train(hook)
  run(fromEnvironment())
}
