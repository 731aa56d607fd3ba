/**
 * Streaming benchmark: throughput and time-to-first-byte of a 100 MB streamed response written
 * by the runtime (`LambdaHandler.stream`), side by side with a plain `node:http` chunked POST of
 * the same bytes, in interleaved rounds of the same run, against one in-process `node:http`
 * sink that plays the Runtime API (it hands out invocations and reads streamed responses).
 *
 *   npx tsx bench/streaming.ts     (BENCH_STREAM_MB=100 BENCH_STREAM_ROUNDS=20 by default)
 *
 * Prints a Markdown table and writes bench/results/streaming.json.
 *
 * - TTFB: runtime: from the sink answering `/next` to the first body byte at the sink;
 *   baseline: from `http.request` to the first body byte at the sink.
 * - Throughput: body bytes / (last body byte - the same start), in MB/s (1 MB = 2^20 bytes).
 * - A third row runs the baseline with the runtime writer's buffering policy (keep writing until
 *   1 MiB is buffered, then wait for `drain`), so that policy and per-chunk overhead can be told apart.
 */
import { Effect, LogLevel, Stream } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { LambdaHandler, LambdaRuntime } from "../src/index.js"

const MB = 1024 * 1024
const BODY_MB = Number(process.env.BENCH_STREAM_MB ?? 100)
const ROUNDS = Number(process.env.BENCH_STREAM_ROUNDS ?? 20)
const CHUNK_BYTES = 64 * 1024
const CHUNKS = Math.ceil((BODY_MB * MB) / CHUNK_BYTES)
const BODY_BYTES = CHUNKS * CHUNK_BYTES
const chunk = new Uint8Array(CHUNK_BYTES).fill(97)

const now = () => performance.now()

interface Sample {
  readonly ttfbMs: number
  readonly throughputMBps: number
  readonly bytes: number
  /** CPU time of the whole process (writer and sink) during the round. */
  readonly cpuMs: number
}

/** What the sink saw of one streamed POST. */
interface Received {
  readonly firstByteAt: number
  readonly lastByteAt: number
  readonly bytes: number
}

// ---- the sink: a minimal Runtime API ----

let parkedNext: http.ServerResponse | undefined
let nextWaiter: (() => void) | undefined
const responseWaiters = new Map<string, (received: Received) => void>()
let invocationCounter = 0

const sink = http.createServer((req, res) => {
  const url = req.url ?? ""
  if (req.method === "GET" && url.endsWith("/invocation/next")) {
    req.resume()
    parkedNext = res
    nextWaiter?.()
    nextWaiter = undefined
    return
  }
  const match = /\/invocation\/([^/]+)\/(response|error)$/.exec(url)
  if (req.method === "POST" && match !== null) {
    const id = decodeURIComponent(match[1]!)
    let firstByteAt = 0
    let lastByteAt = 0
    let bytes = 0
    req.on("data", (data: Buffer) => {
      const at = now()
      if (bytes === 0) firstByteAt = at
      lastByteAt = at
      bytes += data.length
    })
    req.on("end", () => {
      if (match[2] === "error") process.stderr.write(`the runtime posted /error for ${id}\n`)
      res.writeHead(202, { "content-type": "application/json" })
      res.end(`{"status":"OK"}`)
      responseWaiters.get(id)?.({ firstByteAt, lastByteAt, bytes })
      responseWaiters.delete(id)
    })
    return
  }
  req.resume()
  res.writeHead(404)
  res.end()
})

const awaitResponse = (id: string) => new Promise<Received>((resolve) => responseWaiters.set(id, resolve))

const awaitParkedNext = () =>
  new Promise<http.ServerResponse>((resolve) => {
    if (parkedNext !== undefined) return resolve(parkedNext)
    nextWaiter = () => resolve(parkedNext!)
  })

// ---- the runtime under test, in this process ----

const runtimeRound = async (): Promise<Sample> => {
  const res = await awaitParkedNext()
  parkedNext = undefined
  const id = `stream-${++invocationCounter}`
  const received = awaitResponse(id)
  const cpu = process.cpuUsage()
  const startedAt = now()
  res.writeHead(200, {
    "lambda-runtime-aws-request-id": id,
    "lambda-runtime-deadline-ms": String(Date.now() + 600_000),
    "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
    "content-type": "application/json"
  })
  res.end("{}")
  const { bytes, firstByteAt, lastByteAt } = await received
  return sample(startedAt, firstByteAt, lastByteAt, bytes, cpu)
}

// ---- the baseline: a plain node:http chunked POST with drain handling ----

const baselineAgent = new http.Agent({ keepAlive: true, maxSockets: 1 })

/**
 * `bufferLimit` undefined: the textbook loop, waiting for `drain` whenever `write` returns
 * false. A number: keep writing while less than that is buffered, the policy the runtime's
 * writer uses (1 MiB), to show how much of the difference is that policy alone.
 */
