/**
 * The `effect-lambda` command line without a framework: each subcommand declares its options and
 * its positional argument, `node:util`'s `parseArgs` splits the words (`--name value`,
 * `--name=value`, `-h`, `--`), and this module checks what `parseArgs` lets through when it is
 * not strict (unknown options, a value missing, an option given twice, extra arguments), so that
 * every such mistake is a usage error (exit 2) that names the word. `parseArgs` runs non-strict
 * because its strict mode refuses a value that starts with `-` after a space
 * (`--node-flag --max-semi-space-size=32`, `--timeout -1`), which the CLI takes as the value.
 *
 * @internal
 */
import { parseArgs } from "node:util"
import { bold } from "./terminal.js"

/**
 * A command line that cannot be acted on: the message and the subcommand's usage go to stderr, exit 2.
 *
 * @internal
 */
export class UsageError extends Error {
  override readonly name = "UsageError"
}

/**
 * One option of a subcommand.
 *
 * @internal
 */
export interface OptionSpec {
  /** Without the dashes: `port` is `--port`. */
  readonly name: string
  /** `string` takes a value (`--port 0`, `--port=0`), `boolean` none (`--sourcemap`). */
  readonly kind: "string" | "boolean"
  /** What the value is, in the help: `--port N`. */
  readonly pseudoName?: string
  /** Whether it may be given more than once (each value is kept, in order). */
  readonly repeated?: boolean
  readonly description: string
}

/**
 * The positional argument of a subcommand (each takes at most one).
 *
 * @internal
 */
export interface ArgumentSpec {
  readonly name: string
  readonly optional: boolean
  readonly description: string
}

/**
 * A parsed command line: the positional argument and each option's values, in order.
 *
 * @internal
 */
export interface ParsedLine {
  readonly argument: string | undefined
  /** The values of a string option (empty when not given). */
  readonly values: (name: string) => ReadonlyArray<string>
  /** Whether a boolean option was given. */
  readonly flag: (name: string) => boolean
}

/**
 * A subcommand: its words and help, and what it does (its exit code).
 *
 * @internal
 */
export interface Command {
  readonly name: string
  /** One line of the usage: `run <handler-module> [--event <file>|-] ...`. */
  readonly synopsis: string
  readonly description: string
  readonly argument?: ArgumentSpec
  readonly options: ReadonlyArray<OptionSpec>
  /** Checks the options first (a {@link UsageError} before anything starts), then runs; the exit code. */
  readonly execute: (line: ParsedLine, scope: Scope) => Promise<number>
}

/**
 * What a command leaves running (servers, processes), undone in reverse order when the command
 * ends or when the CLI is interrupted (Ctrl+C).
 *
 * @internal
 */
export interface Scope {
  readonly add: (finalizer: () => Promise<unknown> | void) => void
}

/**
 * What the words after the subcommand ask for: its help, the version, or a run.
 *
 * @internal
 */
export type Request =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Run"; readonly line: ParsedLine }

const builtIns = { help: { type: "boolean", short: "h" }, version: { type: "boolean" } } as const

/**
 * Parses the words after the subcommand; throws a {@link UsageError} naming the first wrong word.
 * `--help`/`-h` and `--version` win over any mistake, as they are how one finds the right words.
 *
 * @internal
 */
export const parse = (command: Command, args: ReadonlyArray<string>): Request => {
  const specs = new Map(command.options.map((option) => [option.name, option]))
  const { tokens } = parseArgs({
    args: [...args],
    options: {
      ...Object.fromEntries(command.options.map((option) => [option.name, { type: option.kind }])),
      ...builtIns
    },
    strict: false,
    allowPositionals: true,
    tokens: true
  })
  const options = tokens.flatMap((token) => (token.kind === "option" ? [token] : []))
  if (options.some((token) => token.name === "help")) return { _tag: "Help" }
  if (options.some((token) => token.name === "version")) return { _tag: "Version" }
  const values = new Map<string, Array<string>>()
  const flags = new Set<string>()
  const positionals: Array<string> = []
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value)
    if (token.kind !== "option") continue
    const spec = specs.get(token.name)
    if (spec === undefined) throw new UsageError(`Received unknown argument: '${token.rawName}'`)
    if ((values.has(spec.name) || flags.has(spec.name)) && spec.repeated !== true) {
      throw new UsageError(`Received '${token.rawName}' twice: it takes one value`)
    }
    if (spec.kind === "boolean") {
      if (token.inlineValue === true) throw new UsageError(`'--${spec.name}' takes no value, got '${token.value}'`)
      flags.add(spec.name)
    } else {
      if (token.value === undefined) throw new UsageError(`Expected a value following option: '${token.rawName}'`)
      values.set(spec.name, [...(values.get(spec.name) ?? []), token.value])
    }
  }
  const extra = positionals[command.argument === undefined ? 0 : 1]
  if (extra !== undefined) throw new UsageError(`Received unknown argument: '${extra}'`)
  const argument = positionals[0]
  if (argument === undefined && command.argument !== undefined && !command.argument.optional) {
    throw new UsageError(`Missing argument <${command.argument.name}>`)
  }
  return {
    _tag: "Run",
    line: { argument, values: (name) => values.get(name) ?? [], flag: (name) => flags.has(name) }
  }
}

/**
 * The single value of a string option, if given.
 *
 * @internal
 */
export const optional = (line: ParsedLine, name: string): string | undefined => line.values(name)[0]

/**
 * A non-negative number option (an integer when `integer`), or `fallback` when not given.
 *
 * @internal
 */
export const nonNegative = (line: ParsedLine, name: string, integer: boolean, fallback: number): number => {
  const text = optional(line, name)
  if (text === undefined) return fallback
  const value = Number(text)
  if (text.trim() !== "" && Number.isFinite(value) && value >= 0 && (!integer || Number.isInteger(value))) return value
  throw new UsageError(`--${name} expects a non-negative ${integer ? "integer" : "number"}, got "${text}"`)
}

/** Splits `text` into lines of at most `width` columns (a longer word gets a line of its own). */
const wrap = (text: string, width: number): Array<string> =>
  text.split(" ").reduce<Array<string>>((lines, word) => {
    const last = lines[lines.length - 1]
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`
    else lines.push(word)
    return lines
  }, [])

/** A term and its description, indented below it. */
const entry = (term: string, description: string) =>
  [`  ${term}`, ...wrap(description, 90).map((line) => `      ${line}`)].join("\n")

/**
 * The help of a subcommand: its usage, what it does, its argument and each option.
 *
 * @internal
 */
export const commandHelp = (command: Command): string =>
  [
    `${bold("Usage:")} effect-lambda ${command.synopsis}`,
    "",
    wrap(command.description, 96).join("\n"),
    ...(command.argument !== undefined
      ? [
        "",
        bold("Arguments:"),
        entry(
          `<${command.argument.name}>`,
          command.argument.description + (command.argument.optional ? " (optional)" : "")
        )
      ]
      : []),
    "",
    bold("Options:"),
    ...command.options.map((option) =>
      entry(`--${option.name}${option.pseudoName !== undefined ? ` ${option.pseudoName}` : ""}`, option.description)
    ),
    entry("-h, --help", "Print this help."),
    entry("--version", "Print the version of effect-lambda-runtime.")
  ].join("\n")
