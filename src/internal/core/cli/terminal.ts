/**
 * How the `effect-lambda` CLI writes: lines to stdout and stderr, bold headings and log levels
 * when the stream is a terminal (plain when piped or redirected, or when `NO_COLOR` is set), and
 * the log lines of the engines it runs (the emulator's warnings, the serve front door's requests).
 *
 * @internal
 */

/** Whether `stream` gets ANSI styles: a terminal, and `NO_COLOR` unset or empty (https://no-color.org). */
const styled = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && (process.env.NO_COLOR ?? "") === ""

const sgr = (stream: NodeJS.WriteStream, open: string, text: string) =>
  styled(stream) ? `\x1b[${open}m${text}\x1b[0m` : text

/** Set once the CLI is interrupted: see {@link silence}. */
let silenced = false

/**
 * Ends the command's output: after Ctrl+C the command's flow is abandoned, and what it would still
 * print as the entry stops its processes (a runtime "exited" because it was killed) is not news.
 *
 * @internal
 */
export const silence = (): void => {
  silenced = true
}

/**
 * Writes a line to stdout.
 *
 * @internal
 */
export const print = (line: string): void => {
  if (!silenced) process.stdout.write(`${line}\n`)
}

/**
 * Writes a line to stderr.
 *
 * @internal
 */
export const printError = (line: string): void => {
  if (!silenced) process.stderr.write(`${line}\n`)
}

/**
 * `text` in bold on a styled stdout (headings of the help).
 *
 * @internal
 */
export const bold = (text: string): string => sgr(process.stdout, "1", text)

const levelStyles = { INFO: "32", WARN: "33", ERROR: "31" } as const

const twoDigits = (n: number) => String(n).padStart(2, "0")

/** `HH:MM:SS.mmm` local time, as the Effect 3 CLI's pretty logger wrote it. */
const timeOf = (date: Date) =>
  `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}.${
    String(date.getMilliseconds()).padStart(3, "0")
  }`

/**
 * A log line of an engine on stdout, `[time] LEVEL: message`: beside the command's own output,
 * as the engines' lines are events of the same run.
 *
 * @internal
 */
export const log = (level: keyof typeof levelStyles, message: string): void =>
  print(
    `${sgr(process.stdout, "37", `[${timeOf(new Date())}]`)} ${
      sgr(process.stdout, levelStyles[level], level)
    }: ${message}`
  )

/**
 * Seconds for humans: `3.00 s`.
 *
 * @internal
 */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
