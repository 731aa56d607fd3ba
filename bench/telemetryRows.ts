/**
 * The rows of the telemetry suite (bench/telemetry.ts): which function, built how, with which
 * environment. Each line's function is built with that line's own `Build.build` for Node 22; the
 * baseline is bundled for aws-lambda-ric. The "before" rows build the same function against the
 * runtime's sources at BENCH_TELEMETRY_BASE (a git ref, default the commit before the
 * observability work), extracted with `git archive` into bench/.build, so that "tracing off is
 * unchanged" is measured in the same run.
 */
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs"
import { dirname, join } from "node:path"
import * as Build from "../src/Build.js"
import { build as build4 } from "../packages/effect4/bench/build.js"
import { findRic, ricClient, ricClientNote, ricSpec } from "./ric.js"
import type { ProcessSpec } from "./server.js"
import type { Sink } from "./telemetrySinks.js"
import { bundleForRic, here, lambdaEnv, log } from "./common.js"

/** What a row's telemetry is: off (before issue 20, now, now at a 50 ms pace) or where it goes. */
export type Telemetry = "before" | "off" | "off50" | "otlp0" | "otlp50" | "xray" | "emf"
export type Line = "effect3" | "effect4" | "ric"

export interface Row {
  readonly id: string
  readonly line: Line
  readonly telemetry: Telemetry
  readonly label: string
  readonly spec: ProcessSpec
}

/** The rows without telemetry: the references the others are compared with. */
export const isReference = (telemetry: Telemetry): boolean =>
  telemetry === "before" || telemetry === "off" || telemetry === "off50"

/** The commit before the observability work (the design and the core's stubs, not wired). */
const DEFAULT_BASE = "41effca"

export const lineLabel: Record<Line, string> = {
  effect3: "this runtime, Effect 3 line",
  effect4: "this runtime, Effect 4 line",
  ric: "aws-lambda-ric + OpenTelemetry SDK"
}

export const telemetryLabel: Record<Telemetry, string> = {
  before: "tracing off, the runtime before issue 20",
  off: "tracing off",
  off50: "tracing off, invoked every 50 ms (the reference of the 50 ms collector's row)",
  otlp0: "OTLP (http/json), collector answers at once",
  otlp50: "OTLP (http/json), collector answers after 50 ms",
  xray: "X-Ray (UDP daemon)",
  emf: "EMF metrics (stdout)"
}

/** The sinks in the bench process the rows send to. */
export interface Sinks {
  readonly otlp0: Sink
  readonly otlp50: Sink
  readonly xray: Sink & { readonly drain: () => Promise<void> }
}

/** The environment that turns a row's telemetry on (none for the references). */
const telemetryEnv = (telemetry: Telemetry, sinks: Sinks): Record<string, string> => {
  switch (telemetry) {
    case "before":
    case "off":
    case "off50":
      return {}
    case "otlp0":
    case "otlp50":
      return { OTEL_EXPORTER_OTLP_ENDPOINT: sinks[telemetry].address, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }
    case "xray":
      return { AWS_XRAY_DAEMON_ADDRESS: sinks.xray.address }
    case "emf":
      return { POWERTOOLS_METRICS_NAMESPACE: "bench" }
  }
}

/** The function's entry on each line, relative to the repository. */
const entries = {
  effect3: "bench/functions/telemetry.ts",
  effect4: "packages/effect4/bench/functions/telemetry.ts"
} as const

const builders: Record<"effect3" | "effect4", (options: Build.BuildOptions) => Promise<Build.BuildResult>> = {
  effect3: (options) => Effect.runPromise(Build.build(options)),
  effect4: build4
}

const git = (args: ReadonlyArray<string>) => spawnSync("git", [...args], { cwd: here(".."), encoding: "utf8" })

/**
 * The runtime's sources (both lines) at `ref`, with this suite's function files copied in, under
 * bench/.build/telemetry-base: its imports resolve to those sources, and `effect` to each line's
 * node_modules (the Effect 4 line's through a link). The root, or why there is none.
 */
