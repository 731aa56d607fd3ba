/**
 * Loop-overhead benchmark: each runtime runs as a child process against a minimal Runtime API
 * on loopback, in interleaved rounds, and is measured side by side with a hand-written
 * node:http loop in the same run.
 *
 *   npm run bench            (BENCH_INVOCATIONS=5000 BENCH_ROUNDS=3 by default)
 *
 * Writes bench/results/latest.json and prints a Markdown table.
 */
import * as esbuild from "esbuild"
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const now = () => performance.now()

const INVOCATIONS = Number(process.env.BENCH_INVOCATIONS ?? 5000)
const SLOW_INVOCATIONS = Number(process.env.BENCH_SLOW_INVOCATIONS ?? 20)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CLOCK_TICKS = 100 // USER_HZ on Linux

interface Sample {
  readonly coldStartMs: number
  readonly invocationsPerSecond: number
  readonly latencies: Array<number> // /next answered -> /response received
  readonly releases: Array<number> // /response received -> next /next
  readonly cpuMsPerInvocation: number
  readonly peakRssMb: number
}

/** Reads utime + stime (ms) and the peak RSS of a live process from /proc. */
const procStats = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
  return { cpuMs, peakRssMb: hwm === null ? NaN : Number(hwm[1]) / 1024 }
}

/** Serves `count` invocations to one runtime process and measures it. */
const measure = (file: string, count: number): Promise<Sample> =>
  new Promise((resolve, reject) => {
    let served = 0
    let spawnedAt = 0
    let firstNextAt = 0
    let startedAt = 0
    let answeredAt = 0
    let respondedAt = 0
    let cpuAtStart = 0
    const latencies: Array<number> = []
    const releases: Array<number> = []
    const body = Buffer.from(`{"n":0}`)
    const server = http.createServer((req, res) => {
      const arrived = now()
      if (req.method === "GET") {
        if (firstNextAt === 0) {
          firstNextAt = arrived
          cpuAtStart = procStats(child.pid!).cpuMs
        } else releases.push(arrived - respondedAt)
        if (served === count) return finish()
        served++
        if (startedAt === 0) startedAt = arrived
        res.writeHead(200, {
          "lambda-runtime-aws-request-id": `req-${served}`,
          "lambda-runtime-deadline-ms": String(Date.now() + 60_000),
          "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
          "content-type": "application/json",
          "content-length": body.length
        })
        res.end(body)
        answeredAt = now()
        return
      }
      req.on("data", () => {})
      req.on("end", () => {
        respondedAt = now()
        latencies.push(respondedAt - answeredAt)
        res.writeHead(202, { "content-type": "application/json", "content-length": 15 })
        res.end(`{"status":"OK"}`)
      })
    })
    const finish = () => {
      const elapsed = respondedAt - startedAt
      const stats = procStats(child.pid!)
      child.kill("SIGKILL")
      server.closeAllConnections()
      server.close()
      resolve({
        coldStartMs: firstNextAt - spawnedAt,
        invocationsPerSecond: (count / elapsed) * 1000,
        latencies,
        releases,
        cpuMsPerInvocation: (stats.cpuMs - cpuAtStart) / count,
        peakRssMb: stats.peakRssMb
      })
    }
    let child: ReturnType<typeof spawn>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      spawnedAt = now()
      child = spawn(process.execPath, [file], {
        env: { PATH: process.env.PATH ?? "", AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, AWS_LAMBDA_LOG_LEVEL: "WARN" },
        stdio: ["ignore", "ignore", "inherit"]
      })
      child.on("error", reject)
    })
  })

const percentile = (values: Array<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}
const median = (values: Array<number>) => percentile(values, 50)

const bundle = async (name: string) => {
  const outfile = here(`./.build/${name}.mjs`)
  await esbuild.build({
    entryPoints: [here(`./functions/${name}.ts`)],
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning"
  })
  return outfile
}

