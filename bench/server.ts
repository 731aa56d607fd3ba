/**
 * The benchmark's Runtime API: a minimal node:http server on loopback that serves `count`
 * invocations to one runtime process and records, per invocation, when `/next` was answered,
 * when the result arrived and when the next `/next` came in. It does nothing else (no state
 * machine, no JSON parsing on the hot path) so that it stays far from being the bottleneck;
 * its own CPU time is measured and reported beside the runtime's.
 */
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** How to start one runtime process. */
export interface ProcessSpec {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly cwd?: string | undefined
}

export interface MeasureOptions {
  /** Sample the process's RSS every this many invocations (soak runs). */
  readonly rssEvery?: number | undefined
  /** Hold each `/next` (after the first) this long before answering, like a function invoked at a slow pace. */
  readonly paceMs?: number | undefined
  /** Check the detached-work evidence the detached function puts in its responses. */
  readonly checkDetached?: boolean | undefined
  /** The event every invocation carries (default `{"n":0}`). */
  readonly event?: string | undefined
  /** Events served in turn, invocation i getting `events[i % length]` (overrides `event`). */
  readonly events?: ReadonlyArray<string> | undefined
  /** Called with each result's body (0-based invocation index), to check what a runtime answered. */
  readonly onResult?: ((index: number, body: string) => void) | undefined
  /**
   * Send each invocation a `Lambda-Runtime-Trace-Id` header (`Root=...;Parent=...;Sampled=1`, new
   * ids per invocation), as Lambda does when active tracing is on.
   */
  readonly traceHeader?: boolean | undefined
  /** Called with the process's stdout (then a pipe, as Lambda's is, instead of /dev/null). */
  readonly onStdout?: ((chunk: string) => void) | undefined
  /**
   * The young phase's length in invocations (default 500): CPU per invocation is also reported
   * for the first `young` invocations and for the rest, apart.
   */
  readonly young?: number | undefined
}

export interface Sample {
  /** Process spawn -> first `GET /next`. */
  readonly coldStartMs: number
  /** The process's CPU time (utime + stime, 10 ms ticks) when its first `GET /next` arrived. */
  readonly coldCpuMs: number
  /** The process's minor page faults when its first `GET /next` arrived. */
  readonly coldMinorFaults: number
  /** The CPU time of the process's live threads (schedstat, ns resolution) when its first `GET /next` arrived. */
  readonly coldCpuPreciseMs: number
  readonly invocationsPerSecond: number
  /** `/next` answered -> result received, per invocation. */
  readonly latencies: ReadonlyArray<number>
  /** Result received -> next `GET /next`, per invocation. */
  readonly releases: ReadonlyArray<number>
  readonly cpuMsPerInvocation: number
  /** The same from schedstat (ns resolution, live threads only), for runs too short for 10 ms ticks. */
  readonly cpuPreciseMsPerInvocation: number
  /** The same over the first `young` invocations (a young process, before V8 optimises much), when the run had that many. */
  readonly youngCpuPreciseMsPerInvocation: number | undefined
  /** The same over the invocations after the first `young` (a warm process), when there were any. */
  readonly warmCpuPreciseMsPerInvocation: number | undefined
  readonly serverCpuMsPerInvocation: number
  readonly peakRssMb: number
  /** `[invocations served, RSS MB]` pairs when `rssEvery` was set. */
  readonly rss: ReadonlyArray<readonly [number, number]>
  /** Invocations whose response showed detached work still running when `/next` came (checkDetached). */
  readonly detachedViolations: number
  readonly detachedChecked: number
  readonly errors: number
}

const CLOCK_TICKS = 100 // USER_HZ on Linux
const now = () => performance.now()
/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
const epochNow = () => performance.timeOrigin + performance.now()

/** The fields of `/proc/<pid>/stat` after `comm`: index i holds field i + 3 of proc(5). */
const statFields = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
}

/** utime + stime (ms) and minor page faults (minflt) of a live process, from /proc/<pid>/stat only. */
export const procCpu = (pid: number) => {
  const fields = statFields(pid)
  return {
    cpuMs: ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000,
    minorFaults: Number(fields[7])
  }
}

