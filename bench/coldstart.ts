/**
 * Cold start of a realistic function (an AWS SDK v3 SQS client in the layer, an event Schema,
 * detached work sending to a local fake SQS endpoint) three ways: this runtime's default build,
 * the same logic as a plain async handler bundled with esbuild on aws-lambda-ric, and on
 * @effect-aws/lambda on aws-lambda-ric; plus the trivial handler against the hand-written loop.
 * Every spawn serves one invocation; runtimes take turns spawn by spawn (interleaved), and ratios
 * are medians of per-round ratios.
 *
 *   npx tsx bench/coldstart.ts        (also run by `npm run bench`)
 *
 * Per spawn: spawn -> first `GET /next`; `/next` answered -> result (first invocation);
 * result -> second `GET /next` (the detached send happens there); and, when the first `/next`
 * arrives, the process's CPU time (utime + stime, 10 ms ticks) and minor page faults, which
 * depend less on the machine's speed and load than milliseconds.
 *
 * Knobs: BENCH_COLD_SPAWNS (20 per runtime), BENCH_RIC_DIR (see bench/ric.ts).
 * Writes bench/results/coldstart.{json,md} and prints the Markdown.
 */
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"
import { mkdirSync, statSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as Build from "../src/Build.js"
import { sampleOrder } from "./functions/realistic/order.js"
import { findRic, ricClient, ricClientNote, ricSpec } from "./ric.js"
import type { ProcessSpec, Sample } from "./server.js"
import { measure } from "./server.js"
import {
  bundleForRic,
  here,
  lambdaEnv as baseEnv,
  log,
  machineNote,
  median,
  pairedRatio,
  runStandalone,
  type SuiteReport
} from "./common.js"

/** What Lambda puts in a function's environment (the parts these functions read). */
const lambdaEnv = {
  ...baseEnv,
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIDBENCH",
  AWS_SECRET_ACCESS_KEY: "bench-secret",
  AWS_SESSION_TOKEN: "bench-token"
}
const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"

/** A fake SQS endpoint speaking the AWS JSON protocol the SDK uses for SendMessage; counts messages. */
const fakeSqs = () =>
  new Promise<{ readonly endpoint: string; readonly received: () => number; readonly close: () => void }>((done) => {
    let received = 0
    const server = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const request = JSON.parse(Buffer.concat(chunks).toString()) as { MessageBody?: string }
        const body = request.MessageBody ?? ""
        if (req.headers["x-amz-target"] === "AmazonSQS.SendMessage" && body !== "") received++
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" })
        res.end(
          JSON.stringify({ MessageId: `m-${received}`, MD5OfMessageBody: createHash("md5").update(body).digest("hex") })
        )
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      done({ endpoint: `http://127.0.0.1:${port}`, received: () => received, close: () => server.close() })
    })
  })

/** The V8 flag the build passed by default before it was measured here (see the flagged rows). */
const SEMI_SPACE_FLAG = "--min-semi-space-size=8"

/** The project's build; `flagged` builds with `SEMI_SPACE_FLAG` (the default passes no V8 flag). */
const deploy = async (name: string, flagged = false) => {
  const outdir = here(`./.build/${name}${flagged ? "-flagged" : ""}`)
  const result = await Effect.runPromise(
    Build.build({ entry: here(`./functions/${name}.ts`), outdir, ...(flagged ? { nodeFlags: [SEMI_SPACE_FLAG] } : {}) })
  )
  for (const warning of result.warnings) log(`build ${name}: ${warning}`)
  return result
}

interface Runtime {
  readonly id: string
  readonly label: string
  readonly spec: ProcessSpec
  readonly realistic: boolean
  readonly bundleBytes: number
  readonly codeCacheBytes?: number | undefined
}

const mean = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0) / values.length

/** What one spawn gave. */
interface Spawn {
  readonly coldStartMs: number
  readonly firstInvocationMs: number
  readonly firstResultMs: number
  readonly releaseMs: number
  readonly cpuMs: number
  readonly cpuPreciseMs: number
  readonly minorFaults: number
  readonly errors: number
  readonly messages: number
}

