/**
 * Observability on the Effect 3 line (issue 20, docs/design/observability.md): the settings read
 * once at init, and what the rest of the runtime asks of telemetry. This module is the light
 * part, loaded by every cold start: the recording tracer and the exporters (the HTTP client,
 * `node:dgram`) are in telemetryExport.ts, `import()`ed only when a setting turns telemetry on,
 * so that a function without the variables loads nothing more than before.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import type { RuntimeConfig } from "../../LambdaRuntime.js"
import type { Invocation } from "../../RuntimeApi.js"
import type { TelemetryEnvironment, TelemetrySettings } from "../core/telemetry/settings.js"
import { TELEMETRY_VARIABLES, telemetrySettings } from "../core/telemetry/settings.js"
import { recordSpan } from "../core/telemetry/records.js"

/**
 * Telemetry as the loop uses it, when some is on.
 *
 * @internal
 */
export interface Telemetry {
  readonly settings: TelemetrySettings
  /**
   * The handler's Effect under the invocation's SERVER span, with the recording tracer
   * installed (so its child and detached fibers record too); as is when traces are off.
   */
  readonly traced: <A, E>(invocation: Invocation, effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
  /**
   * Writes the EMF lines and sends the spans that ended, within `deadlineMs` (epoch ms). Never
   * fails and never changes an answer: a collector that fails costs one warning per streak.
   */
  readonly export: (deadlineMs: number) => Effect.Effect<void>
}

/**
 * The runtime's recording tracers: a span of one of them is the runtime's own (its ids are the
 * invocation's trace), which is what the log lines and the HTTP and batch hooks check. A
 * `WeakSet` rather than a flag so that runtimes of one process (tests, LambdaTest) stay apart.
 *
 * @internal
 */
export const recordingTracers = new WeakSet<Tracer.Tracer>()

/**
 * Whether `tracer` records for the runtime, i.e. traces are on.
 *
 * @internal
 */
export const isRecording = (tracer: Tracer.Tracer): boolean => recordingTracers.has(tracer)

/**
 * The span `fiber` runs in, when traces are on and it is one the runtime records (LambdaHttp
 * sets its attributes on it).
 *
 * @internal
 */
export const recordingSpan = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Tracer.Span | undefined => {
  const span = fiber.currentSpan
  return span !== undefined && span._tag === "Span" && isRecording(fiber.currentTracer) ? span : undefined
}

/**
 * The span options of a batch record's CONSUMER span (the core's `recordSpan`): linked to the
 * record's `attributes.AWSTraceHeader` (SQS) when it carries a valid one.
 *
 * @internal
 */
export const recordSpanOptions = (
  source: string,
  recordId: string,
  raw: unknown
): Tracer.SpanOptions & { readonly name: string } => {
  const { attributes, link, name } = recordSpan(source, recordId, raw)
  const links: Array<Tracer.SpanLink> = link === undefined ? [] : [{
    _tag: "SpanLink",
    // The producer's sampling decision is not in the link: only its ids are.
    span: Tracer.externalSpan({ traceId: link.traceId, spanId: link.spanId }),
    attributes: {}
  }]
  return { name, kind: "consumer", links, attributes }
}

/**
 * The telemetry variables, each optional: one `Config` read at init.
 *
 * @internal
 */
export const telemetryEnvironment: Config.Config<TelemetryEnvironment> = Config.map(
  Config.all(TELEMETRY_VARIABLES.map((name) => Config.option(Config.string(name)))),
  (values) => {
    const env: Partial<Record<(typeof TELEMETRY_VARIABLES)[number], string>> = {}
    values.forEach((value, i) => {
      if (Option.isSome(value)) env[TELEMETRY_VARIABLES[i]!] = value.value
    })
    return env
  }
)

/** `telemetryEnvironment` read straight from `variables` (each one set, even empty, is kept). */
const fromVariables = (variables: NodeJS.ProcessEnv): TelemetryEnvironment => {
  const env: Partial<Record<(typeof TELEMETRY_VARIABLES)[number], string>> = {}
  for (const name of TELEMETRY_VARIABLES) {
    const value = variables[name]
    if (value !== undefined) env[name] = value
  }
  return env
}

/**
 * The telemetry of this runtime, or undefined when no variable turns any on (then nothing else
 * is loaded). Never fails: telemetry is never a reason not to serve. The settings' problems are
 * returned to be logged once the runtime's logger is in place.
 *
 * @internal
 */
export const load = (
  config: RuntimeConfig,
  options: { readonly metricsNamespace?: string | undefined } = {},
  /** The default provider's variables, as init read them (environment.ts); undefined: through `Config`. */
  variables: NodeJS.ProcessEnv | undefined = undefined
): Effect.Effect<
  { readonly telemetry: Telemetry | undefined; readonly problems: ReadonlyArray<string> }
> =>
  Effect.gen(function*() {
    const env = variables === undefined
      ? yield* Effect.orElseSucceed(telemetryEnvironment, (): TelemetryEnvironment => ({}))
      : fromVariables(variables)
    const settings = telemetrySettings(env, options)
    if (settings.off) return { telemetry: undefined, problems: settings.problems }
    const { make } = yield* Effect.promise(() => import("./telemetryExport.js"))
    return { telemetry: make(settings, config), problems: settings.problems }
  }).pipe(Effect.catchAllDefect((defect) =>
    Effect.succeed({ telemetry: undefined, problems: [`Telemetry is off: ${String(defect)}`] })
  ))
