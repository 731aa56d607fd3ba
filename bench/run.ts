/**
 * The benchmark suite: every runtime runs as a child process against the same minimal Runtime
 * API (bench/server.ts) in interleaved rounds, and every ratio is computed pair by pair inside
 * one run (round r of a runtime against round r of the hand-written loop).
 *
 *   npm run bench
 *   npm run bench -- concurrent http     (only the named suites: coldstart, http, batch, dropin,
 *                                          concurrent, lines, telemetry; each writes
 *                                          bench/results/<name>.{json,md})
 *
 * Knobs (environment): BENCH_INVOCATIONS (5000 per round for the fast runtimes), BENCH_ROUNDS
 * (3), BENCH_SLOW_INVOCATIONS (20 per round for the 200 ms runtimes), BENCH_COLD_STARTS (10
 * spawns per runtime), BENCH_SOAK (100000 invocations for the RSS soak; 0 skips it),
 * BENCH_SOAK_WARMUP (10000), BENCH_COLD_SPAWNS (20 spawns per runtime for bench/coldstart.ts),
 * BENCH_HTTP_INVOCATIONS / BENCH_HTTP_ROUNDS / BENCH_HTTP_COLD_STARTS (bench/http.ts),
 * BENCH_BATCH_INVOCATIONS / BENCH_BATCH_ROUNDS (bench/batch.ts), BENCH_DROPIN_INVOCATIONS /
 * BENCH_DROPIN_ROUNDS / BENCH_DROPIN_COLD_STARTS (bench/dropin.ts), BENCH_CONCURRENT_*
 * (bench/concurrent.ts; BENCH_CONCURRENT=0 skips it).
 *
 * Writes bench/results/latest.{json,md} and docs/bench.svg, and prints the Markdown. If
 * bench/streaming.ts exists it runs afterwards with the same environment.
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import * as Build from "../src/Build.js"
import { batchSuite } from "./batch.js"
import { chart } from "./chart.js"
import { coldStartSuite } from "./coldstart.js"
import { concurrentSuite } from "./concurrent.js"
import { dropInSuite } from "./dropin.js"
import { httpSuite } from "./http.js"
import { linesSuite } from "./lines.js"
import { telemetrySuite } from "./telemetry.js"
import { findRic } from "./ric.js"
import type { ProcessSpec, Sample } from "./server.js"
import { measure } from "./server.js"
import type { SuiteReport } from "./common.js"
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
  phasesCell,
  printReport
} from "./common.js"

const INVOCATIONS = knob("BENCH_INVOCATIONS", 5000, 0)
const ROUNDS = Math.max(1, knob("BENCH_ROUNDS", 3, 0))
const SLOW_INVOCATIONS = knob("BENCH_SLOW_INVOCATIONS", 20, 0)
const COLD_STARTS = Math.max(1, knob("BENCH_COLD_STARTS", 10, 0))
const SOAK = knob("BENCH_SOAK", 100_000, 0)
const SOAK_WARMUP = knob("BENCH_SOAK_WARMUP", 10_000, 0)

interface Runtime {
  readonly id: string
  readonly label: string
  readonly spec: ProcessSpec
  /** Throughput runs with BENCH_INVOCATIONS (fast) or BENCH_SLOW_INVOCATIONS (200 ms handlers). */
  readonly kind: "fast" | "slow" | "coldOnly"
  readonly bundleBytes?: number | undefined
  readonly codeCacheBytes?: number | undefined
  readonly checkDetached?: boolean
  /** Server-side pause before each `/next` answer (the no-detached reference for the 200 ms runs). */
  readonly paceMs?: number
  /** Same process as another row: not measured again for cold start. */
  readonly skipColdStart?: boolean
}

// --- the runtimes ---------------------------------------------------------------------------

/** Builds a bench function with the project's build command and its default options, as a user would deploy it. */
const deploy = async (name: string) => {
  const result = await Effect.runPromise(
    Build.build({ entry: here(`./functions/${name}.ts`), outdir: here(`./.build/${name}`) })
  )
  for (const warning of result.warnings) log(`build ${name}: ${warning}`)
  return result
}

