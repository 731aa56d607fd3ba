/**
 * Telemetry once a setting turns it on (telemetry.ts `import()`s this module only then): the
 * invocation's SERVER span, the recording tracer, and the export of the detached window (EMF
 * lines, then spans to the X-Ray daemon and to the OTLP collector).
 *
 * OTLP on this line is always `http/json`: `http/protobuf` would need `@effect/opentelemetry`'s
 * serializer, which is not a dependency, and an `import()` of a missing optional package breaks
 * the users' esbuild bundles; the settings' protocol falls back to JSON with one init warning.
 *
 * The POST is the core's (Node's own `http`, on connections of its own, never the Runtime API's),
 * rather than `@effect/platform`'s `FetchHttpClient`: that client brings `Schema` (and through it
 * fast-check) into every bundle, telemetry on or off, which measured 130 KB more bundle and
 * about 14 ms more cold start for a plain function that never exports anything.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricState from "effect/MetricState"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import type { RuntimeConfig } from "../../LambdaRuntime.js"
import type { Invocation } from "../../RuntimeApi.js"
import type { MetricSample } from "../core/telemetry/emf.js"
import { coldStartLine, MetricDeltas } from "../core/telemetry/emf.js"
import { invocationAttributes, triggerOfBytes } from "../core/telemetry/faas.js"
import { FailureStreak, toTraceData } from "../core/telemetry/otlp.js"
import { postOtlp, reasonOf } from "../core/telemetry/otlpPost.js"
import type { TelemetrySettings } from "../core/telemetry/settings.js"
import { SpanBuffer } from "../core/telemetry/spans.js"
import type { FinishedSpan } from "../core/telemetry/spans.js"
import { parseTraceHeader } from "../core/telemetry/traceHeader.js"
import type { DaemonSender } from "../core/telemetry/xray.js"
import { makeDaemonSender } from "../core/telemetry/xray.js"
import { VERSION } from "../core/version.js"
import { writeStdout } from "../core/logLine.js"
import type { Telemetry } from "./telemetry.js"
import { makeTracer, RecordingSpan } from "./telemetryTracer.js"

/** The spans waiting for an export at most (beyond it they are dropped and counted). */
const BUFFER_CAPACITY = 2048

/**
 * Effect's metrics registry as the EMF module's samples: counters, gauges and histograms.
 * Frequencies and summaries have no EMF form the deltas could carry (a frequency is a count per
 * string, a summary's quantiles do not add up) and are left out. So are Effect's own fiber
 * metrics (`effect_fiber_*`): Effect 3's default runtime records them in every process, and as
 * EMF they would be custom CloudWatch metrics, paid for, that the function never asked for.
 */
const metricSamples = (): Array<MetricSample> => {
  const samples: Array<MetricSample> = []
  for (const pair of Metric.unsafeSnapshot()) {
    const name = pair.metricKey.name
    if (name.startsWith("effect_fiber_")) continue
    const tags = pair.metricKey.tags.map((label) => [label.key, label.value] as const)
    const state: unknown = pair.metricState
    if (MetricState.isCounterState(state)) {
      samples.push({ kind: "counter", name, tags, count: Number(state.count) })
    } else if (MetricState.isGaugeState(state)) {
      samples.push({ kind: "gauge", name, tags, value: Number(state.value) })
    } else if (MetricState.isHistogramState(state)) {
      samples.push({ kind: "histogram", name, tags, buckets: state.buckets, count: state.count, sum: state.sum })
    }
  }
  return samples
}

/**
 * Telemetry with `settings` on: the state every invocation of the process shares.
 *
 * @internal
 */
