import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as HashMap from "effect/HashMap"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { fromCause } from "./errorDocument.js"

/** Lambda's log formats (`AWS_LAMBDA_LOG_FORMAT`). */
export type LogFormat = "Text" | "JSON"

/** The annotation that carries the request id on every line logged during an invocation. */
export const REQUEST_ID = "requestId"

const lambdaLevel = (level: LogLevel.LogLevel): string => {
  switch (level._tag) {
    case "Warning":
      return "WARN"
    case "All":
    case "Trace":
      return "TRACE"
    case "None":
      return "OFF"
    default:
      return level.label
  }
}

/** Maps `AWS_LAMBDA_LOG_LEVEL` values (`TRACE` ... `FATAL`) to Effect's levels. */
export const parseLogLevel = (value: string): LogLevel.LogLevel | undefined => {
  switch (value.trim().toUpperCase()) {
    case "TRACE":
      return LogLevel.Trace
    case "DEBUG":
      return LogLevel.Debug
    case "INFO":
      return LogLevel.Info
    case "WARN":
    case "WARNING":
      return LogLevel.Warning
    case "ERROR":
      return LogLevel.Error
    case "FATAL":
      return LogLevel.Fatal
    default:
      return undefined
  }
}

const messageText = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((part) => typeof part === "string" ? part : Inspectable.toStringUnknown(part, 0)).join(" ")
}

const toJsonValue = (value: unknown): unknown => {
  if (typeof value === "bigint") return value.toString()
  return value
}

/** Lambda's text format: `timestamp <TAB> requestId <TAB> LEVEL <TAB> message`, as Node's runtime prints it. */
const textLogger = (write: (line: string) => void) =>
  Logger.make(({ annotations, cause, date, logLevel, message }) => {
    let requestId = "undefined"
    let extra = ""
    for (const [key, value] of annotations) {
      if (key === REQUEST_ID) requestId = String(value)
      else extra += ` ${key}=${Inspectable.toStringUnknown(value, 0)}`
    }
    let line = `${date.toISOString()}\t${requestId}\t${lambdaLevel(logLevel)}\t${messageText(message)}${extra}`
    if (!Cause.isEmpty(cause)) line += `\n${Cause.pretty(cause, { renderErrorCause: true })}`
    write(line)
  })

/** Lambda's JSON format: `timestamp`, `level`, `requestId`, `message`, then the annotations. */
const jsonLogger = (write: (line: string) => void) =>
  Logger.make(({ annotations, cause, date, logLevel, message }) => {
    const record: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: lambdaLevel(logLevel),
      requestId: HashMap.get(annotations, REQUEST_ID).pipe((o) => o._tag === "Some" ? o.value : undefined),
      message: messageText(message)
    }
    for (const [key, value] of annotations) {
      if (key !== REQUEST_ID) record[key] = toJsonValue(value)
    }
    if (!Cause.isEmpty(cause)) {
      const document = fromCause(cause)
      record.errorType = document.errorType
      record.errorMessage = document.errorMessage
      record.stackTrace = Cause.pretty(cause, { renderErrorCause: true }).split("\n")
    }
    let line: string
    try {
      line = JSON.stringify(record, (_key, value: unknown) => toJsonValue(value))
    } catch {
      line = JSON.stringify({ ...record, message: messageText(message), annotations: "(not serialisable)" })
    }
    write(line)
  })

const writeStdout = (line: string): void => {
  process.stdout.write(line + "\n")
}

/** A logger in Lambda's format, writing one line per entry. */
export const make = (format: LogFormat, write: (line: string) => void = writeStdout): Logger.Logger<unknown, void> =>
  format === "JSON" ? jsonLogger(write) : textLogger(write)

/** Replaces Effect's default logger with Lambda's format and sets the minimum level. */
export const layer = (format: LogFormat, level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, make(format)), Logger.minimumLogLevel(level))

/**
 * What `layer` does, as a plain wrapper: the runtime applies it once at start-up, where
 * building a Layer (memo map, scope, two layers merged) cost a measurable part of a cold start.
 */
export const provide = (format: LogFormat, level: LogLevel.LogLevel) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.locallyWith(FiberRef.currentLoggers, (loggers) => HashSet.add(HashSet.remove(loggers, Logger.defaultLogger), make(format))),
    Effect.locally(FiberRef.currentMinimumLogLevel, level)
  )
