/**
 * Lambda-formatted `console`: `console.log/info/warn/error/debug/trace` write one line in
 * Lambda's log format (the runtime's own Effect logger formats, logger.ts) with the request id
 * of the invocation that called them, as the official Node.js runtime does.
 *
 * The invocation is found from the calling context, never from a process global (several
 * invocations may run at once in one process): an `AsyncLocalStorage` holds its request id and
 * tenant id, entered around each invocation's fibers (requestContext.ts).
 */
import { formatWithOptions } from "node:util"
import * as Cause from "effect/Cause"
import * as FiberId from "effect/FiberId"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as List from "effect/List"
import * as LogLevel from "effect/LogLevel"
import { describe } from "../core/inspect.js"
import * as Logger from "./logger.js"
import type { LogIdentity } from "./requestContext.js"
import { currentIdentity } from "./requestContext.js"

type Method = "log" | "info" | "warn" | "error" | "debug" | "trace"

const levels: ReadonlyArray<readonly [Method, LogLevel.LogLevel]> = [
  ["log", LogLevel.Info],
  ["info", LogLevel.Info],
  ["warn", LogLevel.Warning],
  ["error", LogLevel.Error],
  ["debug", LogLevel.Debug],
  ["trace", LogLevel.Trace]
]

const noRefs = FiberRefs.empty()
const noSpans = List.empty<never>()

/**
 * An `Error` inside a JSON console message, as the official client serialises it:
 * `errorType` (its constructor's name), `errorMessage`, `stackTrace` (the stack's lines), then
 * its own enumerable properties.
 */
const errorReplacer = (_key: string, value: unknown): unknown => {
  if (!(value instanceof Error)) return value
  let errorType: unknown
  try {
    errorType = value.constructor?.name
  } catch {
    errorType = undefined
  }
  const stack = value.stack
  return {
    errorType: errorType ?? "UnknownError",
    errorMessage: value.message,
    stackTrace: typeof stack === "string" ? stack.split("\n") : stack,
    ...value
  }
}

/**
 * The JSON line of a console call with a single argument: the argument itself is `message`
 * (an object stays an object, an `Error` is serialised by {@link errorReplacer}), as the
 * official client writes it; a value JSON refuses (a BigInt, a cycle, a throwing getter) is
 * `util.format`ted instead, as there.
 */
const singleArgumentLine = (
  date: Date,
  logLevel: LogLevel.LogLevel,
  identity: LogIdentity | undefined,
  arg: unknown
): string => {
  const record = {
    timestamp: date.toISOString(),
    level: Logger.lambdaLevel(logLevel),
    requestId: identity?.requestId,
    tenantId: identity?.tenantId,
    message: arg
  }
  try {
    return JSON.stringify(record, errorReplacer)
  } catch {
    try {
      return JSON.stringify({ ...record, message: formatWithOptions({}, arg) })
    } catch (error) {
      return JSON.stringify({ ...record, message: `(this log line could not be written: ${describe(error)})` })
    }
  }
}

/**
 * Replaces `console.log/info/warn/error/debug/trace` with writers of Lambda's `format`, dropping
 * levels below `level`; `identityOf` names the calling invocation (its request id, and its tenant
 * id when it has one). Messages are formatted
 * as Node's console formats them (`util.format`); in text format their newlines become `\r`
 * (one CloudWatch event per call, as the official runtime does). In JSON format a single
 * argument is the `message` itself (a JSON value; an `Error` serialised with `errorType`,
 * `errorMessage` and `stackTrace`), as the official client writes it; with several arguments
 * the message is their `util.format`ted text and the first `Error` among them also fills
 * `errorType`, `errorMessage` and `stackTrace`. Returns the function that puts the original
 * methods back.
 *
 * @internal
 */
export const installConsole = (
  format: Logger.LogFormat,
  level: LogLevel.LogLevel,
  identityOf: () => LogIdentity | undefined = currentIdentity,
  writeLine: (line: string) => void = Logger.writeStdout
): () => void => {
  const logger = Logger.make(format, writeLine)
  // The annotations of the last invocation seen: one map per invocation, not per line.
  let lastIdentity: LogIdentity | undefined
  let lastAnnotations = HashMap.empty<string, unknown>()
  const annotationsOf = (identity: LogIdentity | undefined) => {
    if (identity !== lastIdentity) {
      lastIdentity = identity
      lastAnnotations = Logger.invocationAnnotations(HashMap.empty(), identity?.requestId, identity?.tenantId)
    }
    return lastAnnotations
  }
  const write = (logLevel: LogLevel.LogLevel, args: ReadonlyArray<unknown>) => {
    if (format === "JSON" && args.length === 1) {
      return writeLine(singleArgumentLine(new Date(), logLevel, identityOf(), args[0]))
    }
    let message = formatWithOptions({}, ...args)
    let cause: Cause.Cause<unknown> = Cause.empty
    if (format === "Text") message = message.replace(/\n/g, "\r")
    else {
      const error = args.find((arg) => arg instanceof Error)
      if (error !== undefined) cause = Cause.die(error)
    }
    logger.log({
      fiberId: FiberId.none,
      logLevel,
      message,
      cause,
      context: noRefs,
      spans: noSpans,
      annotations: annotationsOf(identityOf()),
      date: new Date()
    })
  }
  const original = new Map<Method, unknown>()
  for (const [method, logLevel] of levels) {
    original.set(method, console[method])
    console[method] = LogLevel.lessThan(logLevel, level)
      ? () => {}
      : (...args: Array<unknown>) => write(logLevel, args)
  }
  return () => {
    for (const [method, fn] of original) (console as unknown as Record<Method, unknown>)[method] = fn
  }
}
