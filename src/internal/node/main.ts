/**
 * The drop-in bootstrap: reads `_HANDLER` and `LAMBDA_TASK_ROOT`, loads the user's function at
 * init (a failure is the function's init error) and serves it with this runtime's loop.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as LambdaHandler from "../../LambdaHandler.js"
import * as LambdaRuntime from "../../LambdaRuntime.js"
import { fromFunction } from "./handler.js"
import { env as names } from "../protocol.js"
import { loadHandler } from "./resolve.js"
import { installGlobal } from "./streaming.js"

/** The handler the official runtime assumes when `_HANDLER` is not set. */
const DEFAULT_HANDLER = "index.handler"

/** The user's function as this runtime's handler, loaded during init. */
export const fromEnvironment = (
  env: NodeJS.ProcessEnv = process.env
): LambdaHandler.LambdaHandler<unknown> =>
  LambdaHandler.fromInit(
    Effect.suspend(() => {
      // Modules call `awslambda.streamifyResponse` at their top level: the global comes first.
      installGlobal()
      return Effect.map(
        loadHandler(env[names.taskRoot] ?? process.cwd(), env[names.handler] ?? DEFAULT_HANDLER),
        fromFunction
      )
    })
  )

/** Starts the runtime in this process with the function named by `_HANDLER`. */
export const main = (): void => LambdaRuntime.run(fromEnvironment())
