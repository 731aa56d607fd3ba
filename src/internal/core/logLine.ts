/**
 * Lambda's log lines, the part that does not depend on Effect: a line in Lambda's text format
 * (`timestamp <TAB> requestId <TAB> LEVEL <TAB> message`, as Node's runtime prints it) or JSON
 * format (`timestamp`, `level`, `requestId`, `message`, then the annotations, then the error's
 * fields), made of parts each line of the runtime takes out of its Effect's log entry. Total: a
 * value that refuses to be written is described instead, and the line is always written.
 *
 * @internal
 */
import { bigintReplacer, describe } from "./inspect.js"
import type { ErrorDocument } from "./protocol.js"

/**
 * The annotation that carries the request id on every line logged during an invocation.
 *
 * @internal
 */
export const REQUEST_ID = "requestId"

/**
 * The log annotation that carries the tenant id of an invocation that has one.
 *
 * @internal
 */
export const TENANT_ID = "tenantId"

/**
 * One log entry, as the line's writer needs it.
 *
 * @internal
 */
export interface LogParts {
  readonly date: Date
  /** The level's name in Lambda's logs (`INFO`, `WARN`...). */
  readonly level: string
  /** The message, rendered. */
  readonly message: string
  /** The entry's annotations (the request id among them, under {@link REQUEST_ID}). */
  readonly annotations: Iterable<readonly [string, unknown]>
  /** The entry's failure: its error document and its rendering (the stack). */
  readonly error?: { readonly document: ErrorDocument; readonly pretty: string } | undefined
  /**
   * The span the entry was logged in, when the runtime records traces: its ids go into JSON
   * lines, so that CloudWatch Logs and the traces link to each other.
   */
  readonly span?: { readonly traceId: string; readonly spanId: string } | undefined
}

/**
 * Writes one log line to stdout (Lambda collects the process's output).
 *
 * @internal
 */
export const writeStdout = (line: string): void => {
  process.stdout.write(line + "\n")
}

/**
 * A cause as text when Effect's own rendering throws (a value no renderer can read): one
 * `Error: …` line per failure, then per defect, each described so that it cannot throw.
 *
 * @internal
 */
export const fallbackCauseText = (failuresThenDefects: ReadonlyArray<unknown>): string =>
  failuresThenDefects.length > 0
    ? failuresThenDefects.map((value) => `Error: ${describe(value)}`).join("\n")
    : "Error: (the cause could not be rendered)"

const fallbackLine = (date: Date, requestId: string, level: string, error: unknown) =>
  `${date.toISOString()}\t${requestId}\t${level}\t(this log line could not be written: ${describe(error)})`

const requestIdOf = (annotations: Iterable<readonly [string, unknown]>): string => {
  for (const [key, value] of annotations) if (key === REQUEST_ID) return describe(value)
  return "undefined"
}

/**
 * A line in Lambda's text format; annotations other than the request id follow the message as
 * ` key=value`, each rendered by `render`.
 *
 * @internal
 */
export const textLine = (parts: LogParts, render: (value: unknown) => string): string => {
  try {
    let requestId = "undefined"
    let extra = ""
    for (const [key, value] of parts.annotations) {
      if (key === REQUEST_ID) requestId = describe(value)
      else extra += ` ${key}=${render(value)}`
    }
    const line = `${parts.date.toISOString()}\t${requestId}\t${parts.level}\t${parts.message}${extra}`
    return parts.error === undefined ? line : `${line}\n${parts.error.pretty}`
  } catch (error) {
    // Everything above is total; this is for a line too long to be a string.
    return fallbackLine(parts.date, requestIdOf(parts.annotations), parts.level, error)
  }
}

/** One JSON member per annotation, each serialised on its own: one that cannot be is described instead. */
const jsonMember = (key: string, value: unknown): string => {
  let json: string | undefined
  try {
    json = JSON.stringify(value, bigintReplacer)
  } catch {
    json = undefined
  }
  return `${JSON.stringify(key)}:${json ?? JSON.stringify(describe(value))}`
}

/**
 * A line in Lambda's JSON format.
 *
 * @internal
 */
export const jsonLine = (parts: LogParts): string => {
  let requestId: unknown = undefined
  const record: Record<string, unknown> = {
    timestamp: parts.date.toISOString(),
    level: parts.level,
    requestId: undefined,
    message: parts.message
  }
  for (const [key, value] of parts.annotations) {
    if (key === REQUEST_ID) requestId = value
    else record[key] = value
  }
  record.requestId = requestId
  if (parts.span !== undefined) {
    record.traceId = parts.span.traceId
    record.spanId = parts.span.spanId
  }
  if (parts.error !== undefined) {
    record.errorType = parts.error.document.errorType
    record.errorMessage = parts.error.document.errorMessage
    record.stackTrace = parts.error.pretty.split("\n")
  }
  try {
    return JSON.stringify(record, bigintReplacer)
  } catch {
    // Some annotation (or the request id) refuses JSON: the others are kept as they are.
    try {
      return `{${
        Object.entries(record).filter(([, value]) => value !== undefined).map(([key, value]) => jsonMember(key, value))
          .join(",")
      }}`
    } catch (error) {
      return JSON.stringify({
        timestamp: record.timestamp,
        level: record.level,
        requestId: requestIdOf(parts.annotations),
        message: `(this log line could not be written: ${describe(error)})`
      })
    }
  }
}

/**
 * A level's name in Lambda's logs (`INFO`, `WARN`, `TRACE`, `OFF`...) from the name Effect gives
 * it (Effect 3's labels, `WARN`, `ALL`; Effect 4's levels, `Warn`, `All`).
 *
 * @internal
 */
export const levelName = (effectName: string): string => {
  const name = effectName.toUpperCase()
  switch (name) {
    case "WARNING":
      return "WARN"
    case "ALL":
      return "TRACE"
    case "NONE":
      return "OFF"
    default:
      return name
  }
}

/**
 * A level `AWS_LAMBDA_LOG_LEVEL` may name (`TRACE` ... `FATAL`, any case), under the name Effect 4
 * gives it; `undefined` for anything else.
 *
 * @internal
 */
export const parseLevel = (value: string): "Trace" | "Debug" | "Info" | "Warn" | "Error" | "Fatal" | undefined => {
  switch (value.trim().toUpperCase()) {
    case "TRACE":
      return "Trace"
    case "DEBUG":
      return "Debug"
    case "INFO":
      return "Info"
    case "WARN":
    case "WARNING":
      return "Warn"
    case "ERROR":
      return "Error"
    case "FATAL":
      return "Fatal"
    default:
      return undefined
  }
}
