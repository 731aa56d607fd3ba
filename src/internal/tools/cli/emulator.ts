/**
 * `effect-lambda emulator`: serves the Runtime API and the invoke endpoint until SIGINT, for
 * `curl`. With a module it runs it as `run` does and, as Lambda resets the environment, stops it
 * and starts a fresh one after a timeout (and starts it again when it exits). Without one, the
 * runtime is started by hand: after a timeout the emulator prints that it must be restarted with
 * the fresh environment's Runtime API address and refuses the old address (500 to `/next`, so that
 * the old runtime exits) instead of handing it the next invocation. `--concurrency N` runs the
 * concurrent mode of Lambda Managed Instances (no resets).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { Effect, Option } from "effect"
import * as Emulator from "../emulator/server.js"
import * as P from "../../core/protocol.js"
import { announceResets, superviseRuntime } from "../functionProcess.js"
import { concurrency, handlerModule, port, print, seconds, timeoutMs } from "./shared.js"

/**
 * The subcommand's name.
 *
 * @internal
 */
export const name = "emulator"

/**
 * One line of the top-level usage.
 *
 * @internal
 */
export const synopsis = "emulator [<handler-module>] [--port 9001] [--timeout <seconds>] [--concurrency N]"

/**
 * The `emulator` subcommand.
 *
 * @internal
 */
export const command = Command.make(name, {
  file: Args.optional(handlerModule),
  timeoutMs,
  concurrency,
  port: port(9001, "The Runtime API's and invoke endpoint's port on 127.0.0.1")
}, ({ concurrency, file, port, timeoutMs }) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = yield* Emulator.make({ port, functionTimeoutMs: timeoutMs, concurrency })
    yield* print(
      `Lambda Runtime API emulator on ${emulator.host} (function timeout ${seconds(timeoutMs)}` +
        (concurrency > 1 ? `, concurrency ${concurrency} as Lambda Managed Instances)` : ")")
    )
    if (Option.isNone(file)) {
      yield* print(`Environment for a runtime started by hand:`)
      for (const [name, value] of Object.entries(emulator.environment)) yield* print(`  export ${name}='${value}'`)
    } else {
      yield* print(
        `Runtime: ${file.value} (started again after ${
          concurrency > 1 ? "an exit" : "a timeout or an exit"
        }, as Lambda resets its environment)`
      )
    }
    yield* print(`Invoke:`)
    yield* print(`  curl -XPOST "http://${emulator.host}${P.paths.invoke}" -d '{}'`)
    yield* print(`Press Ctrl+C to stop.`)
    return yield* (Option.isNone(file) ? announceResets(emulator) : superviseRuntime(file.value, emulator))
  }))).pipe(
    Command.withDescription(
      "Serve the Runtime API and the invoke endpoint until Ctrl+C. With a module, run it and start a fresh one " +
        "after a timeout or an exit, as Lambda resets its environment; without one, print the environment " +
        "for a runtime started by hand (after a timeout, restart it with the new AWS_LAMBDA_RUNTIME_API printed). " +
        "With --concurrency N, emulate Lambda Managed Instances: N invocations at once, per-invocation timeouts."
    )
  )