const main = async () => {
  mkdirSync(here("./.build"), { recursive: true })
  mkdirSync(here("./results"), { recursive: true })
  const runtimes = [
    { name: "node:http loop (baseline)", file: here("./functions/baseline.mjs"), count: INVOCATIONS },
    { name: "effect-lambda-runtime, trivial handler", file: await bundle("trivial"), count: INVOCATIONS },
    { name: "effect-lambda-runtime, 200 ms detached", file: await bundle("detached"), count: SLOW_INVOCATIONS },
    { name: "effect-lambda-runtime, 200 ms inline", file: await bundle("inline"), count: SLOW_INVOCATIONS }
  ]
  const samples = new Map<string, Array<Sample>>(runtimes.map((r) => [r.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const runtime of runtimes) samples.get(runtime.name)!.push(await measure(runtime.file, runtime.count))
  }
  const rows = runtimes.map((runtime) => {
    const all = samples.get(runtime.name)!
    const latencies = all.flatMap((s) => s.latencies)
    const releases = all.flatMap((s) => s.releases)
    return {
      runtime: runtime.name,
      invocations: runtime.count,
      invocationsPerSecond: median(all.map((s) => s.invocationsPerSecond)),
      coldStartMs: median(all.map((s) => s.coldStartMs)),
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      releaseP50Ms: percentile(releases, 50),
      releaseP99Ms: percentile(releases, 99),
      cpuMsPerInvocation: median(all.map((s) => s.cpuMsPerInvocation)),
      peakRssMb: Math.max(...all.map((s) => s.peakRssMb)),
      bundleKb: runtime.file.endsWith(".mjs") ? statSync(runtime.file).size / 1024 : NaN
    }
  })
  const baseline = rows[0]!
  const trivial = rows[1]!
  const ratios = {
    throughputVsBaseline: trivial.invocationsPerSecond / baseline.invocationsPerSecond,
    cpuVsBaseline: trivial.cpuMsPerInvocation / baseline.cpuMsPerInvocation,
    coldStartVsBaseline: trivial.coldStartMs / baseline.coldStartMs,
    detachedVsInlineLatencyP50: rows[2]!.latencyP50Ms / rows[3]!.latencyP50Ms
  }
  const fixed = (n: number, d = 2) => Number.isFinite(n) ? n.toFixed(d) : "-"
  const table = [
    "| runtime | inv/s | cold start ms | /next→/response p50 / p99 ms | /response→/next p50 / p99 ms | CPU ms/inv | peak RSS MB | bundle KB |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.invocationsPerSecond, 0)} | ${fixed(r.coldStartMs, 1)} | ${fixed(r.latencyP50Ms, 3)} / ${
        fixed(r.latencyP99Ms, 3)
      } | ${fixed(r.releaseP50Ms, 3)} / ${fixed(r.releaseP99Ms, 3)} | ${fixed(r.cpuMsPerInvocation, 3)} | ${
        fixed(r.peakRssMb, 1)
      } | ${fixed(r.bundleKb, 0)} |`
    ),
    "",
    `Throughput vs baseline: ${(ratios.throughputVsBaseline * 100).toFixed(1)}%; CPU per invocation vs baseline: ${
      ratios.cpuVsBaseline.toFixed(2)
    }x; cold start vs baseline: ${ratios.coldStartVsBaseline.toFixed(2)}x; ` +
    `response latency p50, 200 ms detached vs inline: ${fixed(rows[2]!.latencyP50Ms, 3)} ms vs ${fixed(rows[3]!.latencyP50Ms, 1)} ms.`,
    `(${ROUNDS} interleaved rounds; ${INVOCATIONS} invocations per round for the fast runtimes, ${SLOW_INVOCATIONS} for the 200 ms ones; Node ${process.version}.)`
  ].join("\n")
  writeFileSync(here("./results/latest.json"), JSON.stringify({ rows, ratios, date: new Date().toISOString() }, null, 2))
  writeFileSync(here("./results/latest.md"), table + "\n")
  console.log(table)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
