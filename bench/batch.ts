/**
 * An SQS batch of 10 records, each decoded and then waiting 20 ms on "I/O" (a timer), four ways
 * in the same run: this runtime's `LambdaEvents.sqs` with concurrency 1 and 10, and Powertools'
 * `BatchProcessor` + `processPartialResponse` on aws-lambda-ric in its sequential
 * (`processInParallel: false`) and parallel (default) modes. Interleaved rounds; every
 * runtime's answer is checked (no record reported as failed) before it is measured.
 *
 *   npx tsx bench/batch.ts        (also run by `npm run bench`)
 *
 * Reports the invocation latency (`/next` answered → result, p50 / p99) and CPU per record
 * (schedstat, ns resolution). Knobs: BENCH_BATCH_INVOCATIONS (90 per round: the first 30 are the young phase), BENCH_BATCH_ROUNDS
 * (3), BENCH_RIC_DIR (see bench/ric.ts). Writes bench/results/batch.{json,md} and prints the Markdown.
 */
import * as Effect from "effect/Effect"
import { mkdirSync } from "node:fs"
import * as Build from "../src/Build.js"
import { BATCH_SIZE, IO_MS, sqsEvent } from "./functions/batch/orders.js"
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

/** A batch's CPU per invocation, young and warm, per record. */
const perRecord = (p: { readonly youngCpuMs: number; readonly warmCpuMs: number }) => ({
  youngCpuMs: p.youngCpuMs / BATCH_SIZE,
  warmCpuMs: p.warmCpuMs / BATCH_SIZE
})

/** The young phase: a process's first batches (300 records), before V8 has optimised much. */
const YOUNG_BATCHES = 30

const env = {
  ...lambdaEnv,
  // Powertools' logger and metrics stay quiet, as the runtime's own logs do at WARN.
  POWERTOOLS_LOG_LEVEL: "WARN"
}

interface Runtime {
  readonly id: "ours1" | "ours10" | "ptSequential" | "ptParallel" | "effectSequential" | "effectParallel"
  readonly label: string
  readonly spec: ProcessSpec
}

const runtimes = async (notes: Array<string>): Promise<Array<Runtime>> => {
  const ours = await Effect.runPromise(
    Build.build({ entry: here("./functions/batch/ours.ts"), outdir: here("./.build/batch-ours") })
  )
  for (const warning of ours.warnings) log(`build batch/ours: ${warning}`)
  const oursSpec = (concurrency: number): ProcessSpec => ({
    command: ours.bootstrap,
    args: [],
    cwd: ours.outdir,
    env: {
      ...env,
      LAMBDA_TASK_ROOT: ours.outdir,
      _HANDLER: "main.handler",
      BENCH_BATCH_CONCURRENCY: String(concurrency)
    }
  })
  const list: Array<Runtime> = [
    { id: "ours1", label: "effect-lambda-runtime, LambdaEvents.sqs, concurrency 1", spec: oursSpec(1) },
    { id: "ours10", label: "effect-lambda-runtime, LambdaEvents.sqs, concurrency 10", spec: oursSpec(10) }
  ]
  const ric = findRic()
  if (typeof ric === "string") {
    notes.push(ric)
    return list
  }
  const client = ricClient(ric)
  notes.push(...ricClientNote(ric))
  const powertools = await bundleForRic("batch/powertools", "batch-powertools")
  const powertoolsSpec = (parallel: boolean) =>
    ricSpec(ric, powertools.dir, env, { BENCH_BATCH_PARALLEL: String(parallel) })
  list.push(
    {
      id: "ptSequential",
      label: `Powertools BatchProcessor, processPartialResponse sequential, on ${ric.label} (${client})`,
      spec: powertoolsSpec(false)
    },
    {
      id: "ptParallel",
      label: `Powertools BatchProcessor, processPartialResponse parallel, on ${ric.label} (${client})`,
      spec: powertoolsSpec(true)
    }
  )
  const effectAlone = await bundleForRic("batch/effectOnRic", "batch-effect-on-ric")
  const effectSpec = (parallel: boolean) =>
    ricSpec(ric, effectAlone.dir, env, { BENCH_BATCH_PARALLEL: String(parallel) })
  list.push(
    {
      id: "effectSequential",
      label: `Effect alone (a fiber per record: Schema, Effect.sleep), sequential, on ${ric.label} (${client})`,
      spec: effectSpec(false)
    },
    {
      id: "effectParallel",
      label: `Effect alone (a fiber per record: Schema, Effect.sleep), parallel, on ${ric.label} (${client})`,
      spec: effectSpec(true)
    }
  )
  return list
}

