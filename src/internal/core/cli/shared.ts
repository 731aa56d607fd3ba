/**
 * What the `effect-lambda` subcommands share: the options several of them take (`--port`,
 * `--timeout`, `--concurrency`), the handler module argument, and the emulator as the CLI starts it.
 *
 * @internal
 */
import * as Engine from "../emulator/engine.js"
import type { EmulatorEngine } from "../emulator/engine.js"
import type { ArgumentSpec, OptionSpec, ParsedLine, Scope } from "./command.js"
import { nonNegative, UsageError } from "./command.js"
import { log } from "./terminal.js"

/**
 * The function's module: a `.ts` file runs with `node --import tsx` (`tsx` must be installed), other files with `node`.
 *
 * @internal
 */
export const handlerModule = (optional: boolean): ArgumentSpec => ({
  name: "handler-module",
  optional,
  description: "The function's module (it calls LambdaRuntime.run): " +
    "a .ts file runs with node --import tsx (tsx must be installed in the project), any other with node."
})

/**
 * `--port N` on 127.0.0.1, `0` for any free port.
 *
 * @internal
 */
export const portOption = (fallback: number, description: string): OptionSpec => ({
  name: "port",
  kind: "string",
  pseudoName: "N",
  description: `${description} (default ${fallback}; 0 picks a free port).`
})

/**
 * `--timeout <seconds>`: the function timeout.
 *
 * @internal
 */
export const timeoutOption: OptionSpec = {
  name: "timeout",
  kind: "string",
  pseudoName: "seconds",
  description: "The function timeout in seconds (default 3), as configured on the Lambda function."
}

/**
 * `--concurrency N`: `AWS_LAMBDA_MAX_CONCURRENCY`; above 1 the emulator runs in the concurrent
 * mode of Lambda Managed Instances.
 *
 * @internal
 */
export const concurrencyOption: OptionSpec = {
  name: "concurrency",
  kind: "string",
  pseudoName: "N",
  description:
    "Invocations one execution environment runs at once (default 1). Above 1, as Lambda Managed Instances: " +
    "AWS_LAMBDA_MAX_CONCURRENCY=N is set for the function, up to N invocations are handed out at once, " +
    "and a timeout fails that invocation only (the process is not restarted)."
}

/**
 * The `--timeout` in milliseconds (default 3 s).
 *
 * @internal
 */
export const timeoutMsOf = (line: ParsedLine): number => nonNegative(line, "timeout", false, 3) * 1000

/**
 * The `--concurrency` (default 1, at least 1).
 *
 * @internal
 */
export const concurrencyOf = (line: ParsedLine): number => {
  const value = nonNegative(line, "concurrency", true, 1)
  if (value < 1) throw new UsageError(`--concurrency expects at least 1, got ${value}`)
  return value
}

/**
 * Starts the emulator for the lifetime of the command; its warnings are log lines.
 *
 * @internal
 */
export const startEmulator = async (
  scope: Scope,
  options: { readonly port?: number; readonly functionTimeoutMs: number; readonly concurrency: number }
): Promise<EmulatorEngine> => {
  const engine = await Engine.start(options, (message) => log("WARN", message))
  scope.add(engine.close)
  return engine
}
