/**
 * The same small HttpApi (bench/functions/http: a JSON GET with a path parameter, a POST with a
 * Schema body) served three ways, each bundled with esbuild: this runtime
 * (`LambdaHttp.fromHttpApi`, the project's build), `@effect-aws/lambda`'s `fromHttpApi` on
 * aws-lambda-ric, and a Hono app behind `hono/aws-lambda` on aws-lambda-ric. All get the same
 * API Gateway HTTP API (2.0) events, GETs and POSTs alternating, in interleaved rounds; every
 * runtime's answers are checked once (status and body) before it is measured.
 *
 * Start-up is reported twice: spawn → first `GET /next` (the runtime's init), and spawn → first
 * response (init and the first request, what the first caller waits for), with the CPU time of
 * each. They differ where a framework leaves work to its first request (Hono compiles its router
 * on the first match; aws-lambda-ric has no code cache, so its invocation path compiles then).
 * CPU per invocation is also given for each round's first 500 invocations (a young process) and
 * the rest (BENCH_HTTP_INVOCATIONS=6000 makes the rest the issue's "after 5,000").
 *
 *   npx tsx bench/http.ts        (also run by `npm run bench`)
 *
 * Knobs: BENCH_HTTP_INVOCATIONS (2000 per round), BENCH_HTTP_ROUNDS (3), BENCH_HTTP_COLD_STARTS
 * (10 spawns per runtime), BENCH_RIC_DIR (see bench/ric.ts).
 * Writes bench/results/http.{json,md} and prints the Markdown.
 */