/** Runs the batch suite: `invocations` batches per round, `rounds` interleaved rounds. */
export const batchSuite = async (
  invocations = knob("BENCH_BATCH_INVOCATIONS", 90),
  rounds = knob("BENCH_BATCH_ROUNDS", 3)
): Promise<SuiteReport> => {
  mkdirSync(here("./.build"), { recursive: true })
  const notes: Array<string> = []
  const list = await runtimes(notes)
  const event = JSON.stringify(sqsEvent())

  // A batch whose records all succeed must come back with no item failures.
  const wrong = new Set<string>()
  for (const runtime of list) {
    await measure(runtime.spec, 1, {
      event,
      onResult: (_, body) => {
        let failures: unknown
        try {
          failures = (JSON.parse(body) as { batchItemFailures?: unknown }).batchItemFailures
        } catch {
          failures = undefined
        }
        if (!Array.isArray(failures) || failures.length > 0) {
          wrong.add(runtime.id)
          notes.push(`${runtime.label} answered ${body.slice(0, 200)} instead of no batchItemFailures`)
        }
      }
    })
  }

  const samples = new Map<string, Array<Sample>>(list.map((r) => [r.id, []]))
  for (let round = 0; round < rounds; round++) {
    for (const runtime of list) {
      log(`batch round ${round + 1}/${rounds}: ${runtime.label} (${invocations} batches)`)
      samples.get(runtime.id)!.push(await measure(runtime.spec, invocations, { event, young: YOUNG_BATCHES }))
    }
  }

  const rows = list.map((runtime) => {
    const s = samples.get(runtime.id)!
    const latencies = s.flatMap((x) => x.latencies)
    return {
      id: runtime.id,
      runtime: runtime.label,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      cpuMsPerRecord: median(s.map((x) => x.cpuPreciseMsPerInvocation)) / BATCH_SIZE,
      cpuPerRecordPhases: perRecord(cpuPhases(s)),
      errors: s.reduce((n, x) => n + x.errors, 0),
      correct: !wrong.has(runtime.id)
    }
  })
  const p50 = (id: string) => samples.get(id)?.map((x) => median(x.latencies)) ?? []
  const cpu = (id: string) => samples.get(id)?.map((x) => x.cpuPreciseMsPerInvocation) ?? []
  const warm = (id: string) => phaseSeries(samples.get(id) ?? [], "warm")
  const ratios = {
    latencyP50Ours1VsSequential: pairedRatio(p50("ours1"), p50("ptSequential")),
    latencyP50Ours10VsParallel: pairedRatio(p50("ours10"), p50("ptParallel")),
    cpuOurs1VsSequential: pairedRatio(cpu("ours1"), cpu("ptSequential")),
    cpuOurs10VsParallel: pairedRatio(cpu("ours10"), cpu("ptParallel")),
    warmCpuOurs1VsSequential: pairedRatio(warm("ours1"), warm("ptSequential")),
    warmCpuOurs10VsParallel: pairedRatio(warm("ours10"), warm("ptParallel")),
    cpuEffectSequentialVsSequential: pairedRatio(cpu("effectSequential"), cpu("ptSequential")),
    cpuEffectParallelVsParallel: pairedRatio(cpu("effectParallel"), cpu("ptParallel"))
  }
  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a")
  const markdown = [
    `| SQS batch (${BATCH_SIZE} records × ${IO_MS} ms I/O) | invocation latency p50 / p99 ms | CPU ms per record | CPU ms per record, first ${YOUNG_BATCHES} batches / after | errors |`,
    "|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.latencyP50Ms, 1)} / ${fixed(r.latencyP99Ms, 1)} | ${fixed(r.cpuMsPerRecord, 3)} | ${
        phasesCell(r.cpuPerRecordPhases)
      } | ` +
      `${r.errors}${r.correct ? "" : " (wrong answer, see notes)"} |`
    ),
    "",
    `- Concurrency 1 vs Powertools sequential: latency p50 ${x(ratios.latencyP50Ours1VsSequential)}, CPU per record ${
      x(ratios.cpuOurs1VsSequential)
    }, after the first ${YOUNG_BATCHES} batches ${x(ratios.warmCpuOurs1VsSequential)} (target <= 1.5x)`,
    `- Concurrency 10 vs Powertools parallel: latency p50 ${x(ratios.latencyP50Ours10VsParallel)}, CPU per record ${
      x(ratios.cpuOurs10VsParallel)
    }, after the first ${YOUNG_BATCHES} batches ${x(ratios.warmCpuOurs10VsParallel)} (target <= 1.5x)`,
    `- Effect alone on aws-lambda-ric vs Powertools, CPU per record: sequential ${
      x(ratios.cpuEffectSequentialVsSequential)
    }, parallel ${
      x(ratios.cpuEffectParallelVsParallel)
    } (the part of the gap that is Effect's fibers and timers, not this runtime)`,
    "",
    `Each record's body is JSON, decoded with a Schema (this runtime) or checked by hand against the same rules (Powertools), ` +
    `then waits ${IO_MS} ms on a timer. Latency: \`/next\` answered → result posted. CPU: the process's schedstat time from the ` +
    "first `/next` to the end of the round, over the records served. Every runtime's answer to the batch was checked (no " +
    "`batchItemFailures`) before the runs.",
    ...notes.map((note) => `Note: ${note}.`),
    `${rounds} interleaved rounds of ${invocations} batches; ratios are medians of per-round ratios. ` + machineNote()
  ].join("\n")
  return {
    markdown,
    json: {
      date: new Date().toISOString(),
      node: process.version,
      settings: { invocations, rounds },
      rows,
      ratios,
      notes
    }
  }
}

runStandalone(import.meta.url, "batch", () => batchSuite())