/** Runs the cold-start suite; `spawns` per runtime, interleaved. */
export const coldStartSuite = async (spawns: number): Promise<SuiteReport> => {
  const notes: Array<string> = []
  const sqs = await fakeSqs()
  try {
    const env = { ...lambdaEnv, QUEUE_URL, SQS_ENDPOINT: sqs.endpoint }
    const bootstrap = (result: Build.BuildResult, extra: Record<string, string> = {}): ProcessSpec => ({
      command: result.bootstrap,
      args: [],
      cwd: result.outdir,
      env: { ...env, LAMBDA_TASK_ROOT: result.outdir, _HANDLER: "main.handler", ...extra }
    })
    const baseline = here("./functions/baseline.mjs")
    const trivial = await deploy("trivial")
    const realistic = await deploy("realistic")
    // Any V8 flag on Node's command line makes Node compile its built-in modules without their
    // embedded code cache: these rows measure the default build's --min-semi-space-size=8.
    const trivialFlagged = await deploy("trivial", true)
    const realisticFlagged = await deploy("realistic", true)
    const list: Array<Runtime> = [
      {
        id: "loop",
        label: "trivial: hand-written node:http loop",
        realistic: false,
        spec: { command: process.execPath, args: [baseline], env },
        bundleBytes: statSync(baseline).size
      },
      {
        id: "trivial",
        label: "trivial: effect-lambda-runtime (code cache)",
        realistic: false,
        spec: bootstrap(trivial),
        bundleBytes: trivial.bundleBytes,
        codeCacheBytes: trivial.codeCache?.bytes
      },
      {
        id: "trivialFlagged",
        label: `trivial: effect-lambda-runtime (code cache, ${SEMI_SPACE_FLAG})`,
        realistic: false,
        spec: bootstrap(trivialFlagged),
        bundleBytes: trivialFlagged.bundleBytes,
        codeCacheBytes: trivialFlagged.codeCache?.bytes
      },
      {
        id: "ours",
        label: "realistic: effect-lambda-runtime (code cache)",
        realistic: true,
        spec: bootstrap(realistic),
        bundleBytes: realistic.bundleBytes,
        codeCacheBytes: realistic.codeCache?.bytes
      },
      {
        id: "oursFlagged",
        label: `realistic: effect-lambda-runtime (code cache, ${SEMI_SPACE_FLAG})`,
        realistic: true,
        spec: bootstrap(realisticFlagged),
        bundleBytes: realisticFlagged.bundleBytes,
        codeCacheBytes: realisticFlagged.codeCache?.bytes
      },
      {
        id: "oursNoCache",
        label: "realistic: effect-lambda-runtime (bundle, no code cache)",
        realistic: true,
        spec: bootstrap(realistic, { EFFECT_LAMBDA_CODE_CACHE: "0" }),
        bundleBytes: realistic.bundleBytes
      }
    ]
    const ric = findRic()
    if (typeof ric === "string") notes.push(ric)
    else {
      // The native client is what aws-lambda-ric uses by default; without it, its node:http client.
      const client = ricClient(ric)
      notes.push(...ricClientNote(ric))
      const plain = await bundleForRic("realistic-plain")
      const effectAws = await bundleForRic("realistic-effect-aws")
      list.push(
        {
          id: "ric",
          label: `realistic: plain async handler on ${ric.label} (${client})`,
          realistic: true,
          spec: ricSpec(ric, plain.dir, env),
          bundleBytes: plain.bytes
        },
        {
          id: "effectAws",
          label: `realistic: @effect-aws/lambda on ${ric.label} (${client})`,
          realistic: true,
          spec: ricSpec(ric, effectAws.dir, env),
          bundleBytes: effectAws.bytes
        }
      )
    }

    const event = JSON.stringify(sampleOrder)
    const results = new Map<string, Array<Spawn>>(list.map((r) => [r.id, []]))
    for (let i = 0; i < spawns; i++) {
      log(`cold start (realistic suite) ${i + 1}/${spawns}`)
      for (const runtime of list) {
        const before = sqs.received()
        const sample: Sample = await measure(runtime.spec, 1, { event })
        results.get(runtime.id)!.push({
          coldStartMs: sample.coldStartMs,
          firstInvocationMs: sample.latencies[0] ?? NaN,
          firstResultMs: sample.coldStartMs + (sample.latencies[0] ?? NaN),
          releaseMs: sample.releases[0] ?? NaN,
          cpuMs: sample.coldCpuMs,
          cpuPreciseMs: sample.coldCpuPreciseMs,
          minorFaults: sample.coldMinorFaults,
          errors: sample.errors,
          messages: sqs.received() - before
        })
      }
    }
    return report(list, results, spawns, notes)
  } finally {
    sqs.close()
  }
}