const baselineRound = async (port: number, bufferLimit?: number): Promise<Sample> => {
  const id = `baseline-${++invocationCounter}`
  const received = awaitResponse(id)
  const cpu = process.cpuUsage()
  const startedAt = now()
  await new Promise<void>((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: `/2018-06-01/runtime/invocation/${id}/response`,
      agent: baselineAgent,
      headers: {
        "content-type": "application/octet-stream",
        "lambda-runtime-function-response-mode": "streaming",
        "transfer-encoding": "chunked",
        "trailer": "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
      }
    }, (res) => {
      res.resume()
      res.on("end", () => resolve())
    })
    req.on("error", reject)
    let written = 0
    const pump = () => {
      while (written < CHUNKS) {
        written++
        const more = req.write(chunk)
        if (bufferLimit === undefined ? !more : req.writableLength >= bufferLimit) return void req.once("drain", pump)
      }
      req.end()
    }
    pump()
  })
  const { bytes, firstByteAt, lastByteAt } = await received
  return sample(startedAt, firstByteAt, lastByteAt, bytes, cpu)
}

const sample = (
  startedAt: number,
  firstByteAt: number,
  lastByteAt: number,
  bytes: number,
  cpuAtStart: NodeJS.CpuUsage
): Sample => {
  if (bytes !== BODY_BYTES) throw new Error(`the sink received ${bytes} bytes, expected ${BODY_BYTES}`)
  const cpu = process.cpuUsage(cpuAtStart)
  return {
    ttfbMs: firstByteAt - startedAt,
    throughputMBps: bytes / MB / ((lastByteAt - startedAt) / 1000),
    bytes,
    cpuMs: (cpu.user + cpu.system) / 1000
  }
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const main = async () => {
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve))
  const port = (sink.address() as AddressInfo).port
  process.env.AWS_LAMBDA_RUNTIME_API = `127.0.0.1:${port}`

  const handler = LambdaHandler.stream(() => Stream.range(1, CHUNKS).pipe(Stream.as(chunk)))
  const runtime = Effect.runFork(
    LambdaRuntime.serve(handler, { registerExtension: false, logLevel: LogLevel.Warning })
  )

  // One warm-up round each (JIT, socket set-up), then interleaved measured rounds.
  await runtimeRound()
  await baselineRound(port)
  await baselineRound(port, MB)
  const runtimeSamples: Array<Sample> = []
  const baselineSamples: Array<Sample> = []
  const bufferedSamples: Array<Sample> = []
  // Alternate which goes first, so that neither always follows the other's garbage.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      baselineSamples.push(await baselineRound(port))
      runtimeSamples.push(await runtimeRound())
    } else {
      runtimeSamples.push(await runtimeRound())
      baselineSamples.push(await baselineRound(port))
    }
    bufferedSamples.push(await baselineRound(port, MB))
  }

  const summary = (samples: ReadonlyArray<Sample>) => ({
    throughputMBps: median(samples.map((s) => s.throughputMBps)),
    ttfbMs: median(samples.map((s) => s.ttfbMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    samples
  })
  const runtimeSummary = summary(runtimeSamples)
  const baselineSummary = summary(baselineSamples)
  const bufferedSummary = summary(bufferedSamples)
  const ratio = runtimeSummary.throughputMBps / baselineSummary.throughputMBps
  // Each round measures both writers back to back; the ratio within a round cancels most of
  // the machine's load swings, which move both numbers together.
  const pairedRatio = median(runtimeSamples.map((s, i) => s.throughputMBps / baselineSamples[i]!.throughputMBps))
  const fixed = (n: number, digits = 1) => n.toFixed(digits)

  console.log(
    `Streaming ${fixed(BODY_BYTES / MB, 0)} MB in ${CHUNK_BYTES / 1024} KiB chunks, median of ${ROUNDS} rounds`
  )
  console.log("")
  console.log("| writer | throughput (MB/s) | TTFB (ms) | CPU per round (ms) |")
  console.log("|---|---:|---:|---:|")
  const row = (name: string, s: ReturnType<typeof summary>) =>
    console.log(`| ${name} | ${fixed(s.throughputMBps)} | ${fixed(s.ttfbMs, 2)} | ${fixed(s.cpuMs)} |`)
  row("effect-lambda-runtime (LambdaHandler.stream)", runtimeSummary)
  row("node:http chunked POST (baseline)", baselineSummary)
  row("node:http chunked POST, 1 MiB buffering like the runtime", bufferedSummary)
  console.log("")
  console.log(
    `runtime / baseline throughput: ${fixed(ratio * 100)}% of medians, ${
      fixed(pairedRatio * 100)
    }% median per round (target >= 80%)`
  )
  console.log(
    `runtime / baseline with the same buffering: ${
      fixed((runtimeSummary.throughputMBps / bufferedSummary.throughputMBps) * 100)
    }%`
  )

  const results = fileURLToPath(new URL("./results/", import.meta.url))
  mkdirSync(results, { recursive: true })
  writeFileSync(
    `${results}streaming.json`,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        bodyBytes: BODY_BYTES,
        chunkBytes: CHUNK_BYTES,
        rounds: ROUNDS,
        runtime: runtimeSummary,
        baseline: baselineSummary,
        baselineWith1MiBBuffering: bufferedSummary,
        throughputRatio: ratio,
        pairedThroughputRatio: pairedRatio
      },
      null,
      2
    ) + "\n"
  )

  runtime.unsafeInterruptAsFork(runtime.id())
  baselineAgent.destroy()
  sink.closeAllConnections()
  sink.close()
  process.exit(0)
}

void main()
