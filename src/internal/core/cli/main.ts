/**
 * The `effect-lambda` command: which subcommand the words name, its help or the version, and how
 * the outcome becomes the exit code: 0 success, 1 a failed invocation or build (or a defect, with
 * its stack), 2 a usage error (the message and the usage on stderr), 130 interrupted (Ctrl+C or
 * SIGTERM, after what the command started is stopped).
 *
 * The CLI is plain TypeScript on purpose: it runs in its own process and ships with both lines'
 * packages, so a CLI on one Effect major would nest that major into the other line's apps. Each
 * line's `bin` is a thin entry that calls {@link main} with its version and its drop-in.
 *
 * @internal
 */
import * as build from "./build.js"
import type { Command, Scope } from "./command.js"
import { commandHelp, parse, UsageError } from "./command.js"
import { completionScript, shells } from "./completions.js"
import * as emulator from "./emulator.js"
import * as event from "./event.js"
import * as run from "./run.js"
import * as serve from "./serve.js"
import { bold, print, printError, silence } from "./terminal.js"

/**
 * What the line whose `bin` runs the CLI tells it.
 *
 * @internal
 */
export interface Line {
  /** The package's version, for `--version`. */
  readonly version: string
  /** The line's drop-in entry module, which `build --drop-in` bundles (`undefined`: the line has none). */
  readonly dropInMain: string | undefined
}

const DESCRIPTION = "Run, serve, emulate and build AWS Lambda functions written with effect-lambda-runtime."

const commandsOf = (line: Line): ReadonlyArray<Command> => [
  run.command,
  emulator.command,
  serve.command,
  event.command,
  build.command(line.dropInMain)
]

/** The usage of one subcommand, or of all of them. */
const usage = (commands: ReadonlyArray<Command>, command: Command | undefined): string =>
  command === undefined
    ? `Usage:\n${commands.map((command) => `  effect-lambda ${command.synopsis}`).join("\n")}\n\n` +
      `Run "effect-lambda <command> --help" for a command's options, "effect-lambda --version" for the version.`
    : `Usage: effect-lambda ${command.synopsis}\n\nRun "effect-lambda ${command.name} --help" for its options.`

/** The help of the CLI itself: what it is, then each subcommand and what it does. */
const topHelp = (commands: ReadonlyArray<Command>, line: Line): string =>
  [
    `effect-lambda ${line.version}: ${DESCRIPTION}`,
    "",
    bold("Commands:"),
    ...commands.map((command) => `  effect-lambda ${command.synopsis}\n      ${command.description}`),
    "",
    `Run "effect-lambda <command> --help" for a command's options, ` +
    `"effect-lambda --completions bash|zsh|fish" for a shell completion script.`
  ].join("\n")

/** Finalizers in reverse order; each runs once, whatever the others do. */
const makeScope = () => {
  const finalizers: Array<() => Promise<unknown> | void> = []
  const scope: Scope = { add: (finalizer) => void finalizers.push(finalizer) }
  const close = async () => {
    while (finalizers.length > 0) {
      try {
        await finalizers.pop()!()
      } catch {
        // a finalizer that fails must not keep the others from running
      }
    }
  }
  return { scope, close }
}

/** Runs a command line (the words after `effect-lambda`); the exit code. */
const execute = async (args: ReadonlyArray<string>, line: Line, scope: Scope): Promise<number> => {
  const commands = commandsOf(line)
  const [first, ...rest] = args
  if (first === undefined) {
    print(usage(commands, undefined))
    return 1
  }
  if (first === "--version") {
    print(line.version)
    return 0
  }
  if (first === "--help" || first === "-h") {
    print(topHelp(commands, line))
    return 0
  }
  if (first === "--completions") {
    const shell = shells.find((shell) => shell === rest[0])
    if (shell === undefined || rest.length > 1) {
      printError(`effect-lambda: --completions expects one of ${shells.join(", ")}\n\n${usage(commands, undefined)}`)
      return 2
    }
    print(completionScript(shell, commands))
    return 0
  }
  const command = commands.find((command) => command.name === first)
  if (command === undefined) {
    printError(
      `effect-lambda: Invalid subcommand for effect-lambda - use one of ${
        commands.map((command) => `'${command.name}'`).join(", ")
      }\n\n${usage(commands, undefined)}`
    )
    return 2
  }
  try {
    const request = parse(command, rest)
    if (request._tag === "Help") {
      print(commandHelp(command))
      return 0
    }
    if (request._tag === "Version") {
      print(line.version)
      return 0
    }
    return await command.execute(request.line, scope)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    printError(`effect-lambda: ${error.message}\n\n${usage(commands, command)}`)
    return 2
  }
}

/** Exits once stdout has taken what was written (a pipe or a terminal may still hold it). */
const exit = (code: number) => process.stdout.write("", () => process.exit(code))

/**
 * Runs `effect-lambda` with `process.argv` and exits with its code. On SIGINT or SIGTERM what the
 * command started (the runtime process, the servers) is stopped first, then the exit code is 130.
 *
 * @internal
 */
export const main = (line: Line): void => {
  const { close, scope } = makeScope()
  let interrupted = false
  const interrupt = () => {
    if (interrupted) return
    interrupted = true
    silence()
    void close().then(() => exit(130))
  }
  process.on("SIGINT", interrupt)
  process.on("SIGTERM", interrupt)
  execute(process.argv.slice(2), line, scope).then(
    async (code) => {
      await close()
      if (!interrupted) exit(code)
    },
    async (error: unknown) => {
      printError(`effect-lambda: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      await close()
      if (!interrupted) exit(1)
    }
  )
}
