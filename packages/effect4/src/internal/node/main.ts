/**
 * The Effect 4 line's drop-in bootstrap: reads `_HANDLER` and `LAMBDA_TASK_ROOT`, loads the
 * user's function at init (a failure is the function's init error, posted to `/init/error`) and
 * serves it with `LambdaRuntime.run`, as the Effect 3 line's drop-in does.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as References from "effect/References"
import * as LambdaHandler from "../../LambdaHandler.js"
import * as LambdaRuntime from "../../LambdaRuntime.js"
import { CodeCache, HandlerResolution, NodeLine, Protocol, StreamifyResponse, WarmUp } from "../core.js"
import { functionSettings } from "../invocationContext.js"
import { fromFunction } from "./handler.js"

/** The handler the official runtime assumes when `_HANDLER` is not set. */
const DEFAULT_HANDLER = "index.handler"

/**
 * The user's function as a `LambdaHandler`, loaded during init, by the rules of the managed
 * runtime of Node `major` (the running Node's by default; core/nodeLine.ts): a callback handler
 * on Node 24 or later is an init error, as a module that fails to load is (with the official
 * client's error types, core/handlerResolution.ts).
 *
 * @internal
 */
export const fromEnvironment = (
  env: NodeJS.ProcessEnv = process.env,
  major: number = NodeLine.currentMajor()
): LambdaHandler.LambdaHandler<unknown> =>
  LambdaHandler.fromInit(
    Effect.gen(function*() {
      const facts = yield* functionSettings
      // Modules call `awslambda.streamifyResponse` at their top level: the global comes first.
      StreamifyResponse.installGlobal()
      const fn = yield* Effect.tryPromise({
        try: () =>
          HandlerResolution.loadHandler(
            env[Protocol.env.taskRoot] ?? process.cwd(),
            env[Protocol.env.handler] ?? DEFAULT_HANDLER
          ),
        // The official client's error (`Runtime.ImportModuleError`, ...) or what the module threw.
        catch: (error) => error
      })
      return yield* fromFunction(fn, facts, major)
    })
  )

/**
 * The build's code-cache training run (core/codeCache.ts): the warm-up goes through this line's
 * drop-in, its init included, with the core's stand-in function (core/warmUp.ts).
 */
const train = (hook: (done: Promise<unknown>) => void): void => {
  const standIn = WarmUp.standInFunction(hook)
  WarmUp.train(standIn.hook, (stopped) => {
    Effect.runFork(
      LambdaRuntime.serve(fromEnvironment(standIn.env)).pipe(Effect.provideService(References.MinimumLogLevel, "None"))
    ).addObserver(stopped)
  })
}

/**
 * Starts the runtime in this process with the function named by `_HANDLER` (or, in the build's
 * training run, warms the drop-in up).
 *
 * @internal
 */
export const main = (): void => {
  const hook = CodeCache.trainingHook()
  if (hook !== undefined) return train(hook)
  LambdaRuntime.run(fromEnvironment())
}
