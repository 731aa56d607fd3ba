/**
 * `effect-lambda emulator`: serves the Runtime API and the invoke endpoint until SIGINT, for
 * `curl`. With a module it runs it as `run` does and, as Lambda resets the environment, stops it
 * and starts a fresh one after a timeout (and starts it again when it exits). Without one, the
 * runtime is started by hand: after a timeout the emulator prints that it must be restarted with
 * the fresh environment's Runtime API address and refuses the old address (500 to `/next`, so that
 * the old runtime exits) instead of handing it the next invocation. `--concurrency N` runs the
 * concurrent mode of Lambda Managed Instances (no resets).
 *
 * @internal
 */
import type { EmulatorEngine } from "../emulator/engine.js"
import { describeReset, superviseRuntime } from "../emulator/runtimeProcess.js"
import * as P from "../protocol.js"
import type { Command, Scope } from "./command.js"
import { nonNegative } from "./command.js"
import {
  concurrencyOf,
  concurrencyOption,
  handlerModule,
  portOption,
  startEmulator,
  timeoutMsOf,
  timeoutOption
} from "./shared.js"
import { print, printError, seconds } from "./terminal.js"

/**
 * For a runtime started by hand the emulator cannot reset the environment: at each reset it says
 * so, naming the fresh environment's Runtime API address, and refuses the old runtime.
 *
 * @internal
 */
export const announceResets = (emulator: EmulatorEngine, scope: Scope): void => {
  let cancel = () => {}
  const from = (n: number) => {
    cancel = emulator.onReset(n, (reset) => {
      printError(
        `effect-lambda: ${describeReset(reset)}. Lambda resets the environment here: stop your runtime and start ` +
          `a fresh one with export AWS_LAMBDA_RUNTIME_API='${
            emulator.environment()[P.env.runtimeApi]
          }' (the fresh environment's Runtime API). Until then invocations wait, and the old address refuses ` +
          `the old runtime (500 to its /next, 400 to its late results).`
      )
      from(n + 1)
    })
  }
  from(1)
  scope.add(() => cancel())
}

/**
 * The `emulator` subcommand.
 *
 * @internal
 */
export const command: Command = {
  name: "emulator",
  synopsis: "emulator [<handler-module>] [--port 9001] [--timeout <seconds>] [--concurrency N]",
  description: "Serve the Runtime API and the invoke endpoint until Ctrl+C. With a module, run it and start a fresh " +
    "one after a timeout or an exit, as Lambda resets its environment; without one, print the environment " +
    "for a runtime started by hand (after a timeout, restart it with the new AWS_LAMBDA_RUNTIME_API printed). " +
    "With --concurrency N, emulate Lambda Managed Instances: N invocations at once, per-invocation timeouts.",
  argument: handlerModule(true),
  options: [
    timeoutOption,
    concurrencyOption,
    portOption(9001, "The Runtime API's and invoke endpoint's port on 127.0.0.1")
  ],
  execute: async (line, scope) => {
    const timeoutMs = timeoutMsOf(line)
    const concurrency = concurrencyOf(line)
    const port = nonNegative(line, "port", true, 9001)
    const file = line.argument
    const emulator = await startEmulator(scope, { port, functionTimeoutMs: timeoutMs, concurrency })
    print(
      `Lambda Runtime API emulator on ${emulator.host} (function timeout ${seconds(timeoutMs)}` +
        (concurrency > 1 ? `, concurrency ${concurrency} as Lambda Managed Instances)` : ")")
    )
    if (file === undefined) {
      print(`Environment for a runtime started by hand:`)
      for (const [name, value] of Object.entries(emulator.environment())) print(`  export ${name}='${value}'`)
    } else {
      print(
        `Runtime: ${file} (started again after ${
          concurrency > 1 ? "an exit" : "a timeout or an exit"
        }, as Lambda resets its environment)`
      )
    }
    print(`Invoke:`)
    print(`  curl -XPOST "http://${emulator.host}${P.paths.invoke}" -d '{}'`)
    print(`Press Ctrl+C to stop.`)
    if (file === undefined) announceResets(emulator, scope)
    else scope.add(superviseRuntime(file, emulator, printError).stop)
    // Until Ctrl+C: the entry then undoes the scope and exits 130.
    return new Promise<number>(() => {})
  }
}
