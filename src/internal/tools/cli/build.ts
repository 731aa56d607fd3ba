/**
 * `effect-lambda build`: bundles the module for deployment (see the `Build` module):
 * `bootstrap`, `start.cjs`, `main.cjs` with V8's code cache (`main.cjs.cache`), `meta.json` and
 * `function.zip` to deploy. A failed build prints its error and exits 1.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Either, Option } from "effect"
import type * as Build from "../../../Build.js"
import { build } from "../build/build.js"
import { CommandFailed, handlerModule, print, printError, UsageError } from "./shared.js"

/**
 * The subcommand's name.
 *
 * @internal
 */
export const name = "build"

/**
 * One line of the top-level usage.
 *
 * @internal
 */
export const synopsis =
  "build (<handler-module> | --drop-in) [--outdir dist/lambda] [--no-code-cache] [--node <path>] [--no-minify] [--sourcemap] [--external pkg]... [--node-flag=--flag]..."

/** The command line of `build`, one field per flag or argument. */
const config = {
  file: Args.optional(handlerModule),
  dropIn: Options.boolean("drop-in").pipe(
    Options.withDescription(
      "Build the drop-in bootstrap for plain Node handlers (effect-lambda-runtime/node) instead of a module: " +
        "it serves the handler _HANDLER names in LAMBDA_TASK_ROOT, with the code cache."
    )
  ),
  outdir: Options.text("outdir").pipe(
    Options.withPseudoName("dir"),
    Options.withDefault("dist/lambda"),
    Options.withDescription("The output directory (default dist/lambda).")
  ),
  noCodeCache: Options.boolean("no-code-cache").pipe(
    Options.withDescription("No V8 code cache: bootstrap starts main.cjs directly.")
  ),
  node: Options.text("node").pipe(
    Options.withPseudoName("path"),
    Options.optional,
    Options.withDescription(
      "The Node binary that trains the code cache: the release the function runs on (default: the one running the build)."
    )
  ),
  noMinify: Options.boolean("no-minify").pipe(Options.withDescription("Keep the bundle readable.")),
  sourcemap: Options.boolean("sourcemap").pipe(
    Options.withDescription(
      "Write main.cjs.map (start Node with --enable-source-maps to use it; Node then loads the bundle without the code cache)."
    )
  ),
  external: Options.text("external").pipe(
    Options.withPseudoName("pkg"),
    Options.repeated,
    Options.withDescription("Leave a package out of the bundle (repeatable); deploy it in node_modules.")
  ),
  nodeFlags: Options.text("node-flag").pipe(
    Options.withPseudoName("--flag"),
    Options.repeated,
    Options.withDescription(
      "A V8/Node flag for bootstrap and the code cache, e.g. --node-flag=--max-old-space-size=512 (repeatable; " +
        "none by default, as any V8 flag makes Node compile its built-ins without their cache)."
    )
  )
} as const

/**
 * The flags of `build` that can be given more than once (the entry splits their `--flag=value` form).
 *
 * @internal
 */
export const repeatedFlags = ["--external", "--node-flag"] as const

/** The parsed command line of `build`. */
type Parsed = Command.Command.ParseConfig<typeof config>

/** The command line as `Build.build`'s options. */
const toBuildOptions = (parsed: Parsed): Effect.Effect<Build.BuildOptions, UsageError> => {
  const settings = {
    outdir: parsed.outdir,
    codeCache: !parsed.noCodeCache,
    nodeBinary: Option.getOrUndefined(parsed.node),
    minify: !parsed.noMinify,
    sourcemap: parsed.sourcemap,
    external: parsed.external,
    // none given: Build's own default applies
    nodeFlags: parsed.nodeFlags.length > 0 ? parsed.nodeFlags : undefined
  }
  if (parsed.dropIn) {
    return Option.isSome(parsed.file)
      ? Effect.fail(new UsageError({ message: "build takes a handler module or --drop-in, not both" }))
      : Effect.succeed({ ...settings, dropIn: true })
  }
  return Option.match(parsed.file, {
    onNone: () => Effect.fail(new UsageError({ message: "build needs a handler module (or --drop-in)" })),
    onSome: (entry) => Effect.succeed({ ...settings, entry })
  })
}

const report = (built: Build.BuildResult) =>
  Effect.gen(function*() {
    yield* print(`${built.bootstrap}`)
    yield* print(`${built.bundle} (${(built.bundleBytes / 1024).toFixed(0)} KB; what it pulls in: ${built.metafile})`)
    yield* print(
      built.codeCache === undefined
        ? "no code cache"
        : `${built.codeCache.path} (${(built.codeCache.bytes / 1024).toFixed(0)} KB${
          built.codeCache.trained ? "" : ", compiling only"
        })`
    )
    yield* print(`${built.zip} (deploy this)`)
    for (const warning of built.warnings) yield* printError(`warning: ${warning}`)
  })

/**
 * The `build` subcommand.
 *
 * @internal
 */
export const command = Command.make(name, config, (parsed) =>
  Effect.gen(function*() {
    const options = yield* toBuildOptions(parsed)
    const result = yield* Effect.either(build(options))
    if (Either.isLeft(result)) {
      yield* printError(result.left.message)
      return yield* new CommandFailed({ exitCode: 1 })
    }
    yield* report(result.right)
  })).pipe(
    Command.withDescription(
      "Bundle the module for deployment: <outdir>/bootstrap, start.cjs, main.cjs, main.cjs.cache (V8 code cache), " +
        "meta.json (esbuild metafile) and function.zip (what to deploy)."
    )
  )
