/**
 * The drop-in bootstrap (`effect-lambda-runtime/node`) against aws-lambda-ric's native client:
 * the same plain async handler (bench/functions/ric/index.mjs, an ESM module,
 * `_HANDLER=index.handler`, the same task root for every row), in the same run, interleaved
 * round by round and spawn by spawn. The drop-in runs two ways, as users deploy it:
 * - as installed: the package's `dist/node.js` as `npm run build` makes it (tsc, then
 *   scripts/bundle-drop-in.mjs bundles node.js into one ESM file), started with
 *   `node <dist>/node.js`;
 * - built: `Build.build({ dropIn: true })` (what `effect-lambda build --drop-in` runs), started
 *   through the `bootstrap` it writes: start.cjs, the CommonJS bundle and its V8 code cache,
 *   trained by the build itself (without the handler).
 *
 * A second cold-start comparison runs a realistic plain handler (bench/functions/sdk-plain, an
 * ESM module, not bundled, as Node users deploy: an AWS SDK v3 SQS client and a Powertools Logger
 * created at module level, loaded from node_modules at init; the handler logs one line) on
 * aws-lambda-ric and on the built drop-in, spawn by spawn. Its packages resolve from the
 * repository's node_modules by Node's usual walk up from the function's directory.
 *
 *   npx tsx bench/dropin.ts        (also run by `npm run bench`)
 *
 * Knobs: BENCH_DROPIN_INVOCATIONS (5000 per round), BENCH_DROPIN_ROUNDS (3),
 * BENCH_DROPIN_COLD_STARTS (15 spawns per runtime), BENCH_RIC_DIR (see bench/ric.ts).
 * Writes bench/results/dropin.{json,md} and prints the Markdown.
 */
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { rmSync, statSync } from "node:fs"
import { join } from "node:path"
import * as Build from "../src/Build.js"
import { findRic } from "./ric.js"
import type { ProcessSpec, Sample } from "./server.js"
import { measure } from "./server.js"
import {
  cpuPhases,
  here,
  knob,
  lambdaEnv,
  log,
  machineNote,
  median,
  pairedRatio,
  percentile,
  phaseSeries,
  phasesCell,
  runStandalone,
  type SuiteReport
} from "./common.js"

const root = here("..")
/** The one function every row runs: the same file, the same task root, the same `_HANDLER`. */
const TASK_ROOT = here("./functions/ric")
const env = {
  ...lambdaEnv,
  LAMBDA_TASK_ROOT: TASK_ROOT,
  _HANDLER: "index.handler"
}
/** The realistic plain handler (SDK client and Powertools Logger at module level), unbundled. */
const REALISTIC_ROOT = here("./functions/sdk-plain")
// Powertools' Logger follows AWS_LAMBDA_LOG_LEVEL: unset, its one INFO line is written, as it would be on Lambda.
const { AWS_LAMBDA_LOG_LEVEL: _level, ...realisticBase } = lambdaEnv
const realisticEnv = { ...realisticBase, LAMBDA_TASK_ROOT: REALISTIC_ROOT, _HANDLER: "index.handler" }

interface Runtime {
  readonly id: string
  readonly label: string
  readonly spec: ProcessSpec
  readonly bytes?: number | undefined
  readonly cacheBytes?: number | undefined
  /** The same runtime on the realistic plain handler (cold starts only). */
  readonly realistic?: ProcessSpec | undefined
}

// --- the drop-in, two ways ------------------------------------------------------------------

