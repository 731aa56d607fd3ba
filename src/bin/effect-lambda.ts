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
 * The CLI is the shared core's (`internal/core/cli/`, no Effect: it ships with both lines and
 * must not nest either Effect major into an app); this entry only names this package's version
 * and its drop-in. Exit codes: 0 success, 1 a failed invocation or build, 2 a usage error (the
 * message and the usage on stderr), 130 interrupted (Ctrl+C).
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { moduleBeside } from "../internal/core/build/engine.js"
import { main } from "../internal/core/cli/main.js"

// src/bin and dist/bin are both two levels below the package root
const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  readonly version: string
}

main({
  version: packageJson.version,
  // this line's drop-in (`.ts` under src/, `.js` under dist/), which `build --drop-in` bundles
  dropInMain: moduleBeside(import.meta.url, "../internal/node/main")
})
