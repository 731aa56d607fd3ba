#!/usr/bin/env node
/**
 * `effect-lambda`: run a Lambda function module locally against the emulator, serve it over
 * HTTP, print sample events, and build it for deployment.
 *
 * ```
 * effect-lambda run <handler-module> [--event <file>|-] [--count N] [--timeout <seconds>] [--port N]
 * effect-lambda emulator [<handler-module>] [--port 9001] [--timeout <seconds>]
 * effect-lambda serve <handler-module> [--port 3000] [--event apigw-v1|apigw-v2|function-url|alb] [--multi-value-headers] [--timeout <seconds>]
 * effect-lambda event <source>
 * effect-lambda build (<handler-module> | --drop-in) [--outdir dist/lambda] [--no-code-cache] [--node <path>] [--no-minify] [--sourcemap] [--external pkg]... [--node-flag=--flag]...
 * effect-lambda <command> --help
 * effect-lambda --version
 * ```
 *
 * Each subcommand is a module of `internal/tools/cli/` (its options, its documentation, its handler);
 * this entry only runs the command line. Exit codes: 0 success, 1 a failed invocation or build,
 * 2 a usage error (the message and the usage on stderr), 130 interrupted (Ctrl+C).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import * as Cli from "../internal/tools/cli/main.js"

// src/bin and dist/bin are both two levels below the package root
const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  readonly version: string
}

const cli = Command.run(Cli.command, { name: "effect-lambda", version: packageJson.version })

const args = Cli.normalizeArgs(process.argv)

NodeRuntime.runMain(cli(args).pipe(Cli.plainWhenPiped, Cli.exitCode(args), Effect.provide(Cli.layer)), {
  disableErrorReporting: true,
  teardown: Cli.teardown
})
