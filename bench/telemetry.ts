/**
 * What telemetry costs (issue 20): the same small function (bench/functions/telemetry.ts: the
 * event's JSON parsed, a "work" span, an "audit" span forked into the detached scope, a counter)
 * with tracing off, OTLP (http/json, what both lines send) to a fake collector answering at once
 * and after 50 ms, X-Ray to a fake daemon, and EMF, on the Effect 3 line and the Effect 4 line,
 * and with tracing off on the runtime before issue 20 (so that "tracing off is unchanged" is
 * measured in the same run); against the baseline users have today: the plain Node handler on
 * aws-lambda-ric with the OpenTelemetry SDK (bench/functions/telemetry-otel.ts,
 * `await provider.forceFlush()` before returning) to the same collectors. The rows are
 * bench/telemetryRows.ts's; the collector and the daemon live in the bench process
 * (bench/telemetrySinks.ts). Every function runs on Node 22, interleaved round by round and spawn
 * by spawn, every invocation with a `Lambda-Runtime-Trace-Id` header (`Sampled=1`); every row's
 * answer, and the spans (or EMF lines) its sink received, are checked before it is measured, and
 * counted again while it is.
 *
 *   npm run bench -- telemetry        (also: npx tsx bench/telemetry.ts)
 *
 * Knobs: BENCH_TELEMETRY_INVOCATIONS (1500 per round; the rows whose collector answers after
 * 50 ms take a fortieth), BENCH_TELEMETRY_ROUNDS (3), BENCH_TELEMETRY_COLD_STARTS (10 spawns per
 * row; three times as many for tracing off before and after issue 20), BENCH_TELEMETRY_ROWS (a comma-separated list of row ids, e.g. effect3-off,effect3-otlp0: only
 * those), BENCH_TELEMETRY_BASE (the git ref of the "before" rows; empty: none), BENCH_RIC_DIR (see
 * bench/ric.ts; aws-lambda-ric 4 needs Node 22, as here).
 * Writes bench/results/telemetry.{json,md} and prints the Markdown.
 */
import { existsSync, mkdirSync } from "node:fs"
import { loadavg } from "node:os"
import { type Priced, price, sampleEvent } from "./functions/telemetry/order.js"
import { node22, NODE22_VERSION, node22MachineNote } from "./lines.js"
import type { Sample } from "./server.js"
import { measure } from "./server.js"
import { isReference, type Line, lineLabel, type Row, rowsOf, type Sinks, telemetryLabel } from "./telemetryRows.js"
import { type Received, startCollector, startDaemon } from "./telemetrySinks.js"
import { here, knob, log, median, pairedRatio, percentile, runStandalone, type SuiteReport } from "./common.js"

/** The spans each invocation must deliver: the invocation's, "work" and "audit". */
const SPANS_PER_INVOCATION = 3
const expected: string = JSON.stringify(
  price(JSON.parse((JSON.parse(sampleEvent) as { body: string }).body)) satisfies Priced
)

/** How many times as many cold starts the rows of tracing off before and after issue 20 get. */
const COLD_FACTOR = 3

/** Invocations served to each row before it is measured, to check its answers and its telemetry. */
const CHECKED = 3

/** What is wrong with a row's delivery over `CHECKED` invocations, if anything. */
const missingDelivery = (row: Row, delivery: Delivery): string | undefined => {
  if (isReference(row.telemetry)) return undefined
  if (row.telemetry === "emf") {
    return delivery.emfLines >= CHECKED
      ? undefined
      : `${delivery.emfLines} EMF lines instead of at least one per invocation`
  }
  return delivery.spans === CHECKED * SPANS_PER_INVOCATION && delivery.unreadable === 0
    ? undefined
    : `${delivery.spans} spans delivered (${delivery.unreadable} unreadable bodies) instead of ${
      CHECKED * SPANS_PER_INVOCATION
    }`
}

/** What a run of a row delivered to its sink: spans (OTLP, X-Ray) or EMF lines. */
interface Delivery {
  readonly spans: number
  readonly emfLines: number
  readonly unreadable: number
}

