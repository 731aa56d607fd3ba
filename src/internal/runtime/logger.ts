import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashSet from "effect/HashSet"
import * as HashMap from "effect/HashMap"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Tracer from "effect/Tracer"
import { fromCause } from "./causeDocument.js"
import { describe } from "../core/inspect.js"
import * as LogLine from "../core/logLine.js"
import { REQUEST_ID, TENANT_ID } from "../core/logLine.js"
import type { ErrorDocument } from "../core/protocol.js"
import type { LogFormat } from "../../LambdaRuntime.js"
import { isRecording } from "./telemetry.js"

/**
 * Lambda's log formats (`AWS_LAMBDA_LOG_FORMAT`), declared in `LambdaRuntime`.
 *
 * @internal
 */
export type { LogFormat }

/**
 * The annotations that carry the request id, and the tenant id of an invocation that has one, on
 * every line logged during an invocation (core/logLine.ts).
 *
 * @internal
 */
export { REQUEST_ID, TENANT_ID } from "../core/logLine.js"

/**
 * `annotations` with an invocation's request id, and its tenant id when it has one.
 *
 * @internal
 */
export const invocationAnnotations = (
  annotations: HashMap.HashMap<string, unknown>,
  requestId: string | undefined,
  tenantId: string | undefined
): HashMap.HashMap<string, unknown> => {
  if (requestId === undefined) return annotations
  const withId = HashMap.set(annotations, REQUEST_ID, requestId as unknown)
  return tenantId === undefined ? withId : HashMap.set(withId, TENANT_ID, tenantId as unknown)
}

/**
 * The level's name in Lambda's logs (`WARN`, `TRACE`...).
 *
 * @internal
 */
export const lambdaLevel = (level: LogLevel.LogLevel): string => LogLine.levelName(level.label)

const levels = {
  Trace: LogLevel.Trace,
  Debug: LogLevel.Debug,
  Info: LogLevel.Info,
  Warn: LogLevel.Warning,
  Error: LogLevel.Error,
  Fatal: LogLevel.Fatal
} as const

/**
 * Maps `AWS_LAMBDA_LOG_LEVEL` values (`TRACE` ... `FATAL`) to Effect's levels.
 *
 * @internal
 */
export const parseLogLevel = (value: string): LogLevel.LogLevel | undefined => {
  const name = LogLine.parseLevel(value)
  return name === undefined ? undefined : levels[name]
}

const partText = (part: unknown): string => {
  if (typeof part === "string") return part
  if (typeof part === "object" && part !== null) {
    try {
      // Effect's own rendering first (JSON, cycles dropped, `Redacted` values hidden) ...
      const json = Inspectable.stringifyCircular(part, 0)
      if (typeof json === "string") return json
    } catch {
      // ... and when it throws (a BigInt, a throwing getter, a Proxy), a description that cannot.
    }
  }
  return describe(part)
}

const messageText = (message: unknown): string =>
  Array.isArray(message) ? message.map(partText).join(" ") : partText(message)

/**
 * `Cause.pretty`, which throws on some values (a BigInt field, a throwing getter, a Proxy);
 * then each failure and defect on a line of its own, described without touching them twice.
 *
 * @internal
 */
export const prettyCause = (cause: Cause.Cause<unknown>): string => {
  try {
    return Cause.pretty(cause, { renderErrorCause: true })
  } catch {
    try {
      return LogLine.fallbackCauseText([...Cause.failures(cause), ...Cause.defects(cause)])
    } catch {
      // `Cause` traversal touches no user value; kept total all the same.
      return LogLine.fallbackCauseText([])
    }
  }
}

