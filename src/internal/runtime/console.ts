/**
 * Lambda-formatted `console`: `console.log/info/warn/error/debug/trace` write one line in
 * Lambda's log format (the runtime's own Effect logger formats, logger.ts) with the request id
 * of the invocation that called them, as the official Node.js runtime does.
 *
 * The invocation is found from the calling context, never from a process global (several
 * invocations may run at once in one process): an `AsyncLocalStorage` holds the request id.
 * Effect's scheduler runs fibers from a shared queue, whose microtask carries the async context
 * of whoever started the batch, so the store alone would leak across invocations; the handler's
 * fiber (and every fiber forked from it, which inherit its scheduler) therefore runs on an
 * {@link InvocationScheduler} that re-enters the store around each of its tasks.
 */
import { AsyncLocalStorage } from "node:async_hooks"
import { formatWithOptions } from "node:util"
import * as Cause from "effect/Cause"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as List from "effect/List"
import * as LogLevel from "effect/LogLevel"
import type * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type * as Scheduler from "effect/Scheduler"
import { describe } from "../core/inspect.js"
import * as Logger from "./logger.js"

/**
 * The request id of the invocation the current async context belongs to.
 *
 * @internal
 */
export const requestIdStorage = new AsyncLocalStorage<string>()

/**
 * The request id of the invocation that is calling: the async context's, else (code run by a
 * fiber that lost it) the `requestId` log annotation of the fiber running now.
 *
 * @internal
 */
export const currentRequestId = (): string | undefined => {
  const stored = requestIdStorage.getStore()
  if (stored !== undefined) return stored
  const fiber = Fiber.getCurrentFiber()
  if (fiber._tag === "None") return undefined
  const value = HashMap.get(fiber.value.getFiberRef(FiberRef.currentLogAnnotations), Logger.REQUEST_ID)
  return value._tag === "Some" && typeof value.value === "string" ? value.value : undefined
}

const enter = (task: Scheduler.Task, requestId: string) => requestIdStorage.run(requestId, task)

/**
 * A scheduler for one invocation's fibers: the base scheduler's queue and yielding, with each
 * task run inside the invocation's async context (so promises and timers it creates keep it).
 *
 * @internal
 */
export class InvocationScheduler implements Scheduler.Scheduler {
  constructor(readonly requestId: string, readonly base: Scheduler.Scheduler) {}
  scheduleTask(task: Scheduler.Task, priority: number, fiber?: Fiber.RuntimeFiber<unknown, unknown>): void {
    const requestId = this.requestId
    this.base.scheduleTask(() => enter(task, requestId), priority, fiber)
  }
  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return this.base.shouldYield(fiber)
  }
}

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
  requestId: string | undefined,
  arg: unknown
): string => {
  const record = { timestamp: date.toISOString(), level: Logger.lambdaLevel(logLevel), requestId, message: arg }
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
 * levels below `level`; `currentRequestId` names the calling invocation. Messages are formatted
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
  requestIdOf: () => string | undefined = currentRequestId,
  writeLine: (line: string) => void = Logger.writeStdout
): () => void => {
  const logger = Logger.make(format, writeLine)
  // The annotations of the last request id seen: one map per invocation, not per line.
  let lastId: string | undefined
  let lastAnnotations = HashMap.empty<string, unknown>()
  const annotationsOf = (requestId: string | undefined) => {
    if (requestId !== lastId) {
      lastId = requestId
      lastAnnotations = requestId === undefined ? HashMap.empty() : HashMap.make([Logger.REQUEST_ID, requestId])
    }
    return lastAnnotations
  }
  const write = (logLevel: LogLevel.LogLevel, args: ReadonlyArray<unknown>) => {
    if (format === "JSON" && args.length === 1) {
      return writeLine(singleArgumentLine(new Date(), logLevel, requestIdOf(), args[0]))
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
      annotations: annotationsOf(requestIdOf()),
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

/**
 * Starts `effect` on `runtime` as `Runtime.runFork` does, inside the invocation's async context
 * and on an {@link InvocationScheduler} over the runtime's scheduler (fibers it forks inherit it).
 *
 * @internal
 */
export const runForkIn = <A, E>(
  requestId: string,
  runtime: Runtime.Runtime<never>,
  effect: Effect.Effect<A, E>
): Fiber.RuntimeFiber<A, E> =>
  requestIdStorage.run(requestId, () =>
    Runtime.runFork(runtime, effect, {
      scheduler: new InvocationScheduler(
        requestId,
        FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentScheduler)
      )
    }))