import * as Effect from "effect/Effect"
import { mkdirSync } from "node:fs"
import * as Build from "../src/Build.js"
import { answerMismatch as mismatch, eventMix } from "./functions/http/events.js"
import { findRic, ricClient, ricClientNote, ricSpec } from "./ric.js"
import type { ProcessSpec, Sample } from "./server.js"
import { measure } from "./server.js"
import {
  bundleForRic,
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

interface Runtime {
  readonly id: "ours" | "effectAws" | "hono"
  readonly label: string
  readonly spec: ProcessSpec
  readonly bundleBytes: number
  readonly codeCacheBytes?: number | undefined
}

const runtimes = async (notes: Array<string>): Promise<Array<Runtime>> => {
  const ours = await Effect.runPromise(
    Build.build({ entry: here("./functions/http/ours.ts"), outdir: here("./.build/http-ours") })
  )
  for (const warning of ours.warnings) log(`build http/ours: ${warning}`)
  const list: Array<Runtime> = [{
    id: "ours",
    label: "effect-lambda-runtime, LambdaHttp.fromHttpApi (code cache)",
    spec: {
      command: ours.bootstrap,
      args: [],
      cwd: ours.outdir,
      env: { ...lambdaEnv, LAMBDA_TASK_ROOT: ours.outdir, _HANDLER: "main.handler" }
    },
    bundleBytes: ours.bundleBytes,
    codeCacheBytes: ours.codeCache?.bytes
  }]
  const ric = findRic()
  if (typeof ric === "string") {
    notes.push(ric)
    return list
  }
  const client = ricClient(ric)
  notes.push(...ricClientNote(ric))
  const effectAws = await bundleForRic("http/effect-aws", "http-effect-aws")
  const hono = await bundleForRic("http/hono", "http-hono")
  list.push(
    {
      id: "effectAws",
      label: `@effect-aws/lambda, LambdaHandler.fromHttpApi, on ${ric.label} (${client})`,
      spec: ricSpec(ric, effectAws.dir, lambdaEnv),
      bundleBytes: effectAws.bytes
    },
    {
      id: "hono",
      label: `Hono + hono/aws-lambda on ${ric.label} (${client})`,
      spec: ricSpec(ric, hono.dir, lambdaEnv),
      bundleBytes: hono.bytes
    }
  )
  return list
}

/** Runs the HTTP suite: `invocations` per round, `rounds` interleaved rounds, `coldStarts` spawns per runtime. */
export const httpSuite = async (
  invocations = knob("BENCH_HTTP_INVOCATIONS", 2000),
  rounds = knob("BENCH_HTTP_ROUNDS", 3),
  coldStarts = knob("BENCH_HTTP_COLD_STARTS", 10)
): Promise<SuiteReport> => {
  mkdirSync(here("./.build"), { recursive: true })
  const notes: Array<string> = []
  const list = await runtimes(notes)
  const mix = eventMix()
  const events = mix.map((m) => m.event)

  // Each runtime answers every event of the mix right before it is measured at all.
  const wrong = new Map<string, Array<string>>()
  for (const runtime of list) {
    const problems: Array<string> = []
    await measure(runtime.spec, mix.length, {
      events,
      onResult: (index, body) => {
        const problem = mismatch(body, mix[index]!.expected)
        if (problem !== undefined) problems.push(`event ${index + 1}: ${problem}`)
      }
    })
    if (problems.length > 0) {
      wrong.set(runtime.id, problems)
      notes.push(`${runtime.label} answered wrongly: ${problems.join("; ")}`)
    }
  }

  const samples = new Map<string, Array<Sample>>(list.map((r) => [r.id, []]))
  for (let round = 0; round < rounds; round++) {
    for (const runtime of list) {
      log(`http round ${round + 1}/${rounds}: ${runtime.label} (${invocations} invocations)`)
      samples.get(runtime.id)!.push(await measure(runtime.spec, invocations, { events }))
    }
  }
  // One invocation per spawn: its Sample has the init (spawn → first /next) and the first request.
  const cold = new Map<string, Array<Sample>>(list.map((r) => [r.id, []]))
  for (let i = 0; i < coldStarts; i++) {
    log(`http cold start ${i + 1}/${coldStarts}`)
    for (const runtime of list) cold.get(runtime.id)!.push(await measure(runtime.spec, 1, { events }))
  }
  return report(list, samples, cold, wrong, notes, { invocations, rounds, coldStarts })
}

const report = (
  list: ReadonlyArray<Runtime>,
  samples: ReadonlyMap<string, ReadonlyArray<Sample>>,
  coldSamples: ReadonlyMap<string, ReadonlyArray<Sample>>,
  wrong: ReadonlyMap<string, ReadonlyArray<string>>,
  notes: ReadonlyArray<string>,
  settings: { readonly invocations: number; readonly rounds: number; readonly coldStarts: number }
): SuiteReport => {
  // Per spawn: spawn → first /next, spawn → first response (the /next is answered at once), and
  // the CPU time of each (schedstat: the init's, then the init's and the first invocation's).
  const perSpawn = (f: (sample: Sample) => number) =>
    new Map(list.map((r) => [r.id, (coldSamples.get(r.id) ?? []).map(f)] as const))
  const cold = perSpawn((x) => x.coldStartMs)
  const coldCpu = perSpawn((x) => x.coldCpuPreciseMs)
  const firstResponse = perSpawn((x) => x.coldStartMs + (x.latencies[0] ?? NaN))
  const firstResponseCpu = perSpawn((x) => x.coldCpuPreciseMs + x.cpuPreciseMsPerInvocation)
  const rows = list.map((runtime) => {
    const s = samples.get(runtime.id)!
    const latencies = s.flatMap((x) => x.latencies)
    const c = cold.get(runtime.id)!
    return {
      id: runtime.id,
      runtime: runtime.label,
      invocationsPerSecond: median(s.map((x) => x.invocationsPerSecond)),
      cpuMsPerInvocation: median(s.map((x) => x.cpuMsPerInvocation)),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      coldStartMs: median(c),
      coldStartMinMs: Math.min(...c),
      coldCpuMs: median(coldCpu.get(runtime.id)!),
      firstResponseMs: median(firstResponse.get(runtime.id)!),
      firstResponseCpuMs: median(firstResponseCpu.get(runtime.id)!),
      ...cpuPhases(s),
      peakRssMb: Math.max(...s.map((x) => x.peakRssMb)),
      bundleKb: runtime.bundleBytes / 1024,
      codeCacheKb: runtime.codeCacheBytes === undefined ? NaN : runtime.codeCacheBytes / 1024,
      errors: s.reduce((n, x) => n + x.errors, 0),
      correct: !wrong.has(runtime.id)
    }
  })
  const has = (id: string) => samples.has(id)
  const ips = (id: string) => samples.get(id)?.map((x) => x.invocationsPerSecond) ?? []
  const cpu = (id: string) => samples.get(id)?.map((x) => x.cpuMsPerInvocation) ?? []
  const young = (id: string) => phaseSeries(samples.get(id) ?? [], "young")
  const warm = (id: string) => phaseSeries(samples.get(id) ?? [], "warm")
  const ratio = (
    a: ReadonlyArray<number>,
    b: ReadonlyArray<number>
  ) => (a.length > 0 && b.length > 0 ? pairedRatio(a, b) : NaN)
  const ratios = {
    throughputVsEffectAws: ratio(ips("ours"), ips("effectAws")),
    throughputVsHono: ratio(ips("ours"), ips("hono")),
    cpuVsEffectAws: ratio(cpu("ours"), cpu("effectAws")),
    cpuVsHono: ratio(cpu("ours"), cpu("hono")),
    coldStartVsEffectAws: ratio(cold.get("ours") ?? [], cold.get("effectAws") ?? []),
    coldStartVsHono: ratio(cold.get("ours") ?? [], cold.get("hono") ?? []),
    coldCpuVsHono: ratio(coldCpu.get("ours") ?? [], coldCpu.get("hono") ?? []),
    firstResponseVsHono: ratio(firstResponse.get("ours") ?? [], firstResponse.get("hono") ?? []),
    firstResponseCpuVsHono: ratio(firstResponseCpu.get("ours") ?? [], firstResponseCpu.get("hono") ?? []),
    youngCpuVsHono: ratio(young("ours"), young("hono")),
    warmCpuVsHono: ratio(warm("ours"), warm("hono"))
  }
  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a")
  const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : "n/a")
  const verdict = (ok: boolean, measured: boolean) =>
    !measured ? "not measured (aws-lambda-ric is not installed)" : ok ? "met" : "NOT met"
  const markdown = [
    "| HTTP API runtime | inv/s | CPU ms/inv | CPU ms/inv, first 500 / after | /next→/response p50 / p99 ms | cold start ms (median / min) | peak RSS MB | bundle KB | errors |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.invocationsPerSecond, 0)} | ${fixed(r.cpuMsPerInvocation, 3)} | ${phasesCell(r)} | ${
        fixed(r.latencyP50Ms, 3)
      } / ${fixed(r.latencyP99Ms, 3)} | ` +
      `${fixed(r.coldStartMs, 1)} / ${fixed(r.coldStartMinMs, 1)} | ${fixed(r.peakRssMb, 1)} | ` +
      `${fixed(r.bundleKb, 0)}${
        Number.isFinite(r.codeCacheKb) ? ` (+ ${fixed(r.codeCacheKb, 0)} KB code cache)` : ""
      } | ` +
      `${r.errors}${r.correct ? "" : " (wrong answers, see notes)"} |`
    ),
    "",
    `- HTTP API throughput vs @effect-aws/lambda: ${x(ratios.throughputVsEffectAws)} (target > 1x): ` +
    `${verdict(ratios.throughputVsEffectAws > 1, has("effectAws"))}`,
    `- HTTP API cold start vs @effect-aws/lambda: ${x(ratios.coldStartVsEffectAws)} (target < 1x): ` +
    `${verdict(ratios.coldStartVsEffectAws < 1, has("effectAws"))}`,
    `- HTTP API throughput vs Hono: ${pct(ratios.throughputVsHono)} (target >= 100%): ${
      verdict(ratios.throughputVsHono >= 1, has("hono"))
    }`,
    `- CPU per invocation vs @effect-aws/lambda ${x(ratios.cpuVsEffectAws)}, vs Hono ${
      x(ratios.cpuVsHono)
    }; cold start vs Hono ${x(ratios.coldStartVsHono)}`,
    "",
    "| HTTP API runtime | spawn → first /next ms (CPU ms) | spawn → first response ms (CPU ms) |",
    "|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.coldStartMs, 1)} (${fixed(r.coldCpuMs, 1)}) | ` +
      `${fixed(r.firstResponseMs, 1)} (${fixed(r.firstResponseCpuMs, 1)}) |`
    ),
    "",
    `- Start vs Hono: spawn → first /next ${x(ratios.coldStartVsHono)} (CPU ${x(ratios.coldCpuVsHono)}; ` +
    `target <= 1.5x: ${verdict(ratios.coldStartVsHono <= 1.5, has("hono"))}); spawn → first response ` +
    `${x(ratios.firstResponseVsHono)} (CPU ${x(ratios.firstResponseCpuVsHono)})`,
    `- CPU per invocation vs Hono: first 500 invocations ${x(ratios.youngCpuVsHono)}, after ${
      x(ratios.warmCpuVsHono)
    }, whole rounds ${x(ratios.cpuVsHono)}`,
    "",
    "Events: API Gateway HTTP API (payload 2.0), `GET /items/:id` and `POST /items` (JSON body, decoded by a Schema; Hono checks " +
    "the same rules by hand in its validator) alternating; every runtime's answers were checked (status and body) before the runs. " +
    "Cold start: spawn → first `GET /next`; first response: spawn → the first invocation's result (a GET).",
    ...notes.map((note) => `Note: ${note}.`),
    `${settings.rounds} interleaved rounds of ${settings.invocations} invocations; ${settings.coldStarts} cold starts per runtime; ` +
    "ratios are medians of per-round ratios. " + machineNote()
  ].join("\n")
  return { markdown, json: { date: new Date().toISOString(), node: process.version, settings, rows, ratios, notes } }
}

runStandalone(import.meta.url, "http", () => httpSuite())
