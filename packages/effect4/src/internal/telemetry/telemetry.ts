/**
 * Observability on the Effect 4 line (docs/design/observability.md): which telemetry is on, read
 * once at init from the standard variables; each invocation in its SERVER span; and the export
 * of what ended (EMF lines, X-Ray documents, one OTLP request) in the window after the response,
 * before the lane asks for the next invocation. Without any of the variables nothing here runs
 * and nothing more is loaded.
 *
 * @internal
 */
import * as Config from "effect/Config"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import {
  Emf,
  Faas,
  LogLine,
  Otlp,
  OtlpPost,
  PackageVersion,
  Spans,
  TelemetrySettings,
  TraceHeader,
  XRay
} from "../core.js"
import type { Requests } from "../core.js"
import * as RecordingTracer from "./tracer.js"

/** How many finished spans wait for an export at most (the rest are dropped and counted). */
const BUFFER_CAPACITY = 2048

/**
 * The key of `effect/observability`'s `OtlpExporter.Flusher`: a user layer with
 * `OtlpTracer.layer` (or `Otlp.layer`) provides it. Read by key, so that the module is not
 * loaded for functions without it.
 */
const FLUSHER_KEY = "effect/observability/OtlpExporter/Flusher"

/**
 * The flush of the exporters the user's layer brought, if it brought any.
 *
 * @internal
 */
export const userFlushOf = (services: Context.Context<never>): Effect.Effect<void> | undefined => {
  const flusher: unknown = services.mapUnsafe.get(FLUSHER_KEY)
  if (typeof flusher !== "object" || flusher === null || !("flush" in flusher)) return undefined
  // `Flusher.flush` is `Effect<void>`: it cannot fail and needs nothing.
  return Effect.isEffect(flusher.flush) ? Effect.asVoid(flusher.flush as Effect.Effect<unknown>) : undefined
}

/**
 * The telemetry variables (`TelemetrySettings.TELEMETRY_VARIABLES`), read through `Config`.
 *
 * @internal
 */
export const environment: Config.Config<TelemetrySettings.TelemetryEnvironment> = Config.all(
  Object.fromEntries(
    TelemetrySettings.TELEMETRY_VARIABLES.map((name) => [name, Config.option(Config.String(name))])
  )
).pipe(
  Config.map((values) => {
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(values)) if (Option.isSome(value)) env[name] = value.value
    return env as TelemetrySettings.TelemetryEnvironment
  })
)

/**
 * What the lanes use: the tracer to install, each invocation's span, the export.
 *
 * @internal
 */
export interface Telemetry {
  /** The tracer of the lanes' services; undefined when only metrics are on. */
  readonly tracer: Tracer.Tracer | undefined
  /** The handler's effect inside the invocation's SERVER span (itself when traces are off). */
  readonly traced: <A, E, R>(effect: Effect.Effect<A, E, R>, invocation: Requests.Invocation) => Effect.Effect<A, E, R>
  /**
   * Exports what is pending: EMF lines, then the spans that ended. Bounded by `untilMs` (the
   * invocation's hard deadline, or the shutdown's) and the OTLP timeout; never fails.
   */
  readonly flush: (nowMs: number, untilMs: number) => Effect.Effect<void>
}

/** Effect's metrics as the core's samples: counters, gauges and histograms (frequencies and summaries have no EMF form). */
const samplesOf = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>): Array<Emf.MetricSample> => {
  const samples: Array<Emf.MetricSample> = []
  for (const snapshot of snapshots) {
    const tags = Object.entries(snapshot.attributes ?? {}).map(([key, value]) => [key, String(value)] as const)
    if (snapshot.type === "Counter") {
      samples.push({ kind: "counter", name: snapshot.id, tags, count: Number(snapshot.state.count) })
    } else if (snapshot.type === "Gauge") {
      samples.push({ kind: "gauge", name: snapshot.id, tags, value: Number(snapshot.state.value) })
    } else if (snapshot.type === "Histogram") {
      const { buckets, count, sum } = snapshot.state
      samples.push({ kind: "histogram", name: snapshot.id, tags, buckets, count, sum })
    }
  }
  return samples
}

/**
 * The telemetry for `settings` (the result of `TelemetrySettings.telemetrySettings`), with its
 * exporters opened (the X-Ray socket on its first datagram).
 *
 * @internal
 */
