/**
 * Lambda's log format on the Effect 4 line: every line logged through Effect (the handler's, its
 * detached work's, the runtime's own) in Lambda's text or JSON format, with the invocation's
 * request id. The line itself is the shared core's (core/logLine.ts), written exactly as the
 * Effect 3 line writes it; this module takes the parts out of an Effect 4 log entry.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Inspectable from "effect/Inspectable"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import { fromCause } from "./causeDocument.js"
import { Inspect, LogLine } from "./core.js"
import * as RecordingTracer from "./telemetry/tracer.js"

/**
 * `AWS_LAMBDA_LOG_FORMAT`: `JSON`, or Lambda's text format.
 *
 * @internal
 */
export type LogFormat = "Text" | "JSON"

/**
 * The level's name in Lambda's logs (`WARN`, `TRACE`...).
 *
 * @internal
 */
export const lambdaLevel = (level: LogLevel.LogLevel): string => LogLine.levelName(level)

/** A message part or annotation as text: Effect's own rendering, else a description that cannot throw. */
const render = (part: unknown): string => {
  if (typeof part === "string") return part
  try {
    return Inspectable.toStringUnknown(part)
  } catch {
    return Inspect.describe(part)
  }
}

const prettyCause = (cause: Cause.Cause<unknown>): string => {
  try {
    return Cause.pretty(cause)
  } catch {
    // One line per failure and defect, as the Effect 3 line writes them (core/logLine.ts).
    const failures = cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error)
    const defects = cause.reasons.filter(Cause.isDieReason).map((reason) => reason.defect)
    return LogLine.fallbackCauseText([...failures, ...defects])
  }
}

/**
 * The entry's span when it is one of the runtime's (traces on): Effect's native spans, when no
 * telemetry is on, have ids no exporter ever sees.
 */
const recordedSpan = (context: Context.Context<never>): LogLine.LogParts["span"] => {
  const span = Context.getOrUndefined(context, Tracer.ParentSpan)
  return span !== undefined && RecordingTracer.isRecorded(span) ? span : undefined
}

const partsOf = (options: Logger.Options<unknown>): LogLine.LogParts => {
  let message: string
  try {
    message = Array.isArray(options.message) ? options.message.map(render).join(" ") : render(options.message)
  } catch (error) {
    message = `(this log line could not be written: ${Inspect.describe(error)})`
  }
  const cause = options.cause
  return {
    date: options.date,
    level: lambdaLevel(options.logLevel),
    message,
    annotations: Object.entries(options.fiber.getRef(References.CurrentLogAnnotations)),
    error: cause.reasons.length === 0 ? undefined : { document: fromCause(cause), pretty: prettyCause(cause) },
    span: recordedSpan(options.fiber.context)
  }
}

/**
 * A logger in Lambda's `format`, writing one line per entry.
 *
 * @internal
 */
export const make = (
  format: LogFormat,
  write: (line: string) => void = LogLine.writeStdout
): Logger.Logger<unknown, void> =>
  Logger.make((options) =>
    write(format === "JSON" ? LogLine.jsonLine(partsOf(options)) : LogLine.textLine(partsOf(options), render))
  )