/** The biggest contributors to a bundle, from esbuild's metafile (what the hot path pulls in). */
const bundleInputs: Array<{ readonly input: string; readonly kb: number }> = []
const largestInputs = (metafile: string) => {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>
  }
  const output = Object.values(meta.outputs)[0]!
  return Object.entries(output.inputs)
    .map(([input, { bytesInOutput }]) => ({ input, kb: bytesInOutput / 1024 }))
    .sort((a, b) => b.kb - a.kb)
    .slice(0, 15)
}

const runtimes = async (notes: Array<string>): Promise<Array<Runtime>> => {
  const list: Array<Runtime> = [{
    id: "baseline",
    label: "hand-written node:http loop",
    kind: "fast",
    spec: { command: process.execPath, args: [here("./functions/baseline.mjs")], env: lambdaEnv },
    bundleBytes: statSync(here("./functions/baseline.mjs")).size
  }]
  const ric = findRic()
  if (typeof ric === "string") notes.push(ric)
  else {
    const ricSpec = (alternative: boolean): ProcessSpec => ({
      command: process.execPath,
      args: [ric.bin, "index.handler"],
      cwd: here("./functions/ric"),
      env: {
        ...lambdaEnv,
        LAMBDA_TASK_ROOT: here("./functions/ric"),
        _HANDLER: "index.handler",
        ...(alternative ? { AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1: "true" } : {})
      }
    })
    if (ric.nativeAvailable) {
      list.push({ id: "ric", label: `${ric.label}, native client`, kind: "fast", spec: ricSpec(false) })
    } else notes.push(`${ric.label}, native client: skipped, ${ric.nativeReason}`)
    list.push({ id: "ricAlt", label: `${ric.label}, node:http client`, kind: "fast", spec: ricSpec(true) })
  }
  const trivial = await deploy("trivial")
  bundleInputs.push(...largestInputs(trivial.metafile))
  const bootstrap = (result: Build.BuildResult, env: Record<string, string> = {}): ProcessSpec => ({
    command: result.bootstrap,
    args: [],
    env: { ...lambdaEnv, ...env }
  })
  list.push({
    id: "ours",
    label: "effect-lambda-runtime (code cache)",
    kind: "fast",
    spec: bootstrap(trivial),
    bundleBytes: trivial.bundleBytes,
    codeCacheBytes: trivial.codeCache?.bytes
  })
  list.push({
    id: "oursPlain",
    label: "effect-lambda-runtime (bundle, no code cache)",
    kind: "coldOnly",
    spec: bootstrap(trivial, { EFFECT_LAMBDA_CODE_CACHE: "0" }),
    bundleBytes: trivial.bundleBytes
  })
  const trivialDefault = await deploy("trivial-default")
  list.push({
    id: "oursDefault",
    label: "effect-lambda-runtime (code cache, default options)",
    kind: "coldOnly",
    spec: bootstrap(trivialDefault),
    bundleBytes: trivialDefault.bundleBytes,
    codeCacheBytes: trivialDefault.codeCache?.bytes
  })
  list.push({
    id: "paced",
    label: "effect-lambda-runtime, no extra task, invoked every 200 ms",
    kind: "slow",
    spec: bootstrap(trivial),
    bundleBytes: trivial.bundleBytes,
    paceMs: 200,
    skipColdStart: true
  })
  const detached = await deploy("detached")
  list.push({
    id: "detached",
    label: "effect-lambda-runtime, 200 ms detached",
    kind: "slow",
    spec: bootstrap(detached),
    bundleBytes: detached.bundleBytes,
    checkDetached: true
  })
  const inline = await deploy("inline")
  list.push({
    id: "inline",
    label: "effect-lambda-runtime, 200 ms inline",
    kind: "slow",
    spec: bootstrap(inline),
    bundleBytes: inline.bundleBytes
  })
  return list
}

