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
import { fromFunction, functionFacts } from "./handler.js"

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
      const facts = yield* functionFacts
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
 * The stand-in function of the build's training run: an ESM module, as most handlers now are,
 * so that the warm-up loads it as the drop-in loads the user's (the loader's `import()`), and
 * calls Node's context and a detached promise. It differs from the Effect 3 line's in what it
 * answers only: each line trains its own adapter.
 */
const STAND_IN = `export const handler = async (event, context) => {
  context.detach(async (signal) => signal.aborted)
  return { warmed: event, left: context.getRemainingTimeInMillis() > 0, id: context.awsRequestId }
}
`

/**
 * The build's code-cache training run (core/codeCache.ts): the warm-up goes through the drop-in's
 * own init and adapter, with a stand-in function written to a fresh temporary directory. The
 * user's module is never loaded at build time.
 */
const train = (hook: (done: Promise<unknown>) => void): void => {
  const fs = process.getBuiltinModule("node:fs")
  const path = process.getBuiltinModule("node:path")
  const root = fs.mkdtempSync(path.join(process.getBuiltinModule("node:os").tmpdir(), "effect-lambda-drop-in-"))
  fs.writeFileSync(path.join(root, "warm-up.mjs"), STAND_IN)
  const cleanUp = () => fs.rmSync(root, { recursive: true, force: true })
  WarmUp.train((done) => hook(done.finally(cleanUp)), (stopped) => {
    const handler = fromEnvironment({ [Protocol.env.taskRoot]: root, [Protocol.env.handler]: "warm-up.handler" })
    Effect.runFork(
      LambdaRuntime.serve(handler).pipe(Effect.provideService(References.MinimumLogLevel, "None"))
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
