/**
 * What the runtime does when its bundle is evaluated by `node --build-snapshot` (the build
 * command's snapshot step): it defers its start to the snapshot's main function, and first
 * drives the invocation loop through a stand-in Runtime API so that the functions on the
 * start-up and per-invocation paths are compiled while the snapshot is built, not in every
 * cold start. The user's handler is never called at build time: the warm-up uses its own.
 */
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import * as v8 from "node:v8"
import type { LambdaContext } from "../LambdaContext.js"
import { RuntimeApiError } from "../LambdaError.js"
import type { Invocation, RuntimeApiService } from "../RuntimeApi.js"
import { forgetTraceId } from "./loop.js"
import { env } from "./protocol.js"

/**
 * Rounds of the loop run while the snapshot is built: enough to compile every function on the
 * start-up and per-invocation paths. More rounds only teach V8 the stand-in's types. Measured
 * with the bench server (median of 30 spawns, same run): first invocation answered 1.2 ms after
 * `/next` with 2 rounds, 1.5 ms with 20, 1.8 ms with none; spawn -> first `/next` unchanged.
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
  // The real configuration path (environment variables) gets compiled too; the variable is
  // only set while the warm-up runs.
  const traceId = process.env[env.traceId]
  const runtimeApi = process.env[env.runtimeApi]
  process.env[env.runtimeApi] = "warm-up:0"
  return Effect.runPromiseExit(program).finally(() => {
    if (runtimeApi === undefined) delete process.env[env.runtimeApi]
    else process.env[env.runtimeApi] = runtimeApi
    // The loop sets the trace id variable per invocation; leave the environment as it was.
    if (traceId === undefined) delete process.env[env.traceId]
    else process.env[env.traceId] = traceId
    forgetTraceId()
  })
}

/** Registers `start` as the snapshot's main function, after warming the loop up. */
export const prepare = (start: () => void, serve: Serve): void => {
  // The client's `node:net` goes into the snapshot loaded (the builder accepts it, unlike
  // `node:http`): 0.4 ms less before the first `/next`. It opens no socket here.
  if (typeof process.getBuiltinModule === "function") process.getBuiltinModule("node:net")
  void warmUp(serve)
  v8.startupSnapshot.setDeserializeMainFunction(start)
}
