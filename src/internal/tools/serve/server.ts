/**
 * `effect-lambda serve`: a local HTTP server in front of a function module, for development.
 * Each real HTTP request becomes the event of one integration (API Gateway REST or HTTP API,
 * Function URL, ALB), the function runs under the emulator as `effect-lambda emulator <module>`
 * runs it, and its answer is written back as the integration would: a buffered response decoded
 * from its JSON, a streamed one (HTTP integration prelude) passed through as it arrives, a
 * failure as a `502`.
 *
 * The server is `node:http`, as the emulator's: it must pass a streamed body on chunk by chunk
 * with the client's read pace (backpressure) and end it abruptly when the function fails
 * mid-stream, which is a few lines on the raw streams. Invocations go through the emulator's
 * invoke endpoint over loopback rather than its in-process API: that endpoint already decodes
 * the prelude and forwards streamed responses live, so a streamed answer arrives here as an
 * ordinary chunked response (marked by its `Trailer` header) and a buffered one as the payload.
 *
 * The front door itself is the shared core's (`core/serve/frontDoor.ts`, no Effect); this module
 * is the Effect 3 side: the emulator, the runtime process under it, the logger, the scope.
 *
 * @internal
 */
import { Effect, Runtime } from "effect"
import type { Scope } from "effect"
import type * as Api from "../../../Emulator.js"
import * as FrontDoor from "../../core/serve/frontDoor.js"
import type { EventShape } from "../../core/serve/frontDoor.js"
import * as Emulator from "../emulator/server.js"
import { superviseRuntime } from "../functionProcess.js"

/** @internal */
export type { EventShape } from "../../core/serve/frontDoor.js"
/** @internal */
export { eventShapes } from "../../core/serve/frontDoor.js"

/**
 * Options of {@link make}.
 *
 * @internal
 */
export interface ServeOptions {
  /** The function module, started as `effect-lambda run` starts it. */
  readonly file: string
  readonly shape: EventShape
  /** Port on `127.0.0.1`; `0` picks a free one. */
  readonly port: number
  readonly functionTimeoutMs: number
  /** `AWS_LAMBDA_MAX_CONCURRENCY` for the function (default 1); see the emulator's concurrent mode. */
  readonly concurrency?: number
  /** ALB with multi-value headers enabled on the target group (`multiValueHeaders` and `multiValueQueryStringParameters`). */
  readonly albMultiValueHeaders?: boolean
}

/**
 * The running server.
 *
 * @internal
 */
export interface Server {
  readonly url: string
  readonly port: number
  readonly emulator: Api.EmulatorService
}

/**
 * Starts the emulator, keeps a runtime process of `file` running under it (a fresh one after a
 * timeout or an exit), and serves HTTP on `127.0.0.1` for the lifetime of the scope.
 *
 * @internal
 */
export const make = (options: ServeOptions): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({
      functionTimeoutMs: options.functionTimeoutMs,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {})
    })
    yield* Effect.forkScoped(superviseRuntime(options.file, emulator))
    const runtime = yield* Effect.runtime<never>()
    const log: FrontDoor.FrontDoorLog = {
      info: (message) => Runtime.runSync(runtime)(Effect.logInfo(message)),
      error: (message) => Runtime.runSync(runtime)(Effect.logError(message))
    }
    const frontDoor = yield* Effect.acquireRelease(
      Effect.promise(() =>
        FrontDoor.start({
          shape: options.shape,
          port: options.port,
          invokeHost: emulator.host,
          albMultiValueHeaders: options.albMultiValueHeaders
        }, log)
      ),
      (frontDoor) => Effect.promise(frontDoor.close)
    )
    return { url: frontDoor.url, port: frontDoor.port, emulator }
  })
