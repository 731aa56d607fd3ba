/**
 * The drop-in bootstrap (`effect-lambda-runtime/node`) against aws-lambda-ric's native client:
 * the same plain async handler (bench/functions/ric/index.mjs, `_HANDLER=index.handler`, the
 * same task root for every row), in the same run, interleaved round by round and spawn by spawn.
 * The drop-in runs three ways:
 * - as a user installs it: the package's compiled `dist/node.js` (tsc, unbundled ESM files,
 *   dependencies from node_modules), started with `node <dist>/node.js`;
 * - bundled: src/node.ts bundled by esbuild into one minified ESM file (`node.mjs`);
 * - bundled with V8's code cache: one minified CommonJS bundle started through the project's
 *   code-cache loader (src/internal/codeCache.ts `loaderSource`), its cache produced by a
 *   training run like the build's (see `codeCached` for why not `Build.build` itself).
 *
 *   npx tsx bench/dropin.ts        (also run by `npm run bench`)
 *
 * Knobs: BENCH_DROPIN_INVOCATIONS (5000 per round), BENCH_DROPIN_ROUNDS (3),
 * BENCH_DROPIN_COLD_STARTS (15 spawns per runtime), BENCH_RIC_DIR (see bench/ric.ts).
 * Writes bench/results/dropin.{json,md} and prints the Markdown.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as CodeCache from "../src/internal/codeCache.js"
import { findRic } from "./ric.js"
import type { ProcessSpec, Sample } from "./server.js"
import { measure } from "./server.js"
import { median, pairedRatio, percentile, runStandalone, type SuiteReport } from "./common.js"

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const root = here("..")
const log = (line: string) => process.stderr.write(`${line}\n`)
const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  return Number.isFinite(value) && value >= 0 ? value : fallback
}

const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`
/** The one function every row runs: the same file, the same task root, the same `_HANDLER`. */
const TASK_ROOT = here("./functions/ric")
const env = {
  PATH,
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
  AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
  AWS_LAMBDA_LOG_STREAM_NAME: "bench",
  AWS_LAMBDA_LOG_LEVEL: "WARN",
  LAMBDA_TASK_ROOT: TASK_ROOT,
  _HANDLER: "index.handler"
}

interface Runtime {
  readonly id: string
  readonly label: string
  readonly spec: ProcessSpec
  readonly bytes?: number | undefined
  readonly cacheBytes?: number | undefined
}

// --- the drop-in, three ways ----------------------------------------------------------------

/** `dist/` as `npm run build` makes it (tsc with tsconfig.build.json), into a scratch directory. */
const compiled = (outdir: string) => {
  rmSync(outdir, { recursive: true, force: true })
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", outdir], {
    cwd: root,
    encoding: "utf8"
  })
  if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`)
  // Under the repository, the nearest package.json ("type": "module") applies to dist/ as the
  // package's own does once installed; effect resolves from the repository's node_modules.
  return join(outdir, "node.js")
}

const esbuildOnce = async (outfile: string, format: "esm" | "cjs") => {
  const esbuild = await import("esbuild")
  await esbuild.build({
    // CommonJS goes through the loader's function wrapper, where src/node.ts's `#!` line is a
    // syntax error: an entry importing it (as `import "effect-lambda-runtime/node"` does) has none.
    ...(format === "cjs"
      ? { stdin: { contents: `import "./src/node.ts"`, resolveDir: root, loader: "ts" as const, sourcefile: "dropin-entry.ts" } }
      : { entryPoints: [join(root, "src/node.ts")] }),
    outfile,
    bundle: true,
    platform: "node",
    format,
    target: `node${process.versions.node.split(".")[0]}`,
    minify: true,
    logLevel: "silent",
    ...(format === "cjs"
      ? {
        // src/internal/node/resolve.ts calls createRequire(import.meta.url), which esbuild
        // leaves as `{}.url` in CommonJS; the bundle's own file URL stands in for it.
        define: { "import.meta.url": "__dropinUrl" },
        banner: { js: `var __dropinUrl=require("node:url").pathToFileURL(__filename).href;` }
      }
      : {})
  })
  return outfile
}

/**
 * The CommonJS bundle started through the build's code-cache loader, the cache produced by a
 * training run as the build does it (empty environment, `TRAINING_ENV=1`), except that the run
 * gets `LAMBDA_TASK_ROOT`/`_HANDLER` of the bench function: `Build.build({ entry: "src/node.ts" })`
 * does not produce a working drop-in today (see the notes this returns).
 */