const run = (args: ReadonlyArray<string>) => {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" })
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stdout}${result.stderr}`)
}

/**
 * `dist/` as `npm run build` makes it (package.json's build script: tsc with
 * tsconfig.build.json, then scripts/bundle-drop-in.mjs), into a scratch directory. Under the
 * repository, the nearest package.json ("type": "module") applies to it as the package's own
 * does once installed.
 */
const installed = (outdir: string) => {
  rmSync(outdir, { recursive: true, force: true })
  run([join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", outdir])
  run([join(root, "scripts/bundle-drop-in.mjs"), "effect3", outdir])
  return join(outdir, "node.js")
}

const runtimes = async (notes: Array<string>): Promise<Array<Runtime>> => {
  const list: Array<Runtime> = []
  const ric = findRic()
  if (typeof ric === "string") notes.push(ric)
  else if (!ric.nativeAvailable) notes.push(`${ric.label}, native client: skipped, ${ric.nativeReason}`)
  else {
    list.push({
      id: "ric",
      label: `${ric.label}, native client`,
      spec: { command: process.execPath, args: [ric.bin, "index.handler"], cwd: TASK_ROOT, env },
      realistic: { command: process.execPath, args: [ric.bin, "index.handler"], cwd: REALISTIC_ROOT, env: realisticEnv }
    })
  }
  const build = here("./.build/dropin")
  const dist = installed(join(build, "dist"))
  list.push({
    id: "dist",
    label: "drop-in as installed: node dist/node.js (one ESM bundle)",
    spec: { command: process.execPath, args: [dist], cwd: TASK_ROOT, env },
    bytes: statSync(dist).size
  })
  const built = await Effect.runPromise(Build.build({ dropIn: true, outdir: join(build, "built") }))
  for (const warning of built.warnings) notes.push(`drop-in build: ${warning}`)
  list.push({
    id: "built",
    label: "drop-in built: Build.build({ dropIn: true }), its bootstrap (bundle + code cache)",
    spec: { command: built.bootstrap, args: [], cwd: TASK_ROOT, env },
    realistic: { command: built.bootstrap, args: [], cwd: REALISTIC_ROOT, env: realisticEnv },
    bytes: built.bundleBytes,
    cacheBytes: built.codeCache?.bytes
  })
  return list
}

/** Runs the drop-in suite: throughput rounds, then cold-start spawns, both interleaved. */
export const dropInSuite = async (
  invocations = knob("BENCH_DROPIN_INVOCATIONS", 5000, 0),
  rounds = Math.max(1, knob("BENCH_DROPIN_ROUNDS", 3, 0)),
  coldStarts = Math.max(1, knob("BENCH_DROPIN_COLD_STARTS", 15, 0))
): Promise<SuiteReport> => {
  const notes: Array<string> = []
  const list = await runtimes(notes)
  for (const note of notes) log(`dropin note: ${note}`)

  const samples = new Map<string, Array<Sample>>(list.map((r) => [r.id, []]))
  for (let round = 0; round < rounds; round++) {
    for (const runtime of list) {
      log(`dropin round ${round + 1}/${rounds}: ${runtime.label} (${invocations} invocations)`)
      samples.get(runtime.id)!.push(await measure(runtime.spec, invocations))
    }
  }
  const cold = new Map<string, Array<Sample>>(list.map((r) => [r.id, []]))
  const realistic = list.filter((r) => r.realistic !== undefined)
  const coldRealistic = new Map<string, Array<Sample>>(realistic.map((r) => [r.id, []]))
  for (let i = 0; i < coldStarts; i++) {
    log(`dropin cold start ${i + 1}/${coldStarts}`)
    for (const runtime of list) cold.get(runtime.id)!.push(await measure(runtime.spec, 1))
    for (const runtime of realistic) coldRealistic.get(runtime.id)!.push(await measure(runtime.realistic!, 1))
  }

  const rows = list.map((runtime) => {
    const s = samples.get(runtime.id)!
    const c = cold.get(runtime.id)!
    const latencies = s.flatMap((x) => x.latencies)
    return {
      id: runtime.id,
      runtime: runtime.label,
      invocationsPerSecond: median(s.map((x) => x.invocationsPerSecond)),
      cpuMsPerInvocation: median(s.map((x) => x.cpuMsPerInvocation)),
      ...cpuPhases(s),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      coldStartMs: median(c.map((x) => x.coldStartMs)),
      coldStartMinMs: Math.min(...c.map((x) => x.coldStartMs)),
      coldCpuMs: median(c.map((x) => x.coldCpuPreciseMs)),
      coldMinorFaults: median(c.map((x) => x.coldMinorFaults)),
      peakRssMb: Math.max(...s.map((x) => x.peakRssMb)),
      bundleKb: runtime.bytes === undefined ? NaN : runtime.bytes / 1024,
      cacheKb: runtime.cacheBytes === undefined ? NaN : runtime.cacheBytes / 1024,
      errors: s.reduce((n, x) => n + x.errors, 0) + c.reduce((n, x) => n + x.errors, 0)
    }
  })

  const realisticRows = realistic.map((runtime) => {
    const c = coldRealistic.get(runtime.id)!
    return {
      id: runtime.id,
      runtime: runtime.label,
      coldStartMs: median(c.map((x) => x.coldStartMs)),
      coldStartMinMs: Math.min(...c.map((x) => x.coldStartMs)),
      coldCpuMs: median(c.map((x) => x.coldCpuPreciseMs)),
      coldMinorFaults: median(c.map((x) => x.coldMinorFaults)),
      errors: c.reduce((n, x) => n + x.errors, 0)
    }
  })
  const realisticMs = (id: string) => coldRealistic.get(id)!.map((x) => x.coldStartMs)
  const realisticCpu = (id: string) => coldRealistic.get(id)!.map((x) => x.coldCpuPreciseMs)
  const realisticRatio = coldRealistic.has("built") && coldRealistic.has("ric")
    ? {
      coldStartVsRic: pairedRatio(realisticMs("built"), realisticMs("ric")),
      coldCpuVsRic: pairedRatio(realisticCpu("built"), realisticCpu("ric"))
    }
    : undefined

  const has = (id: string) => samples.has(id) && samples.has("ric")
  const ips = (id: string) => samples.get(id)!.map((x) => x.invocationsPerSecond)
  const cpu = (id: string) => samples.get(id)!.map((x) => x.cpuMsPerInvocation)
  const coldMs = (id: string) => cold.get(id)!.map((x) => x.coldStartMs)
  const young = (id: string) => phaseSeries(samples.get(id)!, "young")
  const warm = (id: string) => phaseSeries(samples.get(id)!, "warm")
  const ratios = Object.fromEntries(
    list.filter((r) => r.id !== "ric" && has(r.id)).map((r) => [r.id, {
      throughputVsRic: pairedRatio(ips(r.id), ips("ric")),
      cpuVsRic: pairedRatio(cpu(r.id), cpu("ric")),
      youngCpuVsRic: pairedRatio(young(r.id), young("ric")),
      warmCpuVsRic: pairedRatio(warm(r.id), warm("ric")),
      coldStartVsRic: pairedRatio(coldMs(r.id), coldMs("ric"))
    }])
  )

  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const x = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a")
  // Issue 21's targets: throughput no lower than 0.95x, cold start no higher than 1.20x.
  const verdict = (id: string) => {
    const r = ratios[id]
    if (r === undefined) return "not measured (aws-lambda-ric's native client is not available)"
    const throughput = r.throughputVsRic >= 0.95
    const coldStart = r.coldStartVsRic <= 1.2
    return `throughput ${x(r.throughputVsRic)}, CPU/inv ${x(r.cpuVsRic)} (first 500 ${x(r.youngCpuVsRic)}, after ${
      x(r.warmCpuVsRic)
    }), cold start ${x(r.coldStartVsRic)}: ` +
      (throughput && coldStart
        ? "met"
        : `NOT met (${
          [throughput ? "" : "throughput", coldStart ? "" : "cold start"].filter((s) => s !== "").join(", ")
        })`)
  }
  const markdown = [
    "### Plain Node handler: drop-in bootstrap vs aws-lambda-ric",
    "",
    "| runtime | inv/s | CPU ms/inv | CPU ms/inv, first 500 / after | /next→/response p50 / p99 ms | cold start ms (median / min) | CPU ms at first /next | minor faults at first /next | peak RSS MB | bundle KB |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.invocationsPerSecond, 0)} | ${fixed(r.cpuMsPerInvocation, 3)} | ${phasesCell(r)} | ${
        fixed(r.latencyP50Ms, 3)
      } / ${fixed(r.latencyP99Ms, 3)} | ` +
      `${fixed(r.coldStartMs, 1)} / ${fixed(r.coldStartMinMs, 1)} | ${fixed(r.coldCpuMs, 1)} | ${
        fixed(r.coldMinorFaults, 0)
      } | ${fixed(r.peakRssMb, 1)} | ` +
      `${fixed(r.bundleKb, 0)}${Number.isFinite(r.cacheKb) ? ` (+ ${fixed(r.cacheKb, 0)} KB code cache)` : ""} |`
    ),
    "",
    "Targets: throughput at least 0.95x aws-lambda-ric's native client's, in a young process as in a warm one, and cold start at most 1.20x (ratios are medians of per-round ratios):",
    ...list.filter((r) => r.id !== "ric").map((r) => `- ${r.label}: ${verdict(r.id)}`),
    "",
    "",
    "Realistic plain handler (bench/functions/sdk-plain/index.mjs, unbundled ESM: an AWS SDK v3 SQS client and a Powertools " +
    "Logger at module level, loaded from node_modules), cold starts only:",
    "",
    "| runtime | cold start ms (median / min) | CPU ms at first /next | minor faults at first /next |",
    "|---|---|---|---|",
    ...realisticRows.map((r) =>
      `| ${r.runtime} | ${fixed(r.coldStartMs, 1)} / ${fixed(r.coldStartMinMs, 1)} | ${fixed(r.coldCpuMs, 1)} | ${
        fixed(r.coldMinorFaults, 0)
      } |`
    ),
    "",
    realisticRatio === undefined
      ? "Realistic plain handler: not measured (aws-lambda-ric's native client is not available)"
      : `Realistic plain handler, drop-in built vs aws-lambda-ric (target: cold start at most 1.05x): cold start ${
        x(realisticRatio.coldStartVsRic)
      }, CPU at first /next ${x(realisticRatio.coldCpuVsRic)}: ${
        realisticRatio.coldStartVsRic <= 1.05 ? "met" : "NOT met"
      }`,
    "",
    "The same handler (bench/functions/ric/index.mjs, an ESM module, `_HANDLER=index.handler`) for every row. Cold start: spawn → first " +
    "`GET /next`; CPU ms (schedstat, all live threads) and minor page faults of the process at that moment.",
    ...notes.map((note) => `Note: ${note}.`),
    `${rounds} interleaved rounds of ${invocations} invocations; ${coldStarts} cold starts per runtime, interleaved. ` +
    machineNote()
  ].join("\n")
  return {
    markdown,
    json: {
      date: new Date().toISOString(),
      node: process.version,
      settings: { invocations, rounds, coldStarts },
      rows,
      ratios,
      realisticRows,
      realisticRatio,
      notes
    }
  }
}

runStandalone(import.meta.url, "dropin", () => dropInSuite())
