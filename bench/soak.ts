/**
 * The soak: 20,000 mixed invocations (success, typed failure, defect, detached work and, every
 * 500th, a handler that never ends and is timed out by the runtime) served by one runtime process
 * through the emulator, each answered exactly once. The function reports its own RSS, heap and
 * open handles (`process.getActiveResourcesInfo()`) after start-up, after a warm-up and at the
 * end.
 *
 *   npx tsx bench/soak.ts            # SOAK_INVOCATIONS=20000 SOAK_WARMUP=2000
 *
 * Exits 1 (standalone) when an invocation was not answered exactly once with what its kind
 * expects, when a detached task was still running at the next invocation, or when the platform
 * had to time out or reset anything.
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import { pathToFileURL } from "node:url"
import * as Emulator from "../src/Emulator.js"
import { here, knob } from "./common.js"
import type { SoakKind } from "./functions/soak.js"

/** What the function reports about itself. */
export interface ProcessStats {
  readonly rssMb: number
  readonly heapUsedMb: number
  readonly handles: number
  readonly resources: Readonly<Record<string, number>>
  readonly detached: { readonly started: number; readonly finished: number }
}

export interface SoakResult {
  readonly invocations: number
  readonly counts: Readonly<Record<string, number>>
  /** Invocations not answered exactly once with the outcome their kind expects. */
  readonly wrong: number
  readonly firstWrong: ReadonlyArray<string>
  /** Detached invocations whose earlier detached tasks were not all finished. */
  readonly detachedViolations: number
  readonly resets: number
  readonly seconds: number
  readonly atStart: ProcessStats
  readonly afterWarmup: ProcessStats
  readonly atEnd: ProcessStats
  readonly logBytes: number
}

const kindOf = (i: number): SoakKind =>
  i % 500 === 499 ? "timeout" : (["success", "failure", "defect", "detached"] as const)[i % 4]!

const TIMEOUT_MS = 3000
/** The timed-out invocations get a short deadline (the runtime's margin is 200 ms). */
const SHORT_TIMEOUT_MS = 400

/** What the record of an invocation of `kind` must look like; a description of the difference, or undefined. */
const check = (kind: SoakKind, n: number, record: Emulator.InvocationRecord): string | undefined => {
  const accepted = record.posts.filter((post) => post.status === 202).length
  if (accepted !== 1 || record.posts.length !== 1) {
    return `#${n} ${kind}: ${record.posts.length} posts, ${accepted} accepted`
  }
  const outcome = record.outcome
  const errorType = outcome?._tag === "Error" ? outcome.errorTypeHeader : undefined
  const ok = kind === "success" || kind === "detached"
    ? outcome?._tag === "Response" && (JSON.parse(outcome.text) as { n: number }).n === n
    : kind === "failure"
    ? errorType === "SoakFailure"
    : kind === "defect"
    ? errorType === "Error"
    : kind === "timeout"
    ? errorType === "Runtime.HandlerTimeout"
    : outcome?._tag === "Response"
  return ok ? undefined : `#${n} ${kind}: ${JSON.stringify(outcome).slice(0, 200)}`
}

const runtimeProcess = (environment: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", here("./functions/soak.ts")], {
        env: { ...process.env, ...environment },
        stdio: ["ignore", "pipe", "inherit"]
      })
      // Its log lines (one per failure) are counted, not kept.
      const log = { bytes: 0 }
      child.stdout!.on("data", (chunk: Buffer) => void (log.bytes += chunk.length))
      return { child, log }
    }),
    ({ child }) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGTERM")
      })
  )

