/**
 * `effect-lambda serve`: a local HTTP server for development. Each request becomes the chosen
 * integration's event, the module runs as under `emulator <module>`, and its answer (buffered
 * or streamed) is written back as the integration would; a failure is a `502` (see
 * `core/serve/server.ts`).
 *
 * @internal
 */
import { eventShapes } from "../serve/frontDoor.js"
import type { EventShape } from "../serve/frontDoor.js"
import * as Server from "../serve/server.js"
import type { Command } from "./command.js"
import { nonNegative, optional, UsageError } from "./command.js"
import { concurrencyOf, concurrencyOption, handlerModule, portOption, timeoutMsOf, timeoutOption } from "./shared.js"
import { log, print, printError, seconds } from "./terminal.js"

const shapeOf = (text: string | undefined): EventShape => {
  if (text === undefined) return "apigw-v2"
  const shape = eventShapes.find((shape) => shape === text)
  if (shape === undefined) throw new UsageError(`--event expects one of ${eventShapes.join(", ")}, got "${text}"`)
  return shape
}

/**
 * The `serve` subcommand.
 *
 * @internal
 */
export const command: Command = {
  name: "serve",
  synopsis:
    "serve <handler-module> [--port 3000] [--event apigw-v1|apigw-v2|function-url|alb] [--multi-value-headers] [--timeout <seconds>] [--concurrency N]",
  description: "A local HTTP server on 127.0.0.1 for development: each request becomes the --event integration's " +
    "Lambda event, the module runs as under emulator, and its answer is written back as HTTP " +
    "(streamed when the function streams; a failure is a 502 logged here).",
  argument: handlerModule(false),
  options: [
    {
      name: "event",
      kind: "string",
      pseudoName: eventShapes.join("|"),
      description: "The integration whose events the requests become (default apigw-v2)."
    },
    {
      name: "multi-value-headers",
      kind: "boolean",
      description: "With --event alb: the target group has multi-value headers on."
    },
    timeoutOption,
    concurrencyOption,
    portOption(3000, "The HTTP server's port on 127.0.0.1")
  ],
  execute: async (line, scope) => {
    const file = line.argument!
    const shape = shapeOf(optional(line, "event"))
    const timeoutMs = timeoutMsOf(line)
    const server = await Server.start({
      file,
      shape,
      port: nonNegative(line, "port", true, 3000),
      functionTimeoutMs: timeoutMs,
      concurrency: concurrencyOf(line),
      albMultiValueHeaders: line.flag("multi-value-headers")
    }, {
      info: (message) => log("INFO", message),
      warn: (message) => log("WARN", message),
      error: (message) => log("ERROR", message)
    }, printError)
    scope.add(server.close)
    print(`Serving ${file} as ${shape} events on ${server.url} (function timeout ${seconds(timeoutMs)})`)
    print(`Press Ctrl+C to stop.`)
    // Until Ctrl+C: the entry then undoes the scope and exits 130.
    return new Promise<number>(() => {})
  }
}