/**
 * Serves `count` invocations to a fresh process of `row` and counts what reached its sink; every
 * answer is compared with the expected one (`wrong` hears of the first that differs).
 */
const run = async (
  row: Row,
  count: number,
  sinks: Sinks,
  wrong: (problem: string) => void
): Promise<{ readonly sample: Sample; readonly delivery: Delivery }> => {
  const sink = row.telemetry === "otlp0" || row.telemetry === "otlp50" || row.telemetry === "xray"
    ? sinks[row.telemetry]
    : undefined
  sink?.reset()
  let emfLines = 0
  let partial = ""
  const sample = await measure(row.spec, count, {
    event: sampleEvent,
    traceHeader: true,
    // After an idle gap a process answers more slowly (caches, CPU frequency, the scheduler):
    // the 50 ms collector's rows are compared with the same gap without telemetry.
    ...(row.telemetry === "off50" ? { paceMs: 50 } : {}),
    onResult: (index, body) => {
      if (body !== expected) wrong(`invocation ${index + 1} answered ${body.slice(0, 200)} instead of ${expected}`)
    },
    // EMF lines are what CloudWatch reads from stdout: a pipe here, as Lambda's is.
    ...(row.telemetry === "emf"
      ? {
        onStdout: (chunk: string) => {
          const lines = (partial + chunk).split("\n")
          partial = lines.pop()!
          for (const line of lines) if (line.includes("\"_aws\"")) emfLines++
        }
      }
      : {})
  })
  if (row.telemetry === "xray") await sinks.xray.drain()
  const received: Received = sink?.received() ?? { spans: 0, requests: 0, unreadable: 0 }
  return { sample, delivery: { spans: received.spans, emfLines, unreadable: received.unreadable } }
}

/** Runs the telemetry suite: a check of every row, throughput rounds, then cold-start spawns, interleaved. */
export const telemetrySuite = async (
  invocations = knob("BENCH_TELEMETRY_INVOCATIONS", 1500),
  rounds = knob("BENCH_TELEMETRY_ROUNDS", 3),
  coldStarts = knob("BENCH_TELEMETRY_COLD_STARTS", 10)
): Promise<SuiteReport> => {
  mkdirSync(here("./.build"), { recursive: true })
  const loadBefore = loadavg()
  const notes: Array<string> = []
  const sinks: Sinks = { otlp0: await startCollector(0), otlp50: await startCollector(50), xray: await startDaemon() }
  try {
    const node = node22()
    if (!existsSync(node)) throw new Error(`no Node 22 at ${node}`)
    // BENCH_TELEMETRY_ROWS=effect3-off,effect3-otlp50: only those rows (ids as in the JSON).
    const only = (process.env.BENCH_TELEMETRY_ROWS ?? "").split(",").filter((id) => id !== "")
    const rows = (await rowsOf(node, sinks, notes)).filter((row) => only.length === 0 || only.includes(row.id))
    const slowCount = Math.max(1, Math.round(invocations / 40))
    const countOf = (row: Row) => (row.telemetry === "otlp50" || row.telemetry === "off50" ? slowCount : invocations)

    // Every row must answer right, and deliver its telemetry, before it is measured. A row whose
    // process does not run (a runtime that fails at init) is dropped with a note.
    const problems = new Map<string, Array<string>>()
    const problem = (row: Row) => (text: string) => {
      const list = problems.get(row.id) ?? []
      if (list.length === 0) notes.push(`${row.label}: ${text}`)
      problems.set(row.id, [...list, text])
    }
    const measured: Array<Row> = []
    for (const row of rows) {
      try {
        const { delivery } = await run(row, CHECKED, sinks, problem(row))
        measured.push(row)
        log(
          `telemetry check: ${row.label}: ${delivery.spans} spans, ${delivery.emfLines} EMF lines for ${CHECKED} invocations`
        )
        const missing = missingDelivery(row, delivery)
        if (missing !== undefined) notes.push(`${row.label}: ${missing} for ${CHECKED} invocations`)
      } catch (error) {
        notes.push(`${row.label}: did not run (${String(error).slice(0, 400)}); not measured`)
      }
    }

    // Each round and each cold-start spawn starts at another row, so that no row always follows
    // the same one (the spawn before leaves the machine in a state: caches, frequency, scheduler).
    const rotated = <A>(list: ReadonlyArray<A>, iteration: number, iterations: number) => {
      const by = (iteration * Math.ceil(list.length / iterations)) % Math.max(1, list.length)
      return [...list.slice(by), ...list.slice(0, by)]
    }
    const warm = new Map<string, Array<{ sample: Sample; delivery: Delivery }>>(measured.map((r) => [r.id, []]))
    for (let round = 0; round < rounds; round++) {
      for (const row of rotated(measured, round, rounds)) {
        log(`telemetry round ${round + 1}/${rounds}: ${row.label} (${countOf(row)} invocations)`)
        warm.get(row.id)!.push(await run(row, countOf(row), sinks, problem(row)))
      }
    }
    // Cold start: spawn -> first `/next`. The 50 ms collector's rows start as the 0 ms ones do.
    // "Tracing off is unchanged" is the closest call: the rows before and after issue 20 are
    // spawned in every iteration, COLD_FACTOR times as often as the others (undefined where a row
    // sat out, so that spawn i of a row still pairs with spawn i of its reference).
    const coldRows = measured.filter((row) => row.telemetry !== "otlp50" && row.telemetry !== "off50")
    const everyTime = (row: Row) => row.line !== "ric" && (row.telemetry === "before" || row.telemetry === "off")
    const iterations = coldStarts * COLD_FACTOR
    const cold = new Map<string, Array<Sample | undefined>>(coldRows.map((r) => [r.id, []]))
    for (let i = 0; i < iterations; i++) {
      log(`telemetry cold start ${i + 1}/${iterations}`)
      for (const row of rotated(coldRows, i, iterations)) {
        const due = everyTime(row) || i % COLD_FACTOR === 0
        cold.get(row.id)!.push(due ? (await run(row, 1, sinks, problem(row))).sample : undefined)
      }
    }
    const loadAfter = loadavg()
    return report(measured, warm, cold, countOf, problems, notes, { invocations, rounds, coldStarts }, [
      loadBefore,
      loadAfter
    ])
  } finally {
    await Promise.all([sinks.otlp0.close(), sinks.otlp50.close(), sinks.xray.close()])
  }
}