/** What core/logLine.ts writes a line of: the entry's parts, rendered here (total). */
const partsOf = (
  annotations: HashMap.HashMap<string, unknown>,
  cause: Cause.Cause<unknown>,
  date: Date,
  logLevel: LogLevel.LogLevel,
  message: unknown
): LogLine.LogParts => {
  let text: string
  try {
    text = messageText(message)
  } catch (error) {
    // Everything above is total; this is for a message too long to be a string.
    text = `(this log line could not be written: ${describe(error)})`
  }
  return {
    date,
    level: lambdaLevel(logLevel),
    message: text,
    annotations,
    error: Cause.isEmpty(cause) ? undefined : { document: fromCause(cause), pretty: prettyCause(cause) }
  }
}

/** Lambda's text format: `timestamp <TAB> requestId <TAB> LEVEL <TAB> message`, as Node's runtime prints it. */
const textLogger = (write: (line: string) => void) =>
  Logger.make(({ annotations, cause, date, logLevel, message }) =>
    write(LogLine.textLine(partsOf(annotations, cause, date, logLevel, message), partText))
  )

/**
 * The span the line is logged in, when traces are on and the span is the runtime's (so that
 * CloudWatch lines join the invocation's trace); other spans (Effect's default tracer) have ids
 * no backend knows.
 */
const spanOf = (fiberRefs: FiberRefs.FiberRefs): LogLine.LogParts["span"] => {
  const span = Context.getOption(FiberRefs.getOrDefault(fiberRefs, FiberRef.currentContext), Tracer.ParentSpan)
  if (span._tag === "None") return undefined
  const services = FiberRefs.getOrDefault(fiberRefs, DefaultServices.currentServices)
  return isRecording(Context.get(services, Tracer.Tracer)) ? span.value : undefined
}

/** Lambda's JSON format: `timestamp`, `level`, `requestId`, `message`, then the annotations. */
const jsonLogger = (write: (line: string) => void) =>
  Logger.make(({ annotations, cause, context, date, logLevel, message }) =>
    write(LogLine.jsonLine({ ...partsOf(annotations, cause, date, logLevel, message), span: spanOf(context) }))
  )

/** @internal */
export const writeStdout = LogLine.writeStdout

/**
 * `Effect.logError(message, cause)` that cannot fail: when a logger throws on the cause (a
 * user's logger, say), the line is logged again with the error document in its text, and
 * when that throws as well, nothing is logged. Reporting a failure must not fail with it.
 *
 * @internal
 */
export const logCause = (
  message: string,
  cause: Cause.Cause<unknown>,
  document?: ErrorDocument
): Effect.Effect<void> =>
  Effect.catchAllCause(Effect.logError(message, cause), () =>
    Effect.catchAllCause(
      Effect.suspend(() => {
        const { errorMessage, errorType } = document ?? fromCause(cause)
        return Effect.logError(`${message}: ${errorType}: ${errorMessage}`)
      }),
      () => Effect.void
    ))

/**
 * `Effect.logError(message)` that cannot fail, for the loop's own reporting.
 *
 * @internal
 */
export const logErrorSafely = (message: string): Effect.Effect<void> =>
  Effect.catchAllCause(Effect.logError(message), () => Effect.void)

/**
 * A logger in Lambda's format, writing one line per entry.
 *
 * @internal
 */
export const make = (format: LogFormat, write: (line: string) => void = writeStdout): Logger.Logger<unknown, void> =>
  format === "JSON" ? jsonLogger(write) : textLogger(write)

/**
 * Replaces Effect's default logger with Lambda's format and sets the minimum level.
 *
 * @internal
 */
export const layer = (format: LogFormat, level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, make(format)), Logger.minimumLogLevel(level))

/**
 * What `layer` does, as a plain wrapper: the runtime applies it once at start-up, where
 * building a Layer (memo map, scope, two layers merged) cost a measurable part of a cold start.
 *
 * @internal
 */
export const provide =
  (format: LogFormat, level: LogLevel.LogLevel) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.locallyWith(
        FiberRef.currentLoggers,
        (loggers) => HashSet.add(HashSet.remove(loggers, Logger.defaultLogger), make(format))
      ),
      Effect.locally(FiberRef.currentMinimumLogLevel, level)
    )
