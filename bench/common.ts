/**
 * What the benchmark suites share: paths, knobs, log lines, the environment Lambda gives a
 * function, and the esbuild bundle of a function for aws-lambda-ric.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** A path relative to bench/. */
export const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/** Progress lines go to stderr; the tables go to stdout. */
export const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

/** An integer of at least `min` (default 1; 0 where 0 turns a part off) from the environment, or `fallback`. */
export const knob = (name: string, fallback: number, min = 1): number => {
  const value = Number(process.env[name] ?? fallback)
  return Number.isFinite(value) && value >= min ? Math.floor(value) : fallback
}

/** The Node binary running the bench first on PATH, for bootstrap scripts that look for `node`. */
export const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`

/** The part of Lambda's environment every bench function gets. */
export const lambdaEnv = {
  PATH,
  TZ: ":UTC",
  AWS_REGION: "us-east-1",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
  AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
  AWS_LAMBDA_LOG_STREAM_NAME: "bench",
  AWS_LAMBDA_LOG_LEVEL: "WARN"
} as const

/**
 * `functions/<entry>.ts` bundled as a user bundles a function for aws-lambda-ric (esbuild,
 * CommonJS, minified) into `.build/<outName>/index.js`.
 */
export const bundleForRic = async (entry: string, outName: string = entry) => {
  const esbuild = await import("esbuild")
  const outdir = here(`./.build/${outName}`)
  mkdirSync(outdir, { recursive: true })
  const outfile = join(outdir, "index.js")
  await esbuild.build({
    entryPoints: [here(`./functions/${entry}.ts`)],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: `node${process.versions.node.split(".")[0]}`,
    minify: true,
    logLevel: "silent"
  })
  // A Lambda zip has no package.json: the one of this repository ("type": "module") must not apply.
  writeFileSync(join(outdir, "package.json"), `{"type":"commonjs"}\n`)
  return { dir: outdir, bytes: statSync(outfile).size }
}

/** The `p`th percentile (nearest rank below) of `values`; `NaN` for none. */
/** Where and when a suite ran, closing its notes: absolute numbers vary several-fold between machines. */
export const machineNote = (): string =>
  `Node ${process.version}, ${process.platform}-${process.arch}, ${new Date().toISOString()}. ` +
  "Absolute numbers depend on the machine and its load."

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

export const median = (values: ReadonlyArray<number>): number => percentile(values, 50)

/** Median of the per-round (or per-spawn) ratios a[i] / b[i]. */
export const pairedRatio = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number =>
  median(a.map((value, i) => value / b[i]!).filter(Number.isFinite))

/** What `measure()` gives of a round's two phases (server.ts `Sample`). */
interface PhasedSample {
  readonly youngCpuPreciseMsPerInvocation: number | undefined
  readonly warmCpuPreciseMsPerInvocation: number | undefined
}

/**
 * One phase's CPU per invocation, round by round (`NaN` where a round was too short), aligned with
 * the rounds so that `pairedRatio` pairs them with another runtime's.
 */
export const phaseSeries = (samples: ReadonlyArray<PhasedSample>, phase: "young" | "warm"): Array<number> =>
  samples.map((s) => (phase === "young" ? s.youngCpuPreciseMsPerInvocation : s.warmCpuPreciseMsPerInvocation) ?? NaN)

/**
 * CPU ms per invocation of a young process (its first invocations, before V8 has optimised much:
 * many Lambda instances never serve more) and of the same process once warm (the rest), medians
 * over the rounds; `NaN` where no round was long enough.
 */
export const cpuPhases = (
  samples: ReadonlyArray<PhasedSample>
): { readonly youngCpuMs: number; readonly warmCpuMs: number } => ({
  youngCpuMs: median(phaseSeries(samples, "young").filter(Number.isFinite)),
  warmCpuMs: median(phaseSeries(samples, "warm").filter(Number.isFinite))
})

/** The young and warm phases' CPU per invocation as one table cell. */
export const phasesCell = (p: { readonly youngCpuMs: number; readonly warmCpuMs: number }): string =>
  `${Number.isFinite(p.youngCpuMs) ? p.youngCpuMs.toFixed(3) : "-"} / ${
    Number.isFinite(p.warmCpuMs) ? p.warmCpuMs.toFixed(3) : "-"
  }`

/** What a suite gives: its Markdown (table, targets, notes) and the same figures as JSON. */
export interface SuiteReport {
  readonly markdown: string
  readonly json: unknown
}

/** Writes a suite's report to `bench/results/<name>.{json,md}` and prints its Markdown. */
export const printReport = (name: string, result: SuiteReport): void => {
  mkdirSync(here("./results"), { recursive: true })
  writeFileSync(here(`./results/${name}.json`), JSON.stringify(result.json, null, 2))
  writeFileSync(here(`./results/${name}.md`), result.markdown + "\n")
  console.log(result.markdown)
}

/**
 * Runs `suite` when the module at `moduleUrl` is the process's entry (`npx tsx bench/<name>.ts`),
 * writing `bench/results/<name>.{json,md}` and printing the Markdown.
 */
export const runStandalone = (moduleUrl: string, name: string, suite: () => Promise<SuiteReport>): void => {
  if (process.argv[1] === undefined || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return
  suite().then((result) => printReport(name, result)).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