const report = (
  list: ReadonlyArray<Runtime>,
  results: ReadonlyMap<string, ReadonlyArray<Spawn>>,
  spawns: number,
  notes: ReadonlyArray<string>
): SuiteReport => {
  const of = (id: string, key: keyof Spawn) => results.get(id)?.map((s) => s[key]) ?? []
  const rows = list.map((runtime) => {
    const s = results.get(runtime.id)!
    const pick = (key: keyof Spawn) => s.map((x) => x[key])
    return {
      id: runtime.id,
      runtime: runtime.label,
      coldStartMs: median(pick("coldStartMs")),
      coldStartMinMs: Math.min(...pick("coldStartMs")),
      firstInvocationMs: median(pick("firstInvocationMs")),
      firstResultMs: median(pick("firstResultMs")),
      releaseMs: median(pick("releaseMs")),
      cpuMs: median(pick("cpuMs")),
      cpuMeanMs: mean(pick("cpuMs")),
      cpuPreciseMs: median(pick("cpuPreciseMs")),
      minorFaults: median(pick("minorFaults")),
      bundleKb: runtime.bundleBytes / 1024,
      codeCacheKb: runtime.codeCacheBytes === undefined ? NaN : runtime.codeCacheBytes / 1024,
      errors: pick("errors").reduce((a, b) => a + b, 0),
      messages: runtime.realistic ? pick("messages").reduce((a, b) => a + b, 0) : NaN
    }
  })
  const has = (id: string) => results.has(id)
  const ratio = (
    a: string,
    b: string,
    key: keyof Spawn
  ) => (has(a) && has(b) ? pairedRatio(of(a, key), of(b, key)) : NaN)
  const ratios = {
    trivialColdVsLoop: ratio("trivial", "loop", "coldStartMs"),
    trivialCpuVsLoop: ratio("trivial", "loop", "cpuPreciseMs"),
    trivialFaultsVsLoop: ratio("trivial", "loop", "minorFaults"),
    realisticColdVsRic: ratio("ours", "ric", "coldStartMs"),
    realisticFirstResultVsRic: ratio("ours", "ric", "firstResultMs"),
    realisticCpuVsRic: ratio("ours", "ric", "cpuPreciseMs"),
    realisticFaultsVsRic: ratio("ours", "ric", "minorFaults"),
    realisticNoCacheColdVsRic: ratio("oursNoCache", "ric", "coldStartMs"),
    realisticFlaggedColdVsRic: ratio("oursFlagged", "ric", "coldStartMs"),
    realisticFlaggedCpuVsRic: ratio("oursFlagged", "ric", "cpuPreciseMs"),
    trivialFlaggedColdVsLoop: ratio("trivialFlagged", "loop", "coldStartMs"),
    trivialFlaggedCpuVsLoop: ratio("trivialFlagged", "loop", "cpuPreciseMs"),
    effectAwsColdVsRic: ratio("effectAws", "ric", "coldStartMs"),
    realisticColdVsEffectAws: ratio("ours", "effectAws", "coldStartMs")
  }
  const fixed = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "-")
  const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : "n/a")
  const verdict = (n: number, target: number, missing: string) =>
    Number.isFinite(n) ? (n <= target ? "met" : "NOT met") : missing
  const noRic = "not measured (aws-lambda-ric is not installed)"
  const markdown = [
    "| runtime | spawn→first /next ms (median / min) | first invocation ms | spawn→first result ms | result→next /next ms | CPU ms at first /next: utime+stime median / mean; schedstat median | minor faults at first /next | bundle KB | SQS messages / errors |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.runtime} | ${fixed(r.coldStartMs, 1)} / ${fixed(r.coldStartMinMs, 1)} | ${
        fixed(r.firstInvocationMs, 1)
      } | ${fixed(r.firstResultMs, 1)} | ` +
      `${fixed(r.releaseMs, 1)} | ${fixed(r.cpuMs, 0)} / ${fixed(r.cpuMeanMs, 1)}; ${fixed(r.cpuPreciseMs, 1)} | ${
        fixed(r.minorFaults, 0)
      } | ` +
      `${fixed(r.bundleKb, 0)}${
        Number.isFinite(r.codeCacheKb) ? ` (+ ${fixed(r.codeCacheKb, 0)} KB code cache)` : ""
      } | ` +
      `${Number.isFinite(r.messages) ? `${r.messages}/${spawns}` : "-"} / ${r.errors} |`
    ),
    "",
    `- Realistic function, cold start (spawn → first /next) vs the plain handler on aws-lambda-ric: ${
      x(ratios.realisticColdVsRic)
    } ` +
    `(target <= 1.10x): ${verdict(ratios.realisticColdVsRic, 1.1, noRic)}; spawn → first result ${
      x(ratios.realisticFirstResultVsRic)
    }, ` +
    `CPU ${x(ratios.realisticCpuVsRic)}, minor faults ${x(ratios.realisticFaultsVsRic)}; without the code cache ` +
    `${x(ratios.realisticNoCacheColdVsRic)}; with ${SEMI_SPACE_FLAG} ${x(ratios.realisticFlaggedColdVsRic)} (CPU ` +
    `${x(ratios.realisticFlaggedCpuVsRic)}); @effect-aws/lambda on aws-lambda-ric ${x(ratios.effectAwsColdVsRic)} ` +
    `(this runtime vs it: ${x(ratios.realisticColdVsEffectAws)})`,
    `- Trivial handler, cold start vs the hand-written loop, default build: ${
      x(ratios.trivialColdVsLoop)
    } (target <= 1.20x): ` +
    `${verdict(ratios.trivialColdVsLoop, 1.2, "-")}; CPU ${x(ratios.trivialCpuVsLoop)}, minor faults ${
      x(ratios.trivialFaultsVsLoop)
    }; ` +
    `with ${SEMI_SPACE_FLAG} ${x(ratios.trivialFlaggedColdVsLoop)} (CPU ${x(ratios.trivialFlaggedCpuVsLoop)})`,
    "",
    "This runtime's realistic function sends its SQS message from detached work, after the result " +
    "(in \"result→next /next\"); the aws-lambda-ric handlers await it before returning (in \"first invocation\"). " +
    "\"SQS messages\" counts the fake endpoint's SendMessage calls made before the process was stopped " +
    "(the second /next). utime+stime comes in 10 ms ticks; schedstat (ns) sums the live threads " +
    "(CPU ratios use it). Rows with " + SEMI_SPACE_FLAG + ": the same build with that V8 flag (the default passes " +
    "none: any V8 flag makes Node compile its own built-in modules without their code cache).",
    ...notes.map((note) => `Note: ${note}.`),
    `${spawns} spawns per runtime, interleaved; ratios are medians of per-spawn ratios. ` + machineNote()
  ].join("\n")
  return { markdown, json: { date: new Date().toISOString(), node: process.version, spawns, rows, ratios, notes } }
}

runStandalone(import.meta.url, "coldstart", () => {
  mkdirSync(here("./.build"), { recursive: true })
  return coldStartSuite(Math.max(1, Number(process.env.BENCH_COLD_SPAWNS ?? 20) || 20))
})