export const make = (
  settings: TelemetrySettings.TelemetrySettings,
  functionSettings: { readonly functionName: string; readonly region: string }
): Effect.Effect<Telemetry> =>
  Effect.sync(() => {
    const { emf, otlp, xray } = settings
    const tracesOn = otlp !== undefined || xray !== undefined
    const buffer = new Spans.SpanBuffer(BUFFER_CAPACITY)
    const daemon = xray === undefined ? undefined : XRay.makeDaemonSender(xray)
    const streak = new Otlp.FailureStreak(`the OTLP collector at ${otlp?.url}`)
    const deltas = emf === undefined ? undefined : new Emf.MetricDeltas()
    let coldStart = true
    let emfColdStart = true

    const traced: Telemetry["traced"] = (effect, invocation) => {
      const header = TraceHeader.parseTraceHeader(invocation.traceId)
      const attributes = Faas.invocationAttributes({
        requestId: invocation.requestId,
        invokedFunctionArn: invocation.functionArn,
        coldStart,
        trigger: Faas.triggerOfBytes(invocation.body),
        region: functionSettings.region
      })
      coldStart = false
      return Effect.withSpan(effect, functionSettings.functionName, {
        kind: "server",
        attributes,
        // Exported to OTLP whatever the header says; X-Ray reads the header's own decision
        // (the parent's `sampled`, tracer.ts).
        sampled: true,
        ...(header === undefined
          ? { root: true }
          : {
            parent: Tracer.externalSpan({
              traceId: header.traceId,
              spanId: header.parentSpanId ?? TraceHeader.newSpanId(),
              sampled: header.sampled === true
            })
          })
      })
    }

    const exportSpans = (nowMs: number, untilMs: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (buffer.isEmpty()) return Effect.void
        const spans = buffer.take()
        const toDaemon = daemon === undefined
          ? Effect.void
          : Effect.promise(() => daemon.send(spans, settings.serviceName))
        if (otlp === undefined || streak.paused(nowMs)) return Effect.asVoid(toDaemon)
        const budget = Math.max(0, Math.min(otlp.timeoutMs, untilMs - nowMs))
        const body = JSON.stringify(Otlp.toTraceData(spans, settings.resource, PackageVersion.EFFECT4_VERSION))
        // Interrupted (the timeout, a shutdown), the request is aborted through its signal.
        const post = Effect.tryPromise({
          try: (signal) => OtlpPost.postOtlp(otlp.url, otlp.headers, body, "application/json", signal),
          catch: OtlpPost.reasonOf
        })
        const toCollector = post.pipe(
          Effect.timeoutOrElse({
            duration: Duration.millis(budget),
            orElse: () => Effect.fail(`no answer within ${budget} ms`)
          }),
          Effect.matchEffect({
            onSuccess: () => Effect.sync(() => streak.succeeded()),
            onFailure: (reason) => {
              const line = streak.failed(nowMs, reason)
              return line === undefined ? Effect.void : Effect.logWarning(line)
            }
          }),
          // A shutdown that interrupts the window's export: the spans go back to the buffer, for
          // the shutdown's own export (program.ts), rather than being lost with the request.
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              for (const span of spans) buffer.push(span)
            })
          )
        )
        return Effect.all([toDaemon, toCollector], { concurrency: 2, discard: true })
      })

    const writeMetrics = (nowMs: number): Effect.Effect<void> =>
      Effect.map(Metric.snapshot, (snapshots) => {
        if (emf === undefined || deltas === undefined) return
        if (emfColdStart) {
          emfColdStart = false
          LogLine.writeStdout(Emf.coldStartLine(emf, functionSettings.functionName, nowMs))
        }
        for (const line of deltas.lines(samplesOf(snapshots), emf, nowMs).lines) LogLine.writeStdout(line)
      })

    const flush: Telemetry["flush"] = (nowMs, untilMs) =>
      Effect.andThen(
        emf === undefined ? Effect.void : writeMetrics(nowMs),
        tracesOn ? exportSpans(nowMs, untilMs) : Effect.void
      ).pipe(Effect.withTracerEnabled(false))

    return {
      tracer: tracesOn ? RecordingTracer.make(buffer) : undefined,
      traced: tracesOn ? traced : (effect) => effect,
      flush
    }
  })
