/**
 * CDK constructs (aws-cdk-lib v2) for functions that run on effect-lambda-runtime, on Lambda's
 * managed Node.js runtimes:
 *
 * - `EffectFunction`: a module built with `effect-lambda build`; its `function.zip` is the code,
 *   and the built `bootstrap` is the runtime's exec wrapper (`AWS_LAMBDA_EXEC_WRAPPER`), so
 *   Lambda's `node` starts this runtime instead of its own client.
 * - `DropInRuntime` and `DropInFunction`: a plain Node handler, unchanged, served by the drop-in
 *   bootstrap (`effect-lambda build --drop-in`), deployed as a layer (`/opt/bootstrap`).
 *
 * The constructs take paths to what the build wrote; they never build anything themselves (the
 * code cache must be trained with the Node release the function runs on: see
 * docs/deployment.md).
 */
import * as lambda from "aws-cdk-lib/aws-lambda"
import type { Construct } from "constructs"
import { existsSync, statSync } from "node:fs"
import { join } from "node:path"

/** The environment variable that makes a managed runtime start a script instead of its own client. */
export const EXEC_WRAPPER = "AWS_LAMBDA_EXEC_WRAPPER"

/** Where Lambda unpacks the function's zip (and so its `bootstrap`). */
export const TASK_ROOT = "/var/task"

/** Where Lambda unpacks layers (and so the drop-in layer's `bootstrap`). */
export const LAYER_ROOT = "/opt"

/** The oldest managed Node.js runtime the package supports (its `engines`: Node >= 20.16). */
const MIN_NODE_MAJOR = 20

/**
 * Refuses a runtime without a usable Node.js: the built `bootstrap` runs the `node` it finds on
 * `PATH`, and `provided.al2023` (or any OS-only runtime) has none, so the function would fail
 * every init with `bootstrap: no node binary on PATH` (exit 127).
 */
const requireManagedNode = (id: string, runtime: lambda.Runtime): void => {
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1]
  if (runtime.family !== lambda.RuntimeFamily.NODEJS || major === undefined || Number(major) < MIN_NODE_MAJOR) {
    throw new Error(
      `${id}: runtime ${runtime.name} is not a managed Node.js runtime (nodejs${MIN_NODE_MAJOR}.x or later). ` +
        `effect-lambda-runtime's bootstrap needs Lambda's node: on an OS-only runtime it exits 127 ` +
        `(no node binary on PATH); see docs/deployment.md for a Node.js layer or a container image.`
    )
  }
}

/**
 * The `function.zip` of a build: `build` is the build's `--outdir` or the zip itself. The zip,
 * not the folder, is deployed: it holds `bootstrap` with its executable bit and only what runs
 * (not `meta.json`).
 */
const builtZip = (id: string, build: string, command: string): string => {
  const zip = statSync(build, { throwIfNoEntry: false })?.isDirectory() === true ? join(build, "function.zip") : build
  if (!zip.endsWith(".zip") || !existsSync(zip)) {
    throw new Error(`${id}: ${zip} is not a built function.zip: run \`${command}\` first`)
  }
  return zip
}

/**
 * A function built with `effect-lambda build`, on a managed Node.js runtime.
 *
 * Every `lambda.Function` option is accepted except the three this construct decides: `code`
 * (the build's `function.zip`), `handler` (not used: the wrapper starts the runtime, which runs
 * the module's own handler) and `AWS_LAMBDA_EXEC_WRAPPER` in `environment`.
 */
export interface EffectFunctionProps extends lambda.FunctionOptions {
  /** The build's output folder (`--outdir`), or its `function.zip`. */
  readonly build: string
  /**
   * The managed runtime: `nodejs22.x`, `nodejs24.x`, ... Build with the same Node release
   * (`effect-lambda build --node <path>`): V8 ignores a code cache made by another one, and the
   * function then compiles at every cold start (slower, never wrong).
   */
  readonly runtime: lambda.Runtime
}

/**
 * A function module built by `effect-lambda build`, deployed as its `function.zip` on a managed
 * Node.js runtime with the built `bootstrap` as the exec wrapper.
 */
export class EffectFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: EffectFunctionProps) {
    const { build, environment, runtime, ...options } = props
    requireManagedNode(id, runtime)
    super(scope, id, {
      ...options,
      runtime,
      code: lambda.Code.fromAsset(builtZip(id, build, "effect-lambda build <module> --outdir <folder>")),
      // Required by Lambda, not used: the wrapper below starts the runtime, which serves the
      // handler the module passed to LambdaRuntime.run. Without the wrapper, Lambda's own client
      // would report Runtime.ImportModuleError for `index`, not run stale code.
      handler: "index.handler",
      environment: { ...environment, [EXEC_WRAPPER]: `${TASK_ROOT}/bootstrap` }
    })
  }
}

/** The drop-in bootstrap as a layer. */
export interface DropInRuntimeProps {
  /** The output folder of `effect-lambda build --drop-in --outdir <folder>`, or its `function.zip`. */
  readonly build: string
  /**
   * The managed runtime the layer was built for (its code cache is trained with that Node
   * release): the layer declares it as its only compatible runtime.
   */
  readonly runtime: lambda.Runtime
  readonly description?: string
}

/**
 * This package's drop-in bootstrap for plain Node handlers, as a layer: its files land in `/opt`,
 * and functions name `/opt/bootstrap` as their exec wrapper ({@link DropInFunction} does).
 */
export class DropInRuntime extends lambda.LayerVersion {
  readonly runtime: lambda.Runtime

  constructor(scope: Construct, id: string, props: DropInRuntimeProps) {
    requireManagedNode(id, props.runtime)
    super(scope, id, {
      code: lambda.Code.fromAsset(builtZip(id, props.build, "effect-lambda build --drop-in --outdir <folder>")),
      compatibleRuntimes: [props.runtime],
      description: props.description ??
        "effect-lambda-runtime drop-in bootstrap (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap)"
    })
    this.runtime = props.runtime
  }
}

/**
 * A plain Node handler on the drop-in. `code` and `handler` are the function's own, as on the
 * official runtime (`handler` becomes `_HANDLER`, resolved the same way).
 */
export interface DropInFunctionProps extends lambda.FunctionOptions {
  /** The function's files: `index.mjs`, `package.json`, `node_modules`, ... */
  readonly code: lambda.Code
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string
  /** The drop-in layer; the function runs on the runtime it was built for. */
  readonly dropIn: DropInRuntime
}

/**
 * A plain Node handler served by the drop-in layer (added after any `layers` given), with
 * `AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap`. Name no file of another layer `bootstrap`,
 * `start.cjs` or `main.cjs`.
 */
export class DropInFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: DropInFunctionProps) {
    const { dropIn, environment, layers, ...options } = props
    super(scope, id, {
      ...options,
      runtime: dropIn.runtime,
      layers: [...(layers ?? []), dropIn],
      environment: { ...environment, [EXEC_WRAPPER]: `${LAYER_ROOT}/bootstrap` }
    })
  }
}
