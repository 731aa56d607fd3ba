/**
 * `effect-lambda event <source>`: prints a realistic sample event, e.g. to pipe into `run --event -`.
 *
 * @internal
 */
import { sampleJson, sampleNames } from "../samples/index.js"
import type { Command } from "./command.js"
import { UsageError } from "./command.js"
import { print } from "./terminal.js"

const sources = sampleNames.join(", ")

/**
 * The `event` subcommand.
 *
 * @internal
 */
export const command: Command = {
  name: "event",
  synopsis: "event <source>",
  description:
    "Print a realistic sample event of a source, e.g. effect-lambda event sqs | effect-lambda run handler.ts --event -",
  argument: { name: "source", optional: false, description: `The event source: ${sources}.` },
  options: [],
  execute: (line) => {
    const json = sampleJson(line.argument!)
    if (json === undefined) throw new UsageError(`unknown source "${line.argument}" (one of ${sources})`)
    print(json)
    return Promise.resolve(0)
  }
}
