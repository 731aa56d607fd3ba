/**
 * `effect-lambda serve`'s server: the emulator, a runtime process of the module kept running under
 * it as `effect-lambda emulator <module>` keeps one (a fresh one after a timeout or an exit), and
 * the front door (`frontDoor.ts`) that turns each real HTTP request into the chosen integration's
 * event and writes the answer back. Plain TypeScript: the CLI, which both lines ship, runs it.
 *
 * Invocations go through the emulator's invoke endpoint over loopback rather than its in-process
 * API: that endpoint already decodes the HTTP integration prelude and forwards streamed
 * responses live, so a streamed answer arrives at the front door as an ordinary chunked response.
 *
 * @internal
 */
import * as Engine from "../emulator/engine.js"
import type { EmulatorEngine } from "../emulator/engine.js"
import { superviseRuntime } from "../emulator/runtimeProcess.js"
import * as FrontDoor from "./frontDoor.js"
import type { EventShape, FrontDoorLog } from "./frontDoor.js"

/**
 * Options of {@link start}.
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
  readonly concurrency?: number | undefined
  /** ALB with multi-value headers enabled on the target group (`multiValueHeaders` and `multiValueQueryStringParameters`). */
  readonly albMultiValueHeaders?: boolean | undefined
}

/**
 * The running server; `close` stops the front door, the runtime process and the emulator.
 *
 * @internal
 */
export interface Server {
  readonly url: string
  readonly port: number
  readonly emulator: EmulatorEngine
  readonly close: () => Promise<void>
}

/**
 * Starts the emulator, keeps a runtime process of `file` running under it, and serves HTTP on
 * `127.0.0.1`. `log` receives the front door's lines (info: one a request; error: a failure,
 * answered 502) and the emulator's warnings; `printError` the runtime supervision's events.
 *
 * @internal
 */
export const start = async (
  options: ServeOptions,
  log: FrontDoorLog & { readonly warn: (message: string) => void },
  printError: (line: string) => void
): Promise<Server> => {
  const emulator = await Engine.start({
    functionTimeoutMs: options.functionTimeoutMs,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {})
  }, log.warn)
  const supervision = superviseRuntime(options.file, emulator, printError)
  let frontDoor: FrontDoor.FrontDoor
  try {
    frontDoor = await FrontDoor.start({
      shape: options.shape,
      port: options.port,
      invokeHost: emulator.host,
      albMultiValueHeaders: options.albMultiValueHeaders
    }, log)
  } catch (error) {
    await supervision.stop()
    await emulator.close()
    throw error
  }
  return {
    url: frontDoor.url,
    port: frontDoor.port,
    emulator,
    close: async () => {
      await frontDoor.close()
      await supervision.stop()
      await emulator.close()
    }
  }
}