const codeCached = async (outdir: string, notes: Array<string>) => {
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  const bundle = await esbuildOnce(join(outdir, "main.cjs"), "cjs")
  writeFileSync(join(outdir, "package.json"), `{"type":"commonjs"}\n`)
  const loader = join(outdir, "start.cjs")
  writeFileSync(loader, CodeCache.loaderSource("main.cjs", { dynamicImports: true }))
  const train = (extra: Record<string, string>) => {
    const home = mkdtempSync(join(tmpdir(), "dropin-training-"))
    try {
      return spawnSync(process.execPath, [loader], {
        cwd: home,
        env: { PATH: dirname(process.execPath), HOME: home, [CodeCache.TRAINING_ENV]: "1", ...extra },
        encoding: "utf8",
        timeout: 60_000
      })
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  }
  // What the build's training run would see: no _HANDLER, an empty working directory.
  const bare = train({})
  notes.push(
    `training run without _HANDLER (the build's empty environment): exit ${bare.status}` +
      (bare.stderr.trim() === "" ? "" : `, stderr: ${bare.stderr.trim().split("\n").slice(-1)[0]!.slice(0, 160)}`)
  )
  const run = train({ LAMBDA_TASK_ROOT: TASK_ROOT, _HANDLER: "index.handler" })
  const cache = `${bundle}.cache`
  let cacheBytes: number | undefined
  try {
    cacheBytes = statSync(cache).size
  } catch {
    cacheBytes = undefined
  }
  notes.push(`training run with _HANDLER=index.handler: exit ${run.status}, cache ${cacheBytes ?? 0} bytes`)
  return { loader, bytes: statSync(bundle).size, cacheBytes }
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
      spec: { command: process.execPath, args: [ric.bin, "index.handler"], cwd: TASK_ROOT, env }
    })
  }
  const build = here("./.build/dropin")
  const dist = compiled(join(build, "dist"))
  list.push({
    id: "dist",
    label: "drop-in: node dist/node.js (tsc output, unbundled)",
    spec: { command: process.execPath, args: [dist], cwd: TASK_ROOT, env }
  })
  mkdirSync(join(build, "bundle"), { recursive: true })
  const bundle = await esbuildOnce(join(build, "bundle/node.mjs"), "esm")
  list.push({
    id: "bundle",
    label: "drop-in: esbuild bundle (ESM, minified)",
    spec: { command: process.execPath, args: [bundle], cwd: TASK_ROOT, env },
    bytes: statSync(bundle).size
  })
  const cached = await codeCached(join(build, "cached"), notes)
  const cachedSpec = (taskRoot: string): ProcessSpec => ({
    command: process.execPath,
    args: [cached.loader],
    cwd: taskRoot,
    env: { ...env, LAMBDA_TASK_ROOT: taskRoot }
  })
  // With the cache accepted, `import()` of an ESM handler from the vm.Script has failed
  // ("A dynamic import callback was not specified"): probe it, and fall back to a CommonJS copy.
  let cachedRoot = TASK_ROOT
  try {
    await measure(cachedSpec(TASK_ROOT), 1)
  } catch (error) {
    // The runtime logs the init error on stdout, which measure() discards: ask once more for it.
    const rerun = spawnSync(process.execPath, [cached.loader], {
      cwd: TASK_ROOT,
      env: { ...env, AWS_LAMBDA_RUNTIME_API: "127.0.0.1:1" },
      encoding: "utf8",
      timeout: 10_000
    })
    const reason = `${rerun.stdout}\n${rerun.stderr}\n${String(error)}`.split("\n").find((line) => /^\w*Error: /.test(line)) ?? String(error).slice(0, 200)
    notes.push(`the code-cached drop-in could not load the ESM handler (${reason.trim()}); its row runs bench/functions/dropin/index.cjs, the same handler as CommonJS`)
    cachedRoot = here("./functions/dropin")
  }
  list.push({
    id: "cached",
    label: `drop-in: bundle (CJS) + code cache loader${cachedRoot === TASK_ROOT ? "" : " (CommonJS copy of the handler)"}`,
    spec: cachedSpec(cachedRoot),
    bytes: cached.bytes,
    cacheBytes: cached.cacheBytes
  })
  return list
}

