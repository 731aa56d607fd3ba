/**
 * Lambda-formatted `console`, the part that does not depend on Effect (both lines of the runtime
 * install it): `console.log/info/warn/error/debug/trace` write one line in Lambda's log format
 * (logLine.ts) with the request id of the invocation that called them, as the official Node.js
 * runtime does.
 *
 * The invocation is found from the calling context, never from a process global (several
 * invocations may run at once in one process): {@link identityStorage}, an `AsyncLocalStorage`
 * each line of the runtime enters around its invocations' fibers, holds its request id and
 * tenant id.
 *
 * @internal
 */
import { AsyncLocalStorage } from "node:async_hooks"
import { formatWithOptions } from "node:util"
import { fromDefect } from "./errorDocument.js"
import { describe } from "./inspect.js"
import * as LogLine from "./logLine.js"

/**
 * What a log line says of the invocation that wrote it.
 *
 * @internal
 */
export interface LogIdentity {
  readonly requestId: string
  readonly tenantId: string | undefined
}

/**
 * The invocation the current async context belongs to.
 *
 * @internal
 */
export const identityStorage = new AsyncLocalStorage<LogIdentity>()

/**
 * On classic Lambda (one invocation at a time): the invocation that started last, which the
 * console names until the next one starts, as the official Node.js client does. No async
 * context is entered then: on Node 22 an `AsyncLocalStorage` in use runs hooks on every promise
 * and timer of the process, which cost the Effect 3 line 6% of a trivial invocation's CPU (12%
 * over a young process's first 500 invocations).
 */
let classic: LogIdentity | undefined

/**
 * Makes `identity` the one the console names on classic Lambda, until the next.
 *
 * @internal
 */
export const enterClassic = (identity: LogIdentity): void => {
  classic = identity
}

/**
 * The invocation calling: the async context's (Managed Instances), else classic Lambda's current one.
 *
 * @internal
 */
export const callingIdentity = (): LogIdentity | undefined => identityStorage.getStore() ?? classic

/**
 * A console level: Lambda's name for it.
 *
 * @internal
 */
export type ConsoleLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR"

type Method = "log" | "info" | "warn" | "error" | "debug" | "trace"

const methods: ReadonlyArray<readonly [Method, ConsoleLevel]> = [
  ["log", "INFO"],
  ["info", "INFO"],
  ["warn", "WARN"],
  ["error", "ERROR"],
  ["debug", "DEBUG"],
  ["trace", "TRACE"]
]

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
  level: string,
  identity: LogIdentity | undefined,
  arg: unknown
): string => {
  const record = {
    timestamp: date.toISOString(),
    level,
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
 * the levels `enabled` refuses; `identityOf` names the calling invocation (its request id, and
 * its tenant id when it has one). Messages are formatted as Node's console formats them
 * (`util.format`); in text format their newlines become `\r` (one CloudWatch event per call, as
 * the official runtime does). In JSON format a single argument is the `message` itself (a JSON
 * value; an `Error` serialised with `errorType`, `errorMessage` and `stackTrace`), as the official
 * client writes it; with several arguments the message is their `util.format`ted text and the
 * first `Error` among them also fills `errorType`, `errorMessage` and `stackTrace`. Returns the
 * function that puts the original methods back.
 *
 * @internal
 */
export const installConsole = (
  format: "Text" | "JSON",
  enabled: (level: ConsoleLevel) => boolean,
  identityOf: () => LogIdentity | undefined,
  writeLine: (line: string) => void = LogLine.writeStdout
): () => void => {
  // The annotations of the last invocation seen: one array per invocation, not per line.
  let lastIdentity: LogIdentity | undefined
  let lastAnnotations: ReadonlyArray<readonly [string, unknown]> = []
  const annotationsOf = (identity: LogIdentity | undefined) => {
    if (identity !== lastIdentity) {
      lastIdentity = identity
      lastAnnotations = identity === undefined
        ? []
        : identity.tenantId === undefined
        ? [[LogLine.REQUEST_ID, identity.requestId]]
        : [[LogLine.REQUEST_ID, identity.requestId], [LogLine.TENANT_ID, identity.tenantId]]
    }
    return lastAnnotations
  }
  const write = (level: ConsoleLevel, args: ReadonlyArray<unknown>) => {
    if (format === "JSON" && args.length === 1) {
      return writeLine(singleArgumentLine(new Date(), level, identityOf(), args[0]))
    }
    let message: string
    try {
      message = formatWithOptions({}, ...args)
    } catch (error) {
      message = `(this log line could not be written: ${describe(error)})`
    }
    const annotations = annotationsOf(identityOf())
    if (format === "Text") {
      return writeLine(
        LogLine.textLine({ date: new Date(), level, message: message.replace(/\n/g, "\r"), annotations }, textOf)
      )
    }
    const error = args.find((arg) => arg instanceof Error)
    writeLine(LogLine.jsonLine({
      date: new Date(),
      level,
      message,
      annotations,
      error: error === undefined ? undefined : { document: fromDefect(error), pretty: stackOf(error) }
    }))
  }
  const original = new Map<Method, unknown>()
  for (const [method, level] of methods) {
    original.set(method, console[method])
    console[method] = enabled(level) ? (...args: Array<unknown>) => write(level, args) : () => {}
  }
  return () => {
    for (const [method, fn] of original) (console as unknown as Record<Method, unknown>)[method] = fn
  }
}

/** An annotation's text: the request and tenant ids are strings, written as they are. */
const textOf = (value: unknown): string => typeof value === "string" ? value : describe(value)

/** An error's stack (its first line the name and message), or its description when it has none. */
const stackOf = (error: Error): string => {
  try {
    return typeof error.stack === "string" ? error.stack : describe(error)
  } catch {
    return describe(error)
  }
}
