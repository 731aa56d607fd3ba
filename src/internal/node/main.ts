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
 * The stand-in function of the build's training run: an ESM module, as most handlers now are,
 * so that the warm-up loads it as the drop-in loads the user's (resolve.ts, the loader's
 * `import()`), and uses Node's context and a detached promise.
 */
const STAND_IN = `export const handler = async (event, context) => {
  context.detach(async (signal) => signal.aborted)
  return { echo: event, remaining: context.getRemainingTimeInMillis() > 0 }
}
`

/**
 * The build's code-cache training run (codeCache.ts): the warm-up goes through the drop-in's
 * own init and adapter with a stand-in function written to a fresh temporary directory. The
 * user's module is never loaded at build time.
 */
const train = (hook: (done: Promise<unknown>) => void): void => {
  const fs = process.getBuiltinModule("node:fs")
  const path = process.getBuiltinModule("node:path")
  const root = fs.mkdtempSync(path.join(process.getBuiltinModule("node:os").tmpdir(), "effect-lambda-drop-in-"))
  fs.writeFileSync(path.join(root, "warm-up.mjs"), STAND_IN)
  const cleanUp = () => fs.rmSync(root, { recursive: true, force: true })
  WarmUp.train(
    (done) => hook(done.finally(cleanUp)),
    serve,
    fromEnvironment({ [names.taskRoot]: root, [names.handler]: "warm-up.handler" })
  )
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