/** Runs the drop-in suite: throughput rounds, then cold-start spawns, both interleaved. */
export const dropInSuite = async (
  invocations = knob("BENCH_DROPIN_INVOCATIONS", 5000),
  rounds = Math.max(1, knob("BENCH_DROPIN_ROUNDS", 3)),
  coldStarts = Math.max(1, knob("BENCH_DROPIN_COLD_STARTS", 15))
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
  for (let i = 0; i < coldStarts; i++) {
    log(`dropin cold start ${i + 1}/${coldStarts}`)
    for (const runtime of list) cold.get(runtime.id)!.push(await measure(runtime.spec, 1))
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

  const has = (id: string) => samples.has(id) && samples.has("ric")
  const ips = (id: string) => samples.get(id)!.map((x) => x.invocationsPerSecond)
  const cpu = (id: string) => samples.get(id)!.map((x) => x.cpuMsPerInvocation)
  const coldMs = (id: string) => cold.get(id)!.map((x) => x.coldStartMs)
  const ratios = Object.fromEntries(
    list.filter((r) => r.id !== "ric" && has(r.id)).map((r) => [r.id, {
      throughputVsRic: pairedRatio(ips(r.id), ips("ric")),
      cpuVsRic: pairedRatio(cpu(r.id), cpu("ric")),
      coldStartVsRic: pairedRatio(coldMs(r.id), coldMs("ric"))
    }])
  )

  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const x = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a")
  // "Level": within 5% (throughput no lower than 0.95x, cold start no higher than 1.05x).
  const verdict = (id: string) => {
    const r = ratios[id]
    if (r === undefined) return "not measured (aws-lambda-ric's native client is not available)"
    const throughput = r.throughputVsRic >= 0.95
    const coldStart = r.coldStartVsRic <= 1.05
    return `throughput ${x(r.throughputVsRic)}, CPU/inv ${x(r.cpuVsRic)}, cold start ${x(r.coldStartVsRic)}: ` +
      (throughput && coldStart ? "met" : `NOT met (${[throughput ? "" : "throughput", coldStart ? "" : "cold start"].filter((s) => s !== "").join(", ")})`)
  }
  const markdown = [
    "### Plain Node handler: drop-in bootstrap vs aws-lambda-ric",
    "",
    "| runtime | inv/s | CPU ms/inv | /next→/response p50 / p99 ms | cold start ms (median / min) | CPU ms at first /next | minor faults at first /next | peak RSS MB | bundle KB |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.invocationsPerSecond, 0)} | ${fixed(r.cpuMsPerInvocation, 3)} | ${fixed(r.latencyP50Ms, 3)} / ${fixed(r.latencyP99Ms, 3)} | ` +
      `${fixed(r.coldStartMs, 1)} / ${fixed(r.coldStartMinMs, 1)} | ${fixed(r.coldCpuMs, 1)} | ${fixed(r.coldMinorFaults, 0)} | ${fixed(r.peakRssMb, 1)} | ` +
      `${fixed(r.bundleKb, 0)}${Number.isFinite(r.cacheKb) ? ` (+ ${fixed(r.cacheKb, 0)} KB code cache)` : ""} |`
    ),
    "",
    "Target: at least level with aws-lambda-ric's native client on throughput and cold start (within 5%; ratios are medians of per-round ratios):",
    ...list.filter((r) => r.id !== "ric").map((r) => `- ${r.label}: ${verdict(r.id)}`),
    "",
    "The same handler (bench/functions/ric/index.mjs, `_HANDLER=index.handler`) for every row (see the notes for a CommonJS copy). Cold start: spawn → first " +
    "`GET /next`; CPU ms (schedstat, all live threads) and minor page faults of the process at that moment.",
    ...notes.map((note) => `Note: ${note}.`),
    `${rounds} interleaved rounds of ${invocations} invocations; ${coldStarts} cold starts per runtime, interleaved. ` +
    `Node ${process.version}, ${process.platform}-${process.arch}, ${new Date().toISOString()}. Absolute numbers depend on the machine and its load.`
  ].join("\n")
  return {
    markdown,
    json: { date: new Date().toISOString(), node: process.version, settings: { invocations, rounds, coldStarts }, rows, ratios, notes }
  }
}

runStandalone(import.meta.url, "dropin", () => dropInSuite())
