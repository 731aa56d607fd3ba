/**
 * What the runtime does in the build's code-cache training run (see codeCache.ts): instead of
 * starting, it drives the invocation loop through a stand-in Runtime API so that the functions on
 * the start-up and per-invocation paths are compiled before the loader writes V8's code cache.
 * The user's handler is never called at build time: the warm-up uses its own.
 */
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import type { LambdaContext } from "../LambdaContext.js"
import { RuntimeApiError } from "../LambdaError.js"
import type { Invocation, RuntimeApiService } from "../RuntimeApi.js"
import { env } from "./protocol.js"

/**
 * Rounds of the loop run in the training run: enough to compile every function on the start-up
 * and per-invocation paths.
 */
const WARM_UP_INVOCATIONS = 2

const standInApi = (): RuntimeApiService => {
  let served = 0
  const body = new TextEncoder().encode(`{"warm":true}`)
  const next = Effect.suspend(() => {
    if (served === WARM_UP_INVOCATIONS) {
      // Not retryable: the loop gives up at once and the warm-up ends.
      return Effect.fail(new RuntimeApiError({ operation: "next", reason: "MalformedInvocation", detail: "warm-up done" }))
    }
    served++
    const invocation: Invocation = {
      requestId: `warm-up-${served}`,
      deadlineMs: Date.now() + 60_000,
      functionArn: "arn:aws:lambda:us-east-1:000000000000:function:warm-up",
      traceId: served % 2 === 0 ? "Root=1-00000000-000000000000000000000000" : undefined,
      clientContext: undefined,
      cognitoIdentity: undefined,
      tenantId: undefined,
      contentType: "application/json",
      body
    }
    return Effect.succeed(invocation)
  })
  return {
    next,
    respond: () => Effect.void,
    // The warm-up handler returns a buffered response; this only completes the service.
    streamResponse: () => Effect.succeed({ write: () => true, drained: Effect.void, end: () => Effect.void }),
    fail: () => Effect.void,
    initError: () => Effect.void,
    registerExtension: () => Effect.succeed("warm-up")
  }
}

/** The runtime's own `serve`, passed in (this module is imported by the runtime). */
type Serve = (
  handler: (event: unknown, context: LambdaContext) => Effect.Effect<unknown>,
  options: { readonly registerExtension: false; readonly logLevel: LogLevel.LogLevel },
  makeApi: () => Effect.Effect<RuntimeApiService>
) => Effect.Effect<never, unknown>

const warmUp = (serve: Serve): Promise<unknown> => {
  const api = standInApi()
  const program = serve(
    (event, context) => Effect.as(Effect.forkIn(Effect.void, context.detachedScope), { echo: event }),
    { registerExtension: false, logLevel: LogLevel.None },
    () => Effect.succeed(api)
  )
  // The real configuration path (environment variables) gets compiled too. A training run
  // exits when the warm-up ends, so the variable is not restored.
  process.env[env.runtimeApi] = "warm-up:0"
  return Effect.runPromiseExit(program)
}

/** The training run: warms the loop up, then lets the loader write the code cache. */
export const train = (hook: (done: Promise<unknown>) => void, serve: Serve): void => {
  hook(warmUp(serve))
}