/**
 * CPU time (ms) of a live process's threads from `/proc/<pid>/task/<tid>/schedstat`, in
 * nanoseconds rather than 10 ms ticks; threads that already exited are not counted.
 */
export const procCpuPrecise = (pid: number) => {
  let ns = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0])
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return ns / 1e6
}

/** utime + stime (ms), minor page faults, current and peak RSS (MB) of a live process, from /proc. */
export const procStats = (pid: number) => {
  const { cpuMs, minorFaults } = procCpu(pid)
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
  const rss = /VmRSS:\s+(\d+) kB/.exec(status)
  return {
    cpuMs,
    minorFaults,
    peakRssMb: hwm === null ? NaN : Number(hwm[1]) / 1024,
    rssMb: rss === null ? NaN : Number(rss[1]) / 1024
  }
}

const serverCpuMs = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/**
 * Starts the runtime process `spec` against the Runtime API on loopback port `port`. `ended` hears
 * of a spawn error, or of the process exiting (an error naming its exit and its stderr): the
 * benchmark's runtimes exit only when something went wrong.
 */
export const spawnRuntime = (
  spec: ProcessSpec,
  port: number,
  ended: (error: Error) => void,
  onStdout?: (chunk: string) => void
): { readonly child: ReturnType<typeof spawn>; readonly stderr: () => string } => {
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: { ...spec.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}` },
    stdio: ["ignore", onStdout === undefined ? "ignore" : "pipe", "pipe"]
  })
  if (onStdout !== undefined) child.stdout!.on("data", (chunk: Buffer) => onStdout(chunk.toString()))
  let stderr = ""
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  child.on("error", ended)
  child.on("exit", (code, signal) => {
    ended(new Error(`${spec.command} ${spec.args.join(" ")} exited early (${code ?? signal}): ${stderr.trim()}`))
  })
  return { child, stderr: () => stderr }
}

/** Serves `count` invocations to one fresh runtime process and measures it. */
export const measure = (spec: ProcessSpec, count: number, options: MeasureOptions = {}): Promise<Sample> =>
  new Promise((resolve, reject) => {
    let served = 0
    let spawnedAt = 0
    let firstNextAt = 0
    let startedAt = 0
    let answeredAt = 0
    let respondedAt = 0
    let cpuAtStart = 0
    let faultsAtStart = 0
    let preciseCpuAtStart = 0
    let serverCpuAtStart = 0
    let preciseCpuAtYoung = 0
    const young = options.young ?? 500
    let errors = 0
    let detachedViolations = 0
    let detachedChecked = 0
    let nextArrivedEpoch = 0
    let finished = false
    const latencies: Array<number> = []
    const releases: Array<number> = []
    const rss: Array<readonly [number, number]> = []
    const bodies = (options.events ?? [options.event ?? `{"n":0}`]).map((event) => Buffer.from(event))
    const arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    const accepted = Buffer.from(`{"status":"OK"}`)
    // X-Ray's ids: Root = 1-<epoch seconds, 8 hex>-<24 hex>, Parent = 16 hex; the invocation's
    // index makes each one new without a random source on the server's hot path.
    const traceRoot = `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, "0")}-${
      Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0")
    }`
    const traceId = (n: number) => {
      const hex = n.toString(16).padStart(16, "0")
      return `Root=${traceRoot}${hex};Parent=${hex};Sampled=1`
    }

    const answer = (res: http.ServerResponse) => {
      const body = bodies[(served - 1) % bodies.length]!
      res.writeHead(200, {
        "lambda-runtime-aws-request-id": `req-${served}`,
        "lambda-runtime-deadline-ms": String(Date.now() + 60_000),
        "lambda-runtime-invoked-function-arn": arn,
        ...(options.traceHeader === true ? { "lambda-runtime-trace-id": traceId(served) } : {}),
        "content-type": "application/json",
        "content-length": body.length
      })
      res.end(body)
      answeredAt = now()
    }

    const server = http.createServer((req, res) => {
      const arrived = now()
      // The Extensions API, for a runtime that registers an extension to get SIGTERM: accept
      // the registration and park its event long poll (no events are ever sent).
      if (req.url?.startsWith("/2020-01-01/extension/") === true) {
        req.resume()
        if (req.url.endsWith("/register")) {
          res.writeHead(200, { "lambda-extension-identifier": "bench-extension", "content-type": "application/json" })
          res.end(`{"functionName":"bench","functionVersion":"$LATEST","handler":"bench"}`)
        }
        return
      }
      if (req.method === "GET") {
        if (firstNextAt === 0) {
          firstNextAt = arrived
          const start = procCpu(child.pid!)
          cpuAtStart = start.cpuMs
          faultsAtStart = start.minorFaults
          preciseCpuAtStart = procCpuPrecise(child.pid!)
          serverCpuAtStart = serverCpuMs()
        } else releases.push(arrived - respondedAt)
        if (options.checkDetached === true) nextArrivedEpoch = epochNow()
        if (options.rssEvery !== undefined && served % options.rssEvery === 0) {
          rss.push([served, procStats(child.pid!).rssMb])
        }
        if (served === young) preciseCpuAtYoung = procCpuPrecise(child.pid!)
        if (served === count) return finish()
        served++
        if (startedAt === 0) startedAt = arrived
        if (options.paceMs !== undefined && served > 1) {
          setTimeout(() => answer(res), options.paceMs)
          return
        }
        answer(res)
        return
      }
      const isError = req.url?.endsWith("/error") === true
      const chunks: Array<Buffer> = []
      const nextEpoch = nextArrivedEpoch
      const keep = options.checkDetached === true || options.onResult !== undefined
      const index = served - 1
      req.on("data", (chunk: Buffer) => {
        if (keep) chunks.push(chunk)
      })
      req.on("end", () => {
        respondedAt = now()
        latencies.push(respondedAt - answeredAt)
        if (isError) errors++
        if (options.checkDetached === true && !isError) checkEvidence(Buffer.concat(chunks).toString(), nextEpoch)
        if (options.onResult !== undefined) options.onResult(index, Buffer.concat(chunks).toString())
        res.writeHead(202, { "content-type": "application/json", "content-length": accepted.length })
        res.end(accepted)
      })
    })

    // The detached function reports how many of its detached tasks had finished when the
    // handler ran and when the previous one finished (epoch ms); both must precede this `/next`.
    const checkEvidence = (text: string, nextEpoch: number) => {
      const evidence = JSON.parse(text) as { started: number; finished: number; lastFinishedAt: number }
      if (evidence.started <= 1) return
      detachedChecked++
      if (evidence.finished !== evidence.started - 1 || evidence.lastFinishedAt > nextEpoch) detachedViolations++
    }

    const finish = () => {
      if (finished) return
      finished = true
      const elapsed = respondedAt - startedAt
      const stats = procStats(child.pid!)
      const preciseCpu = procCpuPrecise(child.pid!)
      const serverCpu = serverCpuMs() - serverCpuAtStart
      child.once("exit", () => {
        server.close()
        resolve({
          coldStartMs: firstNextAt - spawnedAt,
          coldCpuMs: cpuAtStart,
          coldMinorFaults: faultsAtStart,
          coldCpuPreciseMs: preciseCpuAtStart,
          invocationsPerSecond: (count / elapsed) * 1000,
          latencies,
          releases,
          cpuMsPerInvocation: (stats.cpuMs - cpuAtStart) / count,
          cpuPreciseMsPerInvocation: (preciseCpu - preciseCpuAtStart) / count,
          youngCpuPreciseMsPerInvocation: count >= young ? (preciseCpuAtYoung - preciseCpuAtStart) / young : undefined,
          warmCpuPreciseMsPerInvocation: count > young ? (preciseCpu - preciseCpuAtYoung) / (count - young) : undefined,
          serverCpuMsPerInvocation: serverCpu / count,
          peakRssMb: stats.peakRssMb,
          rss,
          detachedViolations,
          detachedChecked,
          errors
        })
      })
      child.kill("SIGKILL")
      server.closeAllConnections()
    }

    let child: ReturnType<typeof spawn>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      spawnedAt = now()
      child = spawnRuntime(spec, port, (error) => {
        if (!finished) {
          finished = true
          server.closeAllConnections()
          server.close()
          reject(error)
        }
      }, options.onStdout).child
    })
  })
