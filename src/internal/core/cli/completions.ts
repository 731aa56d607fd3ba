/**
 * `effect-lambda --completions bash|zsh|fish`: a completion script for the shell, from the
 * subcommands' own declarations (their names, options, and the values `event` and
 * `serve --event` take), so that it cannot drift from what the CLI accepts.
 *
 * @internal
 */
import { sampleNames } from "../samples/index.js"
import { eventShapes } from "../serve/frontDoor.js"
import type { Command } from "./command.js"

/**
 * The shells a completion script is written for (`sh` is bash's).
 *
 * @internal
 */
export const shells = ["sh", "bash", "zsh", "fish"] as const

const flagsOf = (command: Command) => [...command.options.map((option) => `--${option.name}`), "--help"]

/** Words for bash's `compgen -W`. */
const words = (list: ReadonlyArray<string>) => list.join(" ")

const bash = (commands: ReadonlyArray<Command>) =>
  [
    `_effect_lambda_completions() {`,
    `  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" opts="" i`,
    `  for ((i = 1; i < COMP_CWORD; i++)); do`,
    `    case "\${COMP_WORDS[i]}" in ${
      commands.map((command) => command.name).join("|")
    }) cmd="\${COMP_WORDS[i]}"; break;; esac`,
    `  done`,
    `  case "$cmd" in`,
    `    "") COMPREPLY=($(compgen -W "${
      words([...commands.map((command) => command.name), "--help", "--version", "--completions"])
    }" -- "$cur")); return;;`,
    ...commands.map((command) => `    ${command.name}) opts="${words(flagsOf(command))}";;`),
    `  esac`,
    `  if [[ "$cmd" == serve && "$prev" == --event ]]; then COMPREPLY=($(compgen -W "${
      words(eventShapes)
    }" -- "$cur")); return; fi`,
    `  if [[ "$cmd" == event && "$cur" != -* ]]; then COMPREPLY=($(compgen -W "${
      words(sampleNames)
    }" -- "$cur")); return; fi`,
    `  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi`,
    `}`,
    `complete -o filenames -F _effect_lambda_completions effect-lambda`
  ].join("\n")

/** A single-quoted fish word. */
const fishWord = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

const fish = (commands: ReadonlyArray<Command>) => {
  const names = commands.map((command) => command.name).join(" ")
  return [
    `complete -c effect-lambda -n "__fish_use_subcommand" -l completions -r -f -a "${shells.join(" ")}"`,
    `complete -c effect-lambda -n "__fish_use_subcommand" -l version`,
    `complete -c effect-lambda -s h -l help`,
    ...commands.map((command) =>
      `complete -c effect-lambda -n "not __fish_seen_subcommand_from ${names}" -f -a ${command.name} -d ${
        fishWord(command.description)
      }`
    ),
    ...commands.flatMap((command) =>
      command.options.map((option) =>
        `complete -c effect-lambda -n "__fish_seen_subcommand_from ${command.name}" -l ${option.name}${
          option.kind === "string" ? " -r" : ""
        }${command.name === "serve" && option.name === "event" ? ` -f -a "${eventShapes.join(" ")}"` : ""} -d ${
          fishWord(option.description)
        }`
      )
    ),
    `complete -c effect-lambda -n "__fish_seen_subcommand_from event" -f -a "${sampleNames.join(" ")}"`
  ].join("\n")
}

/**
 * The completion script for `shell`.
 *
 * @internal
 */
export const completionScript = (shell: typeof shells[number], commands: ReadonlyArray<Command>): string =>
  shell === "fish"
    ? fish(commands)
    : shell === "zsh"
    ? `#compdef effect-lambda\nautoload -U +X bashcompinit && bashcompinit\n${bash(commands)}`
    : bash(commands)
