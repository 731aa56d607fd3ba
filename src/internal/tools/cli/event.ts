/** `effect-lambda event <source>`: prints a realistic sample event, e.g. to pipe into `run --event -`. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { Effect } from "effect"
import { sampleJson, sampleNames } from "../../core/samples/index.js"
import { invalidArgument, print } from "./shared.js"

/**
 * The subcommand's name.
 *
 * @internal
 */
export const name = "event"

/**
 * One line of the top-level usage.
 *
 * @internal
 */
export const synopsis = "event <source>"

const sources = sampleNames.join(", ")

/** The sample's JSON, found while parsing so that an unknown source is a usage error. */
const source = Args.text({ name: "source" }).pipe(
  Args.mapEffect((name) => {
    const json = sampleJson(name)
    return json === undefined
      ? Effect.fail(invalidArgument(`unknown source "${name}" (one of ${sources})`))
      : Effect.succeed(json)
  }),
  Args.withDescription(`The event source: ${sources}.`)
)

/**
 * The `event` subcommand.
 *
 * @internal
 */
export const command = Command.make(name, { json: source }, ({ json }) => print(json)).pipe(
  Command.withDescription(
    "Print a realistic sample event of a source, e.g. effect-lambda event sqs | effect-lambda run handler.ts --event -"
  )
)
