/**
 * The benchmark's Runtime API in the Lambda Managed Instances mode (docs: runtime-api.md,
 * section 10): one runtime process, up to `concurrency` invocations outstanding at once. Every
 * `GET /next` is parked; while fewer than `concurrency` invocations are out, the oldest parked
 * one is answered; every result (`POST .../<id>/response` or `/error`, matched by the request id
 * in its path, in any order) frees a slot. Like bench/server.ts it does no JSON parsing and no
 * bookkeeping on the hot path beyond a timestamp per invocation, and reports its own CPU time.
 *
 * Cold start: spawn until `expectedParked` `/next` are parked, or, for a runtime that parks
 * fewer (one poll loop, or a client whose polls queue behind each other), until no new `/next`
 * came for `quietMs` (then: spawn until the last one), and at most `parkLimitMs` after spawn.
 * How many were parked is reported. Invocations are then handed out for `warmupMs` (not
 * measured: V8 compiles the hot path meanwhile) and `durationMs` more; the run ends when the last
 * one handed out has answered. Throughput and CPU count the results received after the warm-up,
 * latency the invocations handed out after it.
 */
import type { spawn } from "node:child_process"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { ProcessSpec } from "./server.js"
import { procCpu, procCpuPrecise, procStats, spawnRuntime } from "./server.js"

export interface ConcurrentOptions {
  /** N: at most this many invocations handed out and not yet answered. */
  readonly concurrency: number
  /** How many parked `/next` end the cold start (N for a runtime with N poll loops, its worker count for aws-lambda-ric). */
  readonly expectedParked: number
  /** Hand out invocations for this long after the cold start, not measured. */
  readonly warmupMs: number
  /** Then hand out invocations for this long, measured. */
  readonly durationMs: number
  /** Stop waiting for more parked `/next` after this long without a new one. */
  readonly quietMs: number
  /** Stop waiting for parked `/next` this long after spawn (the run then starts with what is parked). */
  readonly parkLimitMs: number
  /** Give up on the whole run (spawn to last result) after this long. */
  readonly timeoutMs: number
  /** The event every invocation carries (default `{"n":0}`). */
  readonly event?: string | undefined
  /** Called with the first result's body, to check what the runtime answered. */
  readonly onFirstResult?: ((body: string) => void) | undefined
}

export interface ConcurrentSample {
  /** Spawn -> the last `/next` parked before the run (see the module's comment). */
  readonly coldStartMs: number
  /** `/next` parked when the run started. */
  readonly parkedAtStart: number
  /** The process's CPU time (schedstat, all live threads) when the run started: its init, all workers'. */
  readonly initCpuMs: number
  /** The most `/next` parked at once during the run. */
  readonly maxParked: number
  /** The most invocations out at once during the run (at most `concurrency`). */
  readonly maxInFlight: number
  /** Results received during the warm-up. */
  readonly warmupInvocations: number
  /** Results received after it (what throughput and CPU count). */
  readonly invocations: number
  readonly invocationsPerSecond: number
  /** Handed out (`/next` answered) -> result received, per invocation. */
  readonly latencies: ReadonlyArray<number>
  /** The process's CPU time after the warm-up (schedstat, ns resolution, live threads), per invocation. */
  readonly cpuMsPerInvocation: number
  /** The same from /proc/<pid>/stat (utime + stime, 10 ms ticks, all threads). */
  readonly cpuTicksMsPerInvocation: number
  readonly serverCpuMsPerInvocation: number
  /** VmHWM at the end of the run. */
  readonly peakRssMb: number
  readonly errors: number
}

