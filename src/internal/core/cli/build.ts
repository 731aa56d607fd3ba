/**
 * `effect-lambda build`: bundles the module for deployment (see the `Build` module):
 * `bootstrap`, `start.cjs`, `main.cjs` with V8's code cache (`main.cjs.cache`), `meta.json` and
 * `function.zip` to deploy. A failed build prints its error and exits 1.
 *
 * @internal
 */
import * as Engine from "../build/engine.js"
import type { BuildOptions, BuildResult } from "../build/types.js"
import type { Command, ParsedLine } from "./command.js"
import { optional, UsageError } from "./command.js"
import { handlerModule } from "./shared.js"
import { print, printError } from "./terminal.js"

/** The command line as the build engine's options; a {@link UsageError} for a module and `--drop-in` together, or neither. */
const optionsOf = (line: ParsedLine): BuildOptions => {
  const nodeFlags = line.values("node-flag")
  const settings = {
    outdir: optional(line, "outdir") ?? "dist/lambda",
    codeCache: !line.flag("no-code-cache"),
    nodeBinary: optional(line, "node"),
    minify: !line.flag("no-minify"),
    sourcemap: line.flag("sourcemap"),
    external: line.values("external"),
    // none given: the engine's own default applies
    nodeFlags: nodeFlags.length > 0 ? nodeFlags : undefined
  }
  if (line.flag("drop-in")) {
    if (line.argument !== undefined) throw new UsageError("build takes a handler module or --drop-in, not both")
    return { ...settings, dropIn: true }
  }
  if (line.argument === undefined) throw new UsageError("build needs a handler module (or --drop-in)")
  return { ...settings, entry: line.argument }
}

const report = (built: BuildResult) => {
  print(`${built.bootstrap}`)
  print(`${built.bundle} (${(built.bundleBytes / 1024).toFixed(0)} KB; what it pulls in: ${built.metafile})`)
  print(
    built.codeCache === undefined
      ? "no code cache"
      : `${built.codeCache.path} (${(built.codeCache.bytes / 1024).toFixed(0)} KB${
        built.codeCache.trained ? "" : ", compiling only"
      })`
  )
  print(`${built.zip} (deploy this)`)
  for (const warning of built.warnings) printError(`warning: ${warning}`)
}

/**
 * The `build` subcommand. `dropInMain` is the drop-in's entry module of the line whose `bin` runs
 * the CLI (what `--drop-in` bundles; `undefined` where the line has none, and the engine refuses).
 *
 * @internal
 */
export const command = (dropInMain: string | undefined): Command => ({
  name: "build",
  synopsis:
    "build (<handler-module> | --drop-in) [--outdir dist/lambda] [--no-code-cache] [--node <path>] [--no-minify] [--sourcemap] [--external pkg]... [--node-flag=--flag]...",
  description: "Bundle the module for deployment: <outdir>/bootstrap, start.cjs, main.cjs, main.cjs.cache " +
    "(V8 code cache), meta.json (esbuild metafile) and function.zip (what to deploy).",
  argument: handlerModule(true),
  options: [
    {
      name: "drop-in",
      kind: "boolean",
      description: "Build the drop-in bootstrap for plain Node handlers (effect-lambda-runtime/node) instead of a " +
        "module: it serves the handler _HANDLER names in LAMBDA_TASK_ROOT, with the code cache."
    },
    { name: "outdir", kind: "string", pseudoName: "dir", description: "The output directory (default dist/lambda)." },
    { name: "no-code-cache", kind: "boolean", description: "No V8 code cache: bootstrap starts main.cjs directly." },
    {
      name: "node",
      kind: "string",
      pseudoName: "path",
      description: "The Node binary that trains the code cache: the release the function runs on " +
        "(default: the one running the build)."
    },
    { name: "no-minify", kind: "boolean", description: "Keep the bundle readable." },
    {
      name: "sourcemap",
      kind: "boolean",
      description: "Write main.cjs.map (start Node with --enable-source-maps to use it; Node then loads the bundle " +
        "without the code cache)."
    },
    {
      name: "external",
      kind: "string",
      pseudoName: "pkg",
      repeated: true,
      description: "Leave a package out of the bundle (repeatable); deploy it in node_modules."
    },
    {
      name: "node-flag",
      kind: "string",
      pseudoName: "--flag",
      repeated: true,
      description: "A V8/Node flag for bootstrap and the code cache, e.g. --node-flag=--max-old-space-size=512 " +
        "(repeatable; none by default, as any V8 flag makes Node compile its built-ins without their cache)."
    }
  ],
  execute: async (line) => {
    const options = optionsOf(line)
    try {
      report(await Engine.build(options, dropInMain))
      return 0
    } catch (error) {
      // Only the engine's own failures are a failed build; anything else is a defect.
      if (!(error instanceof Engine.BuildFailure)) throw error
      printError(error.message)
      return 1
    }
  }
})
