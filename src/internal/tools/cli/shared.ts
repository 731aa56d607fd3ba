/**
 * What the `effect-lambda` subcommands share: the options several of them take (`--port`,
 * `--timeout`, the handler module), how they print, and how a subcommand reports a usage error
 * or a failed invocation (the entry maps them to exit codes 2 and 1).
 */
import * as Args from "@effect/cli/Args"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Data, Effect } from "effect"

/**
 * A command line that parsed but cannot be acted on (e.g. an event file that cannot be read): exit 2.
 *
 * @internal
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/**
 * The command ran and printed what happened, but did not succeed (e.g. an invocation failed).
 *
 * @internal
 */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{ readonly exitCode: number }> {}

/**
 * Writes a line to stdout.
 *
 * @internal
 */
export const print = (line: string) => Effect.sync(() => process.stdout.write(`${line}\n`))

/**
 * Writes a line to stderr.
 *
 * @internal
 */
export const printError = (line: string) => Effect.sync(() => process.stderr.write(`${line}\n`))

/**
 * An option's validation failure, which @effect/cli prints (to stderr) before the entry adds the usage.
 *
 * @internal
 */
export const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

/**
 * An argument's validation failure (`Args.mapEffect` takes the message only).
 *
 * @internal
 */
export const invalidArgument = (message: string) => HelpDoc.p(message)

/**
 * A non-negative number option. Parsed here rather than with `Options.integer`/`float`, whose
 * error (`'abc' is not a integer`) does not say which flag was wrong.
 *
 * @internal
 */
export const nonNegative = (name: string, pseudoName: string, integer: boolean) =>
  Options.text(name).pipe(
    Options.withPseudoName(pseudoName),
    Options.mapEffect((text) => {
      const value = Number(text)
      return text.trim() !== "" && Number.isFinite(value) && value >= 0 && (!integer || Number.isInteger(value))
        ? Effect.succeed(value)
        : Effect.fail(invalid(`--${name} expects a non-negative ${integer ? "integer" : "number"}, got "${text}"`))
    })
  )

/**
 * `--port N` on 127.0.0.1, `0` for any free port.
 *
 * @internal
 */
export const port = (fallback: number, description: string) =>
  nonNegative("port", "N", true).pipe(
    Options.withDefault(fallback),
    Options.withDescription(`${description} (default ${fallback}; 0 picks a free port).`)
  )

/**
 * `--timeout <seconds>`, the function timeout, in milliseconds.
 *
 * @internal
 */
export const timeoutMs = nonNegative("timeout", "seconds", false).pipe(
  Options.withDefault(3),
  Options.map((seconds) => seconds * 1000),
  Options.withDescription("The function timeout in seconds (default 3), as configured on the Lambda function.")
)

/**
 * `--concurrency N`: `AWS_LAMBDA_MAX_CONCURRENCY`; above 1 the emulator runs in the concurrent
 * mode of Lambda Managed Instances.
 *
 * @internal
 */
export const concurrency = nonNegative("concurrency", "N", true).pipe(
  Options.mapEffect((value) =>
    value >= 1 ? Effect.succeed(value) : Effect.fail(invalid(`--concurrency expects at least 1, got ${value}`))
  ),
  Options.withDefault(1),
  Options.withDescription(
    "Invocations one execution environment runs at once (default 1). Above 1, as Lambda Managed Instances: " +
      "AWS_LAMBDA_MAX_CONCURRENCY=N is set for the function, up to N invocations are handed out at once, " +
      "and a timeout fails that invocation only (the process is not restarted)."
  )
)

/**
 * A positional module path. @effect/cli would take an unknown flag placed before the module
 * (`run --cout 2 handler.ts`) as the module itself and then complain about the module: a path
 * that starts with `-` is reported as the unexpected option it is (unknown, or a repeat of one
 * given once: @effect/cli leaves the second `--port` over for the module too).
 */
const modulePath = (name: string) =>
  Args.text({ name }).pipe(
    Args.mapEffect((value) =>
      value.startsWith("-")
        ? Effect.fail(invalidArgument(`Received unexpected option: '${value}' (unknown, or given twice)`))
        : Effect.succeed(value)
    )
  )

/**
 * The function's module: a `.ts` file runs with `node --import tsx` (`tsx` must be installed), other files with `node`.
 *
 * @internal
 */
export const handlerModule = modulePath("handler-module").pipe(
  Args.withDescription(
    "The function's module (it calls LambdaRuntime.run): " +
      "a .ts file runs with node --import tsx (tsx must be installed in the project), any other with node."
  )
)

/**
 * Seconds for humans: `3.00 s`.
 *
 * @internal
 */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