const baseTree = (ref: string): { readonly root: string } | { readonly problem: string } => {
  const commit = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).stdout.trim()
  if (commit === "") return { problem: `BENCH_TELEMETRY_BASE ${ref} is not a commit of this repository` }
  const root = here("./.build/telemetry-base")
  rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })
  const tar = join(root, "sources.tar")
  const archive = git(["archive", "--format=tar", "-o", tar, commit, "src", "packages/effect4/src"])
  if (archive.status !== 0) return { problem: `git archive ${ref} failed: ${archive.stderr.trim()}` }
  const untar = spawnSync("tar", ["-xf", tar, "-C", root], { encoding: "utf8" })
  if (untar.status !== 0) return { problem: `tar -xf failed: ${untar.stderr.trim()}` }
  for (const file of [entries.effect3, entries.effect4, "bench/functions/telemetry/order.ts"]) {
    mkdirSync(dirname(join(root, file)), { recursive: true })
    copyFileSync(here(`../${file}`), join(root, file))
  }
  symlinkSync(here("../packages/effect4/node_modules"), join(root, "packages/effect4/node_modules"))
  return { root }
}

/** Builds the rows: both lines' function now and before, and the aws-lambda-ric baseline. */
export const rowsOf = async (node: string, sinks: Sinks, notes: Array<string>): Promise<Array<Row>> => {
  const env = { ...lambdaEnv, PATH: `${dirname(node)}:${lambdaEnv.PATH}`, EFFECT_LAMBDA_NODE: node }
  const rows: Array<Row> = []
  const ref = process.env.BENCH_TELEMETRY_BASE ?? DEFAULT_BASE
  const base = ref === "" ? { problem: "BENCH_TELEMETRY_BASE is empty" } : baseTree(ref)
  if ("problem" in base) notes.push(`no rows of the runtime before issue 20: ${base.problem}`)
  // http/json only: both lines send OTLP as JSON whatever OTEL_EXPORTER_OTLP_PROTOCOL says.
  const lineRows: ReadonlyArray<Telemetry> = ["before", "off", "otlp0", "off50", "otlp50", "xray", "emf"]
  for (const line of ["effect3", "effect4"] as const) {
    const built: Partial<Record<"before" | "now", Build.BuildResult>> = {}
    for (const version of ["before", "now"] as const) {
      if (version === "before" && !("root" in base)) continue
      const root = version === "now" ? here("..") : (base as { root: string }).root
      try {
        const result = await builders[line]({
          entry: join(root, entries[line]),
          outdir: here(`./.build/telemetry-${line}${version === "now" ? "" : "-before"}`),
          nodeBinary: node
        })
        for (const warning of result.warnings) log(`telemetry build ${line} ${version}: ${warning}`)
        built[version] = result
      } catch (error) {
        notes.push(`${lineLabel[line]} (${version}): the function did not build (${String(error).slice(0, 300)})`)
      }
    }
    for (const telemetry of lineRows) {
      const result = built[telemetry === "before" ? "before" : "now"]
      if (result === undefined) continue
      rows.push({
        id: `${line}-${telemetry}`,
        line,
        telemetry,
        label: `${lineLabel[line]}, ${telemetryLabel[telemetry]}${telemetry === "before" ? ` (${ref})` : ""}`,
        spec: { command: result.bootstrap, args: [], env: { ...env, ...telemetryEnv(telemetry, sinks) } }
      })
    }
  }
  const ric = findRic()
  if (typeof ric === "string") {
    notes.push(ric)
    return rows
  }
  notes.push(...ricClientNote(ric))
  const bundle = await bundleForRic("telemetry-otel", "telemetry-otel")
  const ricRows: ReadonlyArray<readonly [Telemetry, Record<string, string>]> = [
    ["off", { BENCH_OTEL: "0" }],
    ["otlp0", { OTEL_EXPORTER_OTLP_ENDPOINT: sinks.otlp0.address }],
    ["otlp50", { OTEL_EXPORTER_OTLP_ENDPOINT: sinks.otlp50.address }]
  ]
  for (const [telemetry, extra] of ricRows) {
    rows.push({
      id: `ric-${telemetry}`,
      line: "ric",
      telemetry,
      label: telemetry === "off"
        ? `${ric.label} (${ricClient(ric)}), the same handler without OpenTelemetry (reference)`
        : `${ric.label} (${ricClient(ric)}) + OpenTelemetry SDK, forceFlush per invocation, ${
          telemetryLabel[telemetry].replace("OTLP (http/json), ", "")
        }`,
      spec: { ...ricSpec(ric, bundle.dir, env, extra), command: node }
    })
  }
  return rows
}
