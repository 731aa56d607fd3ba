/**
 * Where the benchmark finds the official runtime interface client (aws-lambda-ric), an optional
 * dependency of bench/ric whose install builds native code. BENCH_RIC_DIR points at another
 * directory whose node_modules holds it (e.g. a scratch install), for machines where the
 * project's own install could not build it.
 */
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { ProcessSpec } from "./server.js"

export interface Ric {
  readonly label: string
  readonly version: string
  readonly bin: string
  readonly nativeAvailable: boolean
  readonly nativeReason: string
}

/** The runtime interface client, or why it is not available. */
export const findRic = (): Ric | string => {
  const base = process.env.BENCH_RIC_DIR
  const require = createRequire(
    base === undefined || base === ""
      ? fileURLToPath(new URL("./ric/package.json", import.meta.url))
      : join(resolve(base), "package.json")
  )
  for (const name of ["aws-lambda-ric-4", "aws-lambda-ric"]) {
    let manifest: string
    try {
      manifest = require.resolve(`${name}/package.json`)
    } catch {
      continue
    }
    const root = dirname(manifest)
    const { version, bin } = require(manifest) as { version: string; bin: Record<string, string> }
    const native = [join(root, "rapid-client.node"), join(root, "dist", "rapid-client.node")].find(existsSync)
    return {
      label: `aws-lambda-ric ${version}`,
      version,
      bin: join(root, bin["aws-lambda-ric"]!),
      nativeAvailable: native !== undefined,
      nativeReason: native === undefined ? "its native addon (rapid-client.node) was not built on this machine" : ""
    }
  }
  return "aws-lambda-ric is not installed: it is an optional dependency (bench/ric) whose install builds native " +
    "code (cmake, make, a C++ compiler, autoconf, automake, libtool); npm skipped it on this machine " +
    "(BENCH_RIC_DIR can point at another install)"
}

/** `ric`'s client as the tables name it: the native one, or its node:http one where the addon is missing. */
export const ricClient = (ric: Ric): string => ric.nativeAvailable ? "native client" : "node:http client"

/** Why the node:http client is measured instead of the native one, when it is. */
export const ricClientNote = (ric: Ric): ReadonlyArray<string> =>
  ric.nativeAvailable ? [] : [`${ric.label}: ${ric.nativeReason}; its node:http client is measured instead`]

/**
 * aws-lambda-ric serving `index.handler` from the bundle in `dir` (its native client where
 * built, its node:http client otherwise), with `env` and `extra` as the function's environment.
 */
export const ricSpec = (
  ric: Ric,
  dir: string,
  env: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {}
): ProcessSpec => ({
  command: process.execPath,
  args: [ric.bin, "index.handler"],
  cwd: dir,
  env: {
    ...env,
    LAMBDA_TASK_ROOT: dir,
    _HANDLER: "index.handler",
    ...extra,
    ...(ric.nativeAvailable ? {} : { AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1: "true" })
  }
})