// --- the run --------------------------------------------------------------------------------

/** The suites `npm run bench -- <name> ...` runs alone (each also runs as `npx tsx bench/<name>.ts`). */
const suites: Record<string, () => Promise<SuiteReport>> = {
  coldstart: () => coldStartSuite(Math.max(1, knob("BENCH_COLD_SPAWNS", 20, 0))),
  http: () => httpSuite(),
  batch: () => batchSuite(),
  dropin: () => dropInSuite(),
  concurrent: () => concurrentSuite(),
  lines: () => linesSuite(),
  telemetry: () => telemetrySuite()
}

const only = async (names: ReadonlyArray<string>) => {
  const unknown = names.filter((name) => !(name in suites))
  if (unknown.length > 0) {
    throw new Error(`unknown suite ${unknown.join(", ")}: one of ${Object.keys(suites).join(", ")}`)
  }
  for (const name of names) printReport(name, await suites[name]!())
}

const main = async () => {
  mkdirSync(here("./.build"), { recursive: true })
  mkdirSync(here("./results"), { recursive: true })
  const notes: Array<string> = []
  const all = await runtimes(notes)
  for (const note of notes) log(`note: ${note}`)

  const samples = new Map<string, Array<Sample>>(all.map((r) => [r.id, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const runtime of all) {
      if (runtime.kind === "coldOnly") continue
      const count = runtime.kind === "fast" ? INVOCATIONS : SLOW_INVOCATIONS
      log(`round ${round + 1}/${ROUNDS}: ${runtime.label} (${count} invocations)`)
      samples.get(runtime.id)!.push(
        await measure(runtime.spec, count, { checkDetached: runtime.checkDetached === true, paceMs: runtime.paceMs })
      )
    }
  }

  // Cold start: spawn -> first GET /next, one spawn per runtime per round, interleaved.
  const cold = new Map<string, Array<number>>(all.map((r) => [r.id, []]))
  for (let i = 0; i < COLD_STARTS; i++) {
    log(`cold start ${i + 1}/${COLD_STARTS}`)
    for (const runtime of all) {
      if (runtime.skipColdStart !== true) cold.get(runtime.id)!.push((await measure(runtime.spec, 1)).coldStartMs)
    }
  }

  // The realistic function's cold start three ways, and the trivial one's (bench/coldstart.ts).
  const realisticCold = await coldStartSuite(Math.max(1, knob("BENCH_COLD_SPAWNS", 20, 0)))
  // The same HttpApi on this runtime, @effect-aws/lambda and Hono (bench/http.ts).
  const http = await httpSuite()
  // An SQS batch on LambdaEvents.sqs and on Powertools' BatchProcessor (bench/batch.ts).
  const batch = await batchSuite()
  // A plain Node handler on aws-lambda-ric and on the drop-in bootstrap (bench/dropin.ts).
  const dropIn = await dropInSuite()
  // N invocations at once in one process, on this runtime and aws-lambda-ric 4 (bench/concurrent.ts).
  const concurrent = process.env.BENCH_CONCURRENT === "0" ? undefined : await concurrentSuite()
  // The same functions on the Effect 3 line and the Effect 4 line, on Node 22 (bench/lines.ts).
  const lines = await linesSuite()
  // What tracing, X-Ray and EMF cost, against aws-lambda-ric with the OpenTelemetry SDK (bench/telemetry.ts).
  const telemetry = await telemetrySuite()
  const concurrentMarkdown = concurrent === undefined ? "" : `\n\n${concurrent.markdown}`

  interface Soak {
    runtime: string
    invocations: number
    warmupAt: number
    rssAtWarmupMb: number
    rssAtEndMb: number
    growthMb: number
    series: ReadonlyArray<readonly [number, number]>
  }
  // RSS also moves while V8 sizes its heap and the allocator settles, leak or not: the
  // hand-written loop is soaked the same way, as the reference for what is noise.
  const soakOf = async (runtime: Runtime): Promise<Soak> => {
    log(`soak: ${runtime.label}, ${SOAK} invocations`)
    const sample = await measure(runtime.spec, SOAK, { rssEvery: Math.max(1, Math.floor(SOAK / 20)) })
    const warm = sample.rss.find(([n]) => n >= Math.min(SOAK_WARMUP, SOAK)) ?? sample.rss[0]!
    const end = sample.rss[sample.rss.length - 1]!
    return {
      runtime: runtime.label,
      invocations: SOAK,
      warmupAt: warm[0],
      rssAtWarmupMb: warm[1],
      rssAtEndMb: end[1],
      growthMb: end[1] - warm[1],
      series: sample.rss
    }
  }
  let soak: Soak | undefined
  let loopSoak: Soak | undefined
  if (SOAK > 0) {
    soak = await soakOf(all.find((r) => r.id === "ours")!)
    loopSoak = await soakOf(all.find((r) => r.id === "baseline")!)
  }
  const mixedSoak = await (await import("./soak.js")).runSoak()

  const rows = all.map((runtime) => {
    const s = samples.get(runtime.id)!
    const latencies = s.flatMap((x) => x.latencies)
    const releases = s.flatMap((x) => x.releases)
    return {
      id: runtime.id,
      runtime: runtime.label,
      invocationsPerRound: runtime.kind === "fast" ? INVOCATIONS : runtime.kind === "slow" ? SLOW_INVOCATIONS : 0,
      invocationsPerSecond: median(s.map((x) => x.invocationsPerSecond)),
      // /proc counts CPU in 10 ms ticks: meaningless over the few invocations of the 200 ms runs.
      cpuMsPerInvocation: runtime.kind === "fast" ? median(s.map((x) => x.cpuMsPerInvocation)) : NaN,
      ...(runtime.kind === "fast" ? cpuPhases(s) : { youngCpuMs: NaN, warmCpuMs: NaN }),
      serverCpuMsPerInvocation: median(s.map((x) => x.serverCpuMsPerInvocation)),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      releaseP50Ms: percentile(releases, 50),
      releaseP99Ms: percentile(releases, 99),
      coldStartMs: median(cold.get(runtime.id)!),
      coldStartMinMs: Math.min(...cold.get(runtime.id)!),
      peakRssMb: s.length === 0 ? NaN : Math.max(...s.map((x) => x.peakRssMb)),
      bundleKb: runtime.bundleBytes === undefined ? NaN : runtime.bundleBytes / 1024,
      codeCacheKb: runtime.codeCacheBytes === undefined ? NaN : runtime.codeCacheBytes / 1024,
      errors: s.reduce((n, x) => n + x.errors, 0),
      detachedChecked: s.reduce((n, x) => n + x.detachedChecked, 0),
      detachedViolations: s.reduce((n, x) => n + x.detachedViolations, 0)
    }
  })
  const row = (id: string) => rows.find((r) => r.id === id)
  const ips = (id: string) => samples.get(id)?.map((x) => x.invocationsPerSecond) ?? []
  const cpu = (id: string) => samples.get(id)?.map((x) => x.cpuMsPerInvocation) ?? []
  const coldOf = (id: string) => cold.get(id) ?? []
  const has = (id: string) => row(id) !== undefined
  const ratios = {
    throughputVsBaseline: pairedRatio(ips("ours"), ips("baseline")),
    throughputVsRic: has("ric") ? pairedRatio(ips("ours"), ips("ric")) : NaN,
    throughputVsRicAlt: has("ricAlt") ? pairedRatio(ips("ours"), ips("ricAlt")) : NaN,
    cpuVsBaseline: pairedRatio(cpu("ours"), cpu("baseline")),
    coldStartVsBaseline: pairedRatio(coldOf("ours"), coldOf("baseline")),
    coldStartPlainVsBaseline: pairedRatio(coldOf("oursPlain"), coldOf("baseline")),
    coldStartDefaultVsBaseline: pairedRatio(coldOf("oursDefault"), coldOf("baseline")),
    // Against the same function invoked at the same pace: only the detached task differs.
    detachedMinusNoDetachedLatencyP50Ms: row("detached")!.latencyP50Ms - row("paced")!.latencyP50Ms,
    inlineLatencyP50Ms: row("inline")!.latencyP50Ms
  }
  const baselineSamples = samples.get("baseline")!
  const server = {
    cpuMsPerInvocationServingBaseline: median(baselineSamples.map((x) => x.serverCpuMsPerInvocation)),
    coreShareServingBaseline: median(
      baselineSamples.map((x) => (x.serverCpuMsPerInvocation * x.invocationsPerSecond) / 1000)
    )
  }

  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : "-")
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met")
  const detachedRow = row("detached")!
  const ricRatios = [ratios.throughputVsRic, ratios.throughputVsRicAlt].filter(Number.isFinite)
  const targets = [
    `Throughput vs the hand-written loop: ${pct(ratios.throughputVsBaseline)} (target >= 95%, < 90% is a defect): ${
      verdict(ratios.throughputVsBaseline >= 0.95)
    }`,
    `Throughput vs aws-lambda-ric: native client ${
      Number.isFinite(ratios.throughputVsRic) ? `${fixed(ratios.throughputVsRic)}x` : "n/a"
    }, ` +
    `node:http client ${
      Number.isFinite(ratios.throughputVsRicAlt) ? `${fixed(ratios.throughputVsRicAlt)}x` : "n/a"
    } (target > 1x): ` +
    (ricRatios.length === 0
      ? "not measured (aws-lambda-ric is not installed)"
      : verdict(ricRatios.every((r) => r > 1))),
    `CPU per invocation vs the loop: ${fixed(ratios.cpuVsBaseline)}x (target <= 1.15x): ${
      verdict(ratios.cpuVsBaseline <= 1.15)
    }`,
    `/next -> /response p50, 200 ms detached minus no detached (both invoked every 200 ms): ${
      fixed(ratios.detachedMinusNoDetachedLatencyP50Ms, 3)
    } ms ` +
    `(target <= 0.1 ms): ${verdict(ratios.detachedMinusNoDetachedLatencyP50Ms <= 0.1)}; inline: ${
      fixed(ratios.inlineLatencyP50Ms, 1)
    } ms`,
    `Detached tasks finished before the next /next: ${
      detachedRow.detachedChecked - detachedRow.detachedViolations
    }/${detachedRow.detachedChecked}: ` +
    verdict(detachedRow.detachedViolations === 0 && detachedRow.detachedChecked > 0),
    `Cold start of the trivial handler vs the loop: ${
      fixed(ratios.coldStartVsBaseline)
    }x, default build (code cache; target <= 1.25x): ` +
    `${verdict(ratios.coldStartVsBaseline <= 1.25)}; ${
      fixed(ratios.coldStartPlainVsBaseline)
    }x without the code cache ` +
    `(EFFECT_LAMBDA_CODE_CACHE=0); ${
      fixed(ratios.coldStartDefaultVsBaseline)
    }x with the code cache and the runtime's default ` +
    `options (SIGTERM extension registered first; the other rows pass registerExtension: false)`,
    soak === undefined
      ? "RSS soak: skipped (BENCH_SOAK=0)"
      : `RSS growth over ${soak.invocations} invocations after ${soak.warmupAt} of warm-up: ${
        fixed(soak.growthMb, 1)
      } MB ` +
        `(${fixed(soak.rssAtWarmupMb, 1)} -> ${fixed(soak.rssAtEndMb, 1)} MB; target < 5 MB): ${
          verdict(soak.growthMb < 5)
        }` +
        (loopSoak === undefined
          ? ""
          : `; the hand-written loop, soaked the same way: ${fixed(loopSoak.growthMb, 1)} MB ` +
            `(${fixed(loopSoak.rssAtWarmupMb, 1)} -> ${fixed(loopSoak.rssAtEndMb, 1)} MB)`),
    mixedSoak
  ]
  const table = [
    "| runtime | inv/s | CPU ms/inv | CPU ms/inv, first 500 / after | /next→/response p50 / p99 ms | /response→/next p50 / p99 ms | cold start ms (median / min) | peak RSS MB | bundle KB |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.invocationsPerSecond, 0)} | ${fixed(r.cpuMsPerInvocation, 3)} | ${phasesCell(r)} | ${
        fixed(r.latencyP50Ms, 3)
      } / ${fixed(r.latencyP99Ms, 3)} | ` +
      `${fixed(r.releaseP50Ms, 3)} / ${fixed(r.releaseP99Ms, 3)} | ${fixed(r.coldStartMs, 1)} / ${
        fixed(r.coldStartMinMs, 1)
      } | ` +
      `${fixed(r.peakRssMb, 1)} | ${fixed(r.bundleKb, 0)}${
        Number.isFinite(r.codeCacheKb) ? ` (+ ${fixed(r.codeCacheKb, 0)} KB code cache)` : ""
      } |`
    ),
    "",
    ...targets.map((t) => `- ${t}`),
    "",
    `Bench server: ${
      fixed(server.cpuMsPerInvocationServingBaseline, 3)
    } ms CPU per invocation while serving the hand-written loop, ` +
    `${pct(server.coreShareServingBaseline)} of one core at its fastest rate, so it is not the bottleneck.`,
    `Largest inputs of the trivial function's bundle (KB): ${
      bundleInputs.slice(0, 8).map((i) => `${i.input.replace(/^.*node_modules\//, "")} ${i.kb.toFixed(1)}`).join(", ")
    }.`,
    ...notes.map((note) => `Note: ${note}.`),
    `${ROUNDS} interleaved rounds of ${INVOCATIONS} invocations (fast runtimes) and ${SLOW_INVOCATIONS} (200 ms ones); ` +
    `${COLD_STARTS} cold starts per runtime; ratios are medians of per-round ratios. ` + machineNote()
  ].join("\n")

  writeFileSync(
    here("./results/latest.json"),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        settings: { INVOCATIONS, ROUNDS, SLOW_INVOCATIONS, COLD_STARTS, SOAK },
        rows,
        ratios,
        server,
        soak,
        loopSoak,
        bundleInputs,
        notes,
        coldStart: realisticCold.json,
        http: http.json,
        batch: batch.json,
        dropIn: dropIn.json,
        concurrent: concurrent?.json,
        lines: lines.json,
        telemetry: telemetry.json
      },
      null,
      2
    )
  )
  writeFileSync(
    here("./results/latest.md"),
    `${table}\n\n${realisticCold.markdown}\n\n${http.markdown}\n\n${batch.markdown}\n\n${dropIn.markdown}${concurrentMarkdown}\n\n${lines.markdown}\n\n${telemetry.markdown}\n`
  )
  mkdirSync(here("../docs"), { recursive: true })
  writeFileSync(
    here("../docs/bench.svg"),
    chart(rows.filter((r) => r.id !== "paced"), {
      detached: detachedRow.latencyP50Ms,
      inline: row("inline")!.latencyP50Ms,
      noDetached: row("paced")!.latencyP50Ms
    })
  )
  console.log(
    `${table}\n\n${realisticCold.markdown}\n\n${http.markdown}\n\n${batch.markdown}\n\n${dropIn.markdown}${concurrentMarkdown}\n\n${lines.markdown}\n\n${telemetry.markdown}`
  )

  // Hook for the standalone streaming benchmark, when it is present.
  if (existsSync(here("./streaming.ts"))) {
    log("running bench/streaming.ts")
    const result = spawnSync(process.execPath, ["--import", "tsx", here("./streaming.ts")], {
      stdio: "inherit",
      env: process.env
    })
    if (result.status !== 0) process.exitCode = 1
  }
}

const names = process.argv.slice(2)
;(names.length > 0 ? only(names) : main()).catch((error) => {
  console.error(error)
  process.exit(1)
})
