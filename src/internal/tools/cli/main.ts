/**
 * The `effect-lambda` command: its subcommands, how the command line is read before @effect/cli
 * parses it, and how the outcome becomes the exit code (0 success, 1 a failed invocation or
 * build, 2 a usage error, 130 interrupted).
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Cause, Console, Effect, Exit, Layer } from "effect"
import * as build from "./build.js"
import * as emulator from "./emulator.js"
import * as event from "./event.js"
import * as run from "./run.js"
import * as serve from "./serve.js"
import { CommandFailed, print, printError, UsageError } from "./shared.js"

const subcommands = [run, emulator, serve, event, build] as const

/** The subcommand a command line (`process.argv`) names, if any: its first known word. */
const subcommandOf = (args: ReadonlyArray<string>) =>
  args.slice(2).flatMap((arg) => subcommands.filter((sub) => sub.name === arg))[0]

/** The usage of one subcommand, or of all of them. */
const usage = (sub: typeof subcommands[number] | undefined): string =>
  sub === undefined
    ? `Usage:\n${subcommands.map((sub) => `  effect-lambda ${sub.synopsis}`).join("\n")}\n\n` +
      `Run "effect-lambda <command> --help" for a command's options, "effect-lambda --version" for the version.`
    : `Usage: effect-lambda ${sub.synopsis}\n\nRun "effect-lambda ${sub.name} --help" for its options.`

/**
 * The `effect-lambda` command; without a subcommand it prints the usage and exits 1.
 *
 * @internal
 */
export const command = Command.make(
  "effect-lambda",
  {},
  () => Effect.zipRight(print(usage(undefined)), Effect.fail(new CommandFailed({ exitCode: 1 })))
).pipe(
  Command.withDescription("Run, serve, emulate and build AWS Lambda functions written with effect-lambda-runtime."),
  Command.withSubcommands([run.command, emulator.command, serve.command, event.command, build.command])
)

/** The options given more than once, whose `--name=value` form @effect/cli does not read itself. */
const repeatedFlags: ReadonlyArray<string> = build.repeatedFlags

/**
 * `--name=value` as `--name value` for the repeated options, up to a `--`. @effect/cli reads the
 * `=` form of an option given once but not of a repeated one, and `--node-flag=--some-v8-flag`
 * is the natural form for a value that starts with `--`. Other tokens are left as they are: one
 * may be such a value itself (`--node-flag --max-semi-space-size=32`).
 *
 * @internal
 */
export const normalizeArgs = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const end = args.indexOf("--")
  const head = end === -1 ? args : args.slice(0, end)
  const tail = end === -1 ? [] : args.slice(end)
  return [
    ...head.flatMap((arg) => {
      const split = arg.indexOf("=")
      return split > 0 && repeatedFlags.includes(arg.slice(0, split))
        ? [arg.slice(0, split), arg.slice(split + 1)]
        : [arg]
    }),
    ...tail
  ]
}

/**
 * The exit code of a command's outcome. @effect/cli has already printed a validation error's
 * message (to stderr): the usage of the subcommand follows it.
 *
 * @internal
 */
export const exitCode = (args: ReadonlyArray<string>) =>
<R>(
  self: Effect.Effect<void, UsageError | CommandFailed | ValidationError.ValidationError, R>
): Effect.Effect<number, never, R> =>
  self.pipe(
    Effect.as(0),
    Effect.catchAll((error) => {
      if (error instanceof CommandFailed) return Effect.succeed(error.exitCode)
      const sub = subcommandOf(args)
      return error instanceof UsageError
        ? Effect.as(printError(`effect-lambda: ${error.message}\n\n${usage(sub)}`), 2)
        : Effect.as(printError(usage(sub)), 2)
    })
  )

// ANSI colour sequences start with ESC, a control character by definition.
// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;]*m/g

const plain = (arg: unknown) => (typeof arg === "string" ? arg.replace(ansi, "") : arg)

/**
 * @effect/cli writes its help and errors with ANSI styles: they are kept for a terminal and
 * removed when the stream is piped or redirected (`effect-lambda build --help | less`) or
 * `NO_COLOR` is set.
 *
 * @internal
 */
export const plainWhenPiped = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const noColor = (process.env.NO_COLOR ?? "") !== ""
  const styledOut = process.stdout.isTTY === true && !noColor
  const styledErr = process.stderr.isTTY === true && !noColor
  if (styledOut && styledErr) return self
  return Console.consoleWith((console) => {
    const wrapped: Console.Console = Object.assign(Object.create(console) as Console.Console, {
      log: (...args: ReadonlyArray<unknown>) => console.log(...(styledOut ? args : args.map(plain))),
      error: (...args: ReadonlyArray<unknown>) => console.error(...(styledErr ? args : args.map(plain)))
    })
    return Console.withConsole(self, wrapped)
  })
}

/**
 * What the command runs with: Node's file system, path and terminal, and the help's layout.
 *
 * @internal
 */
export const layer = Layer.merge(NodeContext.layer, CliConfig.layer({ showBuiltIns: false }))

/**
 * Ends the process with the exit code (130 when interrupted, 1 with the cause on a defect).
 *
 * @internal
 */
export const teardown = <E, A>(exit: Exit.Exit<E, A>, onExit: (code: number) => void) => {
  if (Exit.isSuccess(exit)) return onExit(typeof exit.value === "number" ? exit.value : 0)
  if (Cause.isInterruptedOnly(exit.cause)) return onExit(130)
  process.stderr.write(`effect-lambda: ${Cause.pretty(exit.cause)}\n`)
  onExit(1)
}
