#!/usr/bin/env node
/**
 * `effect-lambda`: run a Lambda function module locally against the emulator, serve it over
 * HTTP, print sample events, and build it for deployment (`effect-lambda --help`).
 *
 * The CLI is the shared core's (no Effect: it must not nest an Effect major into an app); this
 * entry only names this package's version and this line's drop-in, which `build --drop-in`
 * bundles.
 *
 * @since 1.0.0
 */
import { createRequire } from "node:module"
import { BuildEngine, Cli } from "../internal/core.js"

// The package's own name resolves to itself (package self-reference), in the repository and
// when installed, whatever depth the compiled file sits at.
const packageJson = createRequire(import.meta.url)("effect-lambda-runtime/package.json") as { readonly version: string }

Cli.main({
  version: packageJson.version,
  dropInMain: BuildEngine.moduleBeside(import.meta.url, "../internal/node/main")
})