/** The row a row is compared with (same line), or undefined for the references of the references. */
const referenceOf = (row: Row, has: (id: string) => boolean): string | undefined => {
  const id = (telemetry: string) => (has(`${row.line}-${telemetry}`) ? `${row.line}-${telemetry}` : undefined)
  switch (row.telemetry) {
    case "before":
    case "off50":
      return undefined
    case "off":
      return id("before")
    case "otlp50":
      return id("off50") ?? id("off")
    default:
      return id("off")
  }
}

const report = (
  rows: ReadonlyArray<Row>,
  warm: ReadonlyMap<string, ReadonlyArray<{ sample: Sample; delivery: Delivery }>>,
  cold: ReadonlyMap<string, ReadonlyArray<Sample | undefined>>,
  countOf: (row: Row) => number,
  problems: ReadonlyMap<string, ReadonlyArray<string>>,
  notes: ReadonlyArray<string>,
  settings: { readonly invocations: number; readonly rounds: number; readonly coldStarts: number },
  load: readonly [ReadonlyArray<number>, ReadonlyArray<number>]
): SuiteReport => {
  const table = rows.map((row) => {
    const runs = warm.get(row.id)!
    const samples = runs.map((r) => r.sample)
    const latencies = samples.flatMap((s) => s.latencies)
    const served = countOf(row) * runs.length
    const coldSamples = (cold.get(row.id) ?? []).filter((s) => s !== undefined)
    return {
      id: row.id,
      line: row.line,
      telemetry: row.telemetry,
      runtime: row.label,
      invocationsPerRound: countOf(row),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      cpuMsPerInvocation: median(samples.map((s) => s.cpuPreciseMsPerInvocation)),
      invocationsPerSecond: median(samples.map((s) => s.invocationsPerSecond)),
      coldStarts: coldSamples.length,
      coldStartMs: coldSamples.length === 0 ? NaN : median(coldSamples.map((s) => s.coldStartMs)),
      coldCpuMs: coldSamples.length === 0 ? NaN : median(coldSamples.map((s) => s.coldCpuPreciseMs)),
      peakRssMb: Math.max(...samples.map((s) => s.peakRssMb)),
      spansPerInvocation: runs.reduce((n, r) => n + r.delivery.spans, 0) / served,
      emfLinesPerInvocation: runs.reduce((n, r) => n + r.delivery.emfLines, 0) / served,
      unreadable: runs.reduce((n, r) => n + r.delivery.unreadable, 0),
      errors: samples.reduce((n, s) => n + s.errors, 0),
      problems: problems.get(row.id)?.length ?? 0
    }
  })

  // Pair by pair inside the run: round r of a row against round r of its reference (latency p50
  // difference, CPU and throughput ratios), spawn i against spawn i (cold start; the 50 ms rows'
  // processes start as the others do, and are compared at their line's tracing-off spawns).
  const coldMs = (id: string) => (cold.get(id) ?? []).map((s) => s?.coldStartMs ?? NaN)
  const p50s = (id: string) => warm.get(id)?.map((r) => median(r.sample.latencies)) ?? []
  const pairedDifference = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) =>
    median(a.map((value, i) => value - b[i]!).filter(Number.isFinite))
  const comparisons = rows.flatMap((row) => {
    const reference = referenceOf(row, (id) => warm.has(id))
    if (reference === undefined) return []
    const coldReference = row.telemetry === "off" ? reference : `${row.line}-off`
    return [{
      id: row.id,
      reference,
      latencyP50DifferenceMs: pairedDifference(p50s(row.id), p50s(reference)),
      cpuRatio: pairedRatio(
        warm.get(row.id)!.map((r) => r.sample.cpuPreciseMsPerInvocation),
        warm.get(reference)!.map((r) => r.sample.cpuPreciseMsPerInvocation)
      ),
      throughputRatio: pairedRatio(
        warm.get(row.id)!.map((r) => r.sample.invocationsPerSecond),
        warm.get(reference)!.map((r) => r.sample.invocationsPerSecond)
      ),
      coldStartRatio: cold.has(row.id) && cold.has(coldReference)
        ? pairedRatio(coldMs(row.id), coldMs(coldReference))
        : NaN
    }]
  })
  const comparisonOf = (id: string) => comparisons.find((c) => c.id === id)

  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const signed = (n: number, d = 3) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(d)}` : "-")
  const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : "-")
  const delivered = (r: typeof table[number]) => {
    if (isReference(r.telemetry) || (r.line === "ric" && r.telemetry === "off")) return "-"
    if (r.telemetry === "emf") return `${fixed(r.emfLinesPerInvocation, 2)} EMF lines`
    return `${fixed(r.spansPerInvocation, 2)}${r.unreadable > 0 ? ` (${r.unreadable} unreadable)` : ""}`
  }
  const versus = (id: string) => {
    const c = comparisonOf(id)
    return c === undefined
      ? "-"
      : `${signed(c.latencyP50DifferenceMs)} ms, CPU ${x(c.cpuRatio)}, cold start ${x(c.coldStartRatio)}`
  }
  // Targets: p50 with tracing on at most 0.1 ms over tracing off; tracing off's cold start within
  // 5% of the runtime before issue 20 (as bench/dropin.ts reads "level"), its p50 within 0.1 ms.
  const targets = (line: Line) => {
    const on = rows.filter((r) => r.line === line && !isReference(r.telemetry))
    const off = comparisonOf(`${line}-off`)
    return [
      ...on.map((r) => {
        const c = comparisonOf(r.id)
        return c === undefined ? [] : [
          `  - ${telemetryLabel[r.telemetry]}: p50 ${signed(c.latencyP50DifferenceMs)} ms: ${
            c.latencyP50DifferenceMs <= 0.1 ? "met" : "NOT met"
          }`
        ]
      }).flat(),
      off === undefined
        ? "  - tracing off vs before issue 20: not measured (see the notes)"
        : `  - tracing off vs before issue 20: cold start ${x(off.coldStartRatio)}, p50 ${
          signed(off.latencyP50DifferenceMs)
        } ms: ${off.coldStartRatio <= 1.05 && off.latencyP50DifferenceMs <= 0.1 ? "met" : "NOT met"}`
    ]
  }
  const loadText = (l: ReadonlyArray<number>) => l.map((v) => v.toFixed(2)).join(" / ")
  const markdown = [
    "### What telemetry costs: the same function with tracing off and on, and the OpenTelemetry SDK baseline",
    "",
    "| runtime | /next→/response p50 / p99 ms | vs its reference: p50, CPU, cold start | CPU ms/inv | inv/s | cold start ms | spans delivered per invocation | answers |",
    "|---|---|---|---|---|---|---|---|",
    ...table.map((r) =>
      `| ${r.runtime} | ${fixed(r.latencyP50Ms, 3)} / ${fixed(r.latencyP99Ms, 3)} | ${versus(r.id)} | ${
        fixed(r.cpuMsPerInvocation, 3)
      } | ${fixed(r.invocationsPerSecond, 0)} | ${fixed(r.coldStartMs, 1)} | ${delivered(r)} | ${
        r.problems === 0 && r.errors === 0 ? "checked" : `WRONG (${r.problems + r.errors})`
      } |`
    ),
    "",
    "References (same line, same run, medians of per-round and per-spawn differences and ratios): tracing off is " +
    "compared with the runtime before issue 20; OTLP at once, X-Ray and EMF with tracing off; OTLP after 50 ms with " +
    "tracing off invoked every 50 ms (an idle gap alone slows the next answer), its cold start with tracing off's; " +
    "aws-lambda-ric + OpenTelemetry with the same plain handler without it.",
    "",
    "Targets (reported, not asserted): response latency p50 with tracing on at most 0.1 ms over tracing off, whatever " +
    "the collector's latency; tracing off unchanged (cold start within 5%, p50 within 0.1 ms of the runtime before issue 20):",
    ...(["effect3", "effect4"] as const).flatMap((line) =>
      rows.some((r) => r.line === line) ? [`- ${lineLabel[line]}:`, ...targets(line)] : []
    ),
    "",
    `The function (bench/functions/telemetry.ts and its Effect 4 twin): the event's JSON body parsed, a "work" span, an "audit" ` +
    `span forked into \`context.detachedScope\`, a \`Metric.counter\`; ${SPANS_PER_INVOCATION} spans per invocation with the ` +
    "invocation's own. The baseline (bench/functions/telemetry-otel.ts): the same work in a plain async handler with the " +
    "OpenTelemetry SDK (`TracerProvider` + `BatchSpanProcessor` + `OTLPTraceExporter`), `await provider.forceFlush()` " +
    "before returning. Latency: `/next` answered → `/response` received. CPU: the process's schedstat time over the " +
    "invocations (the 50 ms rows serve fewer, so their warm-up weighs more). Spans delivered: what the fake collector " +
    "(OTLP JSON) or daemon (X-Ray documents) received, over the invocations served; EMF: the `_aws` lines on stdout. " +
    "Every invocation carries `Lambda-Runtime-Trace-Id: Root=...;Parent=...;Sampled=1`.",
    ...notes.map((note) => `Note: ${note}.`),
    `${settings.rounds} interleaved rounds of ${settings.invocations} invocations (the 50 ms rows: ${
      Math.max(1, Math.round(settings.invocations / 40))
    }); ${settings.coldStarts} cold starts per row (${
      settings.coldStarts * COLD_FACTOR
    } for tracing off before and after issue 20), interleaved, each round and spawn starting at another row. Load average (1 / 5 / 15 min) at the start ${
      loadText(load[0])
    }, at the end ${loadText(load[1])}. ` +
    node22MachineNote()
  ].join("\n")
  return {
    markdown,
    json: {
      date: new Date().toISOString(),
      node: NODE22_VERSION,
      settings,
      loadAverage: { start: load[0], end: load[1] },
      rows: table,
      comparisons,
      notes
    }
  }
}

runStandalone(import.meta.url, "telemetry", () => telemetrySuite())