export const make = (settings: TelemetrySettings, config: RuntimeConfig): Telemetry => {
  const tracesOn = settings.otlp !== undefined || settings.xray !== undefined
  const buffer = new SpanBuffer(BUFFER_CAPACITY)
  const tracer = tracesOn ? makeTracer(buffer) : undefined
  const deltas = new MetricDeltas()
  const streak = new FailureStreak("OTLP traces export")
  let sender: DaemonSender | undefined = undefined
  let invocations = 0
  let coldStartWritten = false

  const traced = <A, E>(invocation: Invocation, effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
    const coldStart = invocations === 0
    invocations++
    if (tracer === undefined) return effect
    return Effect.flatMap(Clock.currentTimeNanos, (startTime) => {
      const header = parseTraceHeader(invocation.traceId)
      const parent = header?.parentSpanId === undefined ? Option.none() : Option.some(Tracer.externalSpan({
        traceId: header.traceId,
        spanId: header.parentSpanId,
        sampled: header.sampled ?? false
      }))
      const span = new RecordingSpan(
        buffer,
        config.functionName,
        parent,
        Context.empty(),
        [],
        startTime,
        "server",
        header === undefined ? undefined : { traceId: header.traceId, sampled: header.sampled ?? false }
      )
      const attributes = invocationAttributes({
        requestId: invocation.requestId,
        invokedFunctionArn: invocation.functionArn,
        coldStart,
        trigger: triggerOfBytes(invocation.body),
        region: config.region
      })
      for (const [key, value] of Object.entries(attributes)) span.attribute(key, value)
      return effect.pipe(
        Effect.withParentSpan(span),
        Effect.onExit((exit) => Effect.map(Clock.currentTimeNanos, (endTime) => span.end(endTime, exit))),
        Effect.withTracer(tracer)
      )
    })
  }

  const writeEmf = (): void => {
    const emf = settings.emf
    if (emf === undefined) return
    const now = Date.now()
    if (!coldStartWritten && invocations > 0) {
      coldStartWritten = true
      writeStdout(coldStartLine(emf, config.functionName, now))
    }
    for (const line of deltas.lines(metricSamples(), emf, now).lines) writeStdout(line)
  }

  const sendXRay = (spans: ReadonlyArray<FinishedSpan>): Effect.Effect<void> => {
    const xray = settings.xray
    if (xray === undefined || !spans.some((span) => span.sampled)) return Effect.void
    return Effect.promise(() => {
      sender ??= makeDaemonSender(xray)
      return sender.send(spans, settings.serviceName)
    })
  }

  const sendOtlp = (spans: ReadonlyArray<FinishedSpan>, deadlineMs: number): Effect.Effect<void> => {
    const otlp = settings.otlp
    if (otlp === undefined) return Effect.void
    return Effect.suspend(() => {
      if (streak.paused(Date.now())) return Effect.void
      const budgetMs = Math.max(0, Math.min(deadlineMs - Date.now(), otlp.timeoutMs))
      const body = JSON.stringify(toTraceData(spans, settings.resource, VERSION))
      // Interrupted (the timeout, a shutdown), the request is aborted through its signal.
      const post = Effect.tryPromise({
        try: (signal) => postOtlp(otlp.url, otlp.headers, body, "application/json", signal),
        catch: (error) => error
      })
      return post.pipe(
        Effect.timeoutFail({
          duration: Duration.millis(budgetMs),
          onTimeout: () => new Error(`no answer within ${budgetMs} ms`)
        }),
        Effect.matchCauseEffect({
          onSuccess: () => Effect.sync(() => streak.succeeded()),
          onFailure: (cause) => {
            const failure = cause._tag === "Fail" ? reasonOf(cause.error) : "the export died"
            const line = streak.failed(Date.now(), failure)
            return line === undefined ? Effect.void : Effect.logWarning(line)
          }
        }),
        // A shutdown that interrupts the window's export: the spans go back to the buffer, for
        // the export of the shutdown itself (init.ts), rather than being lost with the POST.
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            for (const span of spans) buffer.push(span)
          })
        )
      )
    })
  }

  const exportNow = (deadlineMs: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      writeEmf()
      if (buffer.isEmpty()) return Effect.void
      const spans = buffer.take()
      return Effect.zipRight(sendXRay(spans), sendOtlp(spans, deadlineMs))
    }).pipe(
      // Telemetry never fails the loop: a defect of an exporter is one warning line.
      Effect.catchAllDefect((defect) => Effect.logWarning(`Telemetry export failed: ${reasonOf(defect)}`)),
      Effect.withTracerEnabled(false)
    )

  return { settings, traced, export: exportNow }
}