/** Runs the soak in a scope (the emulator and the function process are closed with it). */
export const soak = (invocations = 20_000, warmup = 2_000): Effect.Effect<SoakResult, never, Scope.Scope> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({ functionTimeoutMs: TIMEOUT_MS })
    const { log } = yield* runtimeProcess(emulator.environment)
    const stats = Effect.gen(function*() {
      const record = yield* emulator.invoke({ kind: "stats", n: -1 })
      if (record.outcome?._tag !== "Response") {
        return yield* Effect.dieMessage(`stats: ${JSON.stringify(record.outcome)}`)
      }
      return JSON.parse(record.outcome.text) as ProcessStats
    })
    const atStart = yield* stats
    let afterWarmup = atStart
    const counts: Record<string, number> = {}
    const problems: Array<string> = []
    let detachedViolations = 0
    const startedAt = performance.now()
    for (let n = 0; n < invocations; n++) {
      if (n === warmup) afterWarmup = yield* stats
      const kind = kindOf(n)
      counts[kind] = (counts[kind] ?? 0) + 1
      const record = yield* emulator.invoke({ kind, n }, kind === "timeout" ? { timeoutMs: SHORT_TIMEOUT_MS } : {})
      const problem = check(kind, n, record)
      if (problem !== undefined) problems.push(problem)
      else if (kind === "detached" && record.outcome?._tag === "Response") {
        const evidence = JSON.parse(record.outcome.text) as { started: number; finished: number }
        if (evidence.finished !== evidence.started) detachedViolations++
      }
    }
    const seconds = (performance.now() - startedAt) / 1000
    const atEnd = yield* stats
    const all = yield* emulator.invocations
    // every invocation but the last was released by a /next
    const unreleased = all.slice(0, -1).filter((record) => record.nextAfterResultAt === undefined).length
    if (unreleased > 0) problems.push(`${unreleased} invocations were never followed by a /next`)
    return {
      invocations,
      counts,
      wrong: problems.length,
      firstWrong: problems.slice(0, 5),
      detachedViolations,
      resets: (yield* emulator.resets).length,
      seconds,
      atStart,
      afterWarmup,
      atEnd,
      logBytes: log.bytes
    }
  })

const handlesOf = (stats: ProcessStats) =>
  `${stats.handles} (active resources: ${
    Object.entries(stats.resources).map(([name, count]) => `${name} ${count}`).join(", ")
  })`

/** One line for the benchmark's results. */
export const describeSoak = (result: SoakResult): string => {
  const passed = result.wrong === 0 && result.detachedViolations === 0 && result.resets === 0
  return `Mixed soak: ${result.invocations} invocations (${
    Object.entries(result.counts).map(([k, v]) => `${v} ${k}`).join(", ")
  }) ` +
    `in ${result.seconds.toFixed(1)} s, ${result.invocations - result.wrong} answered exactly once as expected, ` +
    `${result.detachedViolations} detached violations, ${result.resets} platform resets; function RSS ` +
    `${result.atStart.rssMb.toFixed(1)} MB at start, ${result.afterWarmup.rssMb.toFixed(1)} after warm-up, ` +
    `${result.atEnd.rssMb.toFixed(1)} at the end; heap after GC ${result.afterWarmup.heapUsedMb.toFixed(1)} -> ` +
    `${result.atEnd.heapUsedMb.toFixed(1)} MB; open handles ${handlesOf(result.atStart)} at start, ${
      handlesOf(result.atEnd)
    } at the end: ` +
    (passed ? "PASS" : `FAIL (${result.firstWrong.join("; ")})`)
}

/** For bench/run.ts: runs the soak with SOAK_INVOCATIONS / SOAK_WARMUP and returns its results line. */
export const runSoak = (): Promise<string> =>
  Effect.runPromise(Effect.scoped(soak(knob("SOAK_INVOCATIONS", 20_000), knob("SOAK_WARMUP", 2_000)))).then(
    describeSoak
  )

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  Effect.runPromise(Effect.scoped(soak(knob("SOAK_INVOCATIONS", 20_000), knob("SOAK_WARMUP", 2_000)))).then(
    (result) => {
      console.log(JSON.stringify(result, null, 2))
      console.log(describeSoak(result))
      if (result.wrong > 0 || result.detachedViolations > 0 || result.resets > 0) process.exitCode = 1
    },
    (error) => {
      console.error(error)
      process.exitCode = 1
    }
  )
}
