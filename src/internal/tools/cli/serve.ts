/**
 * `effect-lambda serve`: a local HTTP server for development. Each request becomes the chosen
 * integration's event, the module runs as under `emulator <module>`, and its answer (buffered
 * or streamed) is written back as the integration would; a failure is a `502` (see
 * `internal/tools/serve/server.ts`).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect } from "effect"
import * as Serve from "../serve/server.js"
import { concurrency, handlerModule, invalid, port, print, seconds, timeoutMs } from "./shared.js"

/**
 * The subcommand's name.
 *
 * @internal
 */
export const name = "serve"

/**
 * One line of the top-level usage.
 *
 * @internal
 */
export const synopsis =
  "serve <handler-module> [--port 3000] [--event apigw-v1|apigw-v2|function-url|alb] [--multi-value-headers] [--timeout <seconds>] [--concurrency N]"

const shape = Options.text("event").pipe(
  Options.withPseudoName(Serve.eventShapes.join("|")),
  Options.mapEffect((text) => {
    const shape = Serve.eventShapes.find((shape) => shape === text)
    return shape === undefined
      ? Effect.fail(invalid(`--event expects one of ${Serve.eventShapes.join(", ")}, got "${text}"`))
      : Effect.succeed(shape)
  }),
  Options.withDefault<Serve.EventShape>("apigw-v2"),
  Options.withDescription("The integration whose events the requests become (default apigw-v2).")
)

/**
 * The `serve` subcommand.
 *
 * @internal
 */
export const command = Command.make(name, {
  file: handlerModule,
  shape,
  multiValueHeaders: Options.boolean("multi-value-headers").pipe(
    Options.withDescription("With --event alb: the target group has multi-value headers on.")
  ),
  timeoutMs,
  concurrency,
  port: port(3000, "The HTTP server's port on 127.0.0.1")
}, ({ concurrency, file, multiValueHeaders, port, shape, timeoutMs }) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* Serve.make({
      file,
      shape,
      port,
      functionTimeoutMs: timeoutMs,
      concurrency,
      albMultiValueHeaders: multiValueHeaders
    })
    yield* print(`Serving ${file} as ${shape} events on ${server.url} (function timeout ${seconds(timeoutMs)})`)
    yield* print(`Press Ctrl+C to stop.`)
    return yield* Effect.never
  }))).pipe(
    Command.withDescription(
      "A local HTTP server on 127.0.0.1 for development: each request becomes the --event integration's " +
        "Lambda event, the module runs as under emulator, and its answer is written back as HTTP " +
        "(streamed when the function streams; a failure is a 502 logged here)."
    )
  )