const INVOCATION = "/2018-06-01/runtime/invocation/"
const now = () => performance.now()
const serverCpuMs = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/** Runs one runtime process with up to `options.concurrency` invocations outstanding and measures it. */
export const measureConcurrent = (spec: ProcessSpec, options: ConcurrentOptions): Promise<ConcurrentSample> =>
  new Promise((resolve, reject) => {
    const body = Buffer.from(options.event ?? `{"n":0}`)
    const arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    const accepted = Buffer.from(`{"status":"OK"}`)
    const parked: Array<http.ServerResponse> = []
    const handedAt: Array<number> = []
    const latencies: Array<number> = []
    let phase: "cold" | "run" | "drain" | "done" = "cold"
    let spawnedAt = 0
    let lastParkedAt = 0
    let quiet: ReturnType<typeof setTimeout> | undefined
    let coldStartMs = 0
    let parkedAtStart = 0
    let initCpuMs = 0
    let cpuAtMeasure = 0
    let cpuTicksAtMeasure = 0
    let serverCpuAtMeasure = 0
    let measuring = false
    let measuredFrom = 0
    let measureStartAt = 0
    let measured = 0
    let lastResultAt = 0
    let inFlight = 0
    let maxInFlight = 0
    let maxParked = 0
    let handedOut = 0
    let answered = 0
    let errors = 0
    let stderr = () => ""

    const answer = (res: http.ServerResponse) => {
      const index = handedOut++
      res.writeHead(200, {
        "lambda-runtime-aws-request-id": `r${index}`,
        "lambda-runtime-deadline-ms": String(Date.now() + 60_000),
        "lambda-runtime-invoked-function-arn": arn,
        "content-type": "application/json",
        "content-length": body.length
      })
      res.end(body)
      handedAt.push(now())
      if (++inFlight > maxInFlight) maxInFlight = inFlight
    }

    const dispatch = () => {
      while (phase === "run" && inFlight < options.concurrency && parked.length > 0) answer(parked.shift()!)
    }

    const startRun = () => {
      if (phase !== "cold") return
      clearTimeout(quiet)
      clearTimeout(parkLimit)
      coldStartMs = lastParkedAt - spawnedAt
      parkedAtStart = parked.length
      maxParked = parked.length
      initCpuMs = procCpuPrecise(child.pid!)
      phase = "run"
      if (options.warmupMs > 0) warm = setTimeout(startMeasuring, options.warmupMs)
      else startMeasuring()
      stopAt = setTimeout(() => {
        phase = "drain"
        if (inFlight === 0) finish()
      }, options.warmupMs + options.durationMs)
      dispatch()
    }

    const startMeasuring = () => {
      measuring = true
      measuredFrom = handedOut
      measureStartAt = now()
      cpuAtMeasure = procCpuPrecise(child.pid!)
      cpuTicksAtMeasure = procCpu(child.pid!).cpuMs
      serverCpuAtMeasure = serverCpuMs()
    }

    const server = http.createServer((req, res) => {
      const url = req.url ?? ""
      // The Extensions API, for a runtime that registers an extension to get SIGTERM: accept
      // the registration and park its event long poll (no events are ever sent).
      if (url.startsWith("/2020-01-01/extension/")) {
        req.resume()
        if (url.endsWith("/register")) {
          res.writeHead(200, { "lambda-extension-identifier": "bench-extension", "content-type": "application/json" })
          res.end(`{"functionName":"bench","functionVersion":"$LATEST","handler":"bench"}`)
        }
        return
      }
      if (req.method === "GET") {
        parked.push(res)
        if (parked.length > maxParked) maxParked = parked.length
        if (phase === "cold") {
          lastParkedAt = now()
          if (parked.length >= options.expectedParked) startRun()
          else {
            clearTimeout(quiet)
            quiet = setTimeout(startRun, options.quietMs)
          }
        } else dispatch()
        return
      }
      if (!url.startsWith(INVOCATION)) {
        // POST /runtime/init/error
        req.resume()
        req.on("end", () => {
          res.writeHead(202, { "content-type": "application/json", "content-length": accepted.length })
          res.end(accepted)
        })
        return
      }
      // POST /2018-06-01/runtime/invocation/r<index>/response (or /error)
      const start = INVOCATION.length + 1
      const index = Number(url.slice(start, url.indexOf("/", start)))
      const isError = url.endsWith("/error")
      const chunks: Array<Buffer> = []
      const keep = index === 0 && options.onFirstResult !== undefined
      req.on("data", (chunk: Buffer) => {
        if (keep) chunks.push(chunk)
      })
      req.on("end", () => {
        lastResultAt = now()
        if (measuring) {
          measured++
          if (index >= measuredFrom) latencies.push(lastResultAt - handedAt[index]!)
        }
        if (isError) errors++
        if (keep) options.onFirstResult!(Buffer.concat(chunks).toString())
        res.writeHead(202, { "content-type": "application/json", "content-length": accepted.length })
        res.end(accepted)
        inFlight--
        answered++
        if (phase === "drain" && inFlight === 0) finish()
        else dispatch()
      })
    })

    const finish = () => {
      if (phase === "done") return
      phase = "done"
      clearTimeout(timeout)
      const stats = procStats(child.pid!)
      const preciseCpu = procCpuPrecise(child.pid!)
      const serverCpu = serverCpuMs() - serverCpuAtMeasure
      child.once("exit", () => {
        server.close()
        resolve({
          coldStartMs,
          parkedAtStart,
          initCpuMs,
          maxParked,
          maxInFlight,
          warmupInvocations: answered - measured,
          invocations: measured,
          invocationsPerSecond: (measured / (lastResultAt - measureStartAt)) * 1000,
          latencies,
          cpuMsPerInvocation: (preciseCpu - cpuAtMeasure) / measured,
          cpuTicksMsPerInvocation: (stats.cpuMs - cpuTicksAtMeasure) / measured,
          serverCpuMsPerInvocation: serverCpu / measured,
          peakRssMb: stats.peakRssMb,
          errors
        })
      })
      child.kill("SIGKILL")
      server.closeAllConnections()
    }

    const fail = (error: Error) => {
      if (phase === "done") return
      phase = "done"
      for (const timer of [quiet, parkLimit, warm, stopAt, timeout]) clearTimeout(timer)
      server.closeAllConnections()
      server.close()
      child.kill("SIGKILL")
      reject(error)
    }

    let child: ReturnType<typeof spawn>
    let parkLimit: ReturnType<typeof setTimeout> | undefined
    let warm: ReturnType<typeof setTimeout> | undefined
    let stopAt: ReturnType<typeof setTimeout> | undefined
    let timeout: ReturnType<typeof setTimeout> | undefined
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      spawnedAt = now()
      const runtime = spawnRuntime(spec, port, fail)
      child = runtime.child
      stderr = runtime.stderr
      parkLimit = setTimeout(() => {
        if (parked.length > 0) startRun()
        else fail(new Error(`no GET /next within ${options.parkLimitMs} ms of spawn: ${stderr().trim()}`))
      }, options.parkLimitMs)
      timeout = setTimeout(() => {
        fail(
          new Error(
            `run not finished within ${options.timeoutMs} ms (${answered}/${handedOut} answered, ${inFlight} out): ${stderr().trim()}`
          )
        )
      }, options.timeoutMs)
    })
  })
