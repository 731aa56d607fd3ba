/**
 * The runtime's settings: read and worked out once at init, then shared by reference by the
 * loop, every invocation's context and the process-level handlers.
 */
import type * as LogLevel from "effect/LogLevel"
import type * as Schedule from "effect/Schedule"
import type { RuntimeApiError } from "./errors.js"
import type { RuntimeConfig } from "../../LambdaRuntime.js"
import { env as names } from "../core/protocol.js"
import type { LogFormat } from "./logger.js"
import { parseLogLevel } from "./logger.js"
import type * as InvokeStore from "../core/invokeStore.js"
import type { Timer } from "./timers.js"
import type { Telemetry } from "./telemetry.js"

/** @internal */
export interface RuntimeSettings {
  /** What the environment says (the function's name, version, memory, log group and stream, region...). */
  readonly config: RuntimeConfig
  /** The log format and level in force: the options', else the environment's. */
  readonly logFormat: LogFormat
  readonly logLevel: LogLevel.LogLevel
  /** How long before an invocation's deadline its handler and detached work are interrupted. */
  readonly timeoutMarginMs: number
  /**
   * Retries of a Runtime API call that could not connect or lost its connection. An answer is
   * never retried: a 5xx means the platform is in a non-recoverable state.
   */
  readonly retrySchedule: Schedule.Schedule<unknown, RuntimeApiError>
  /**
   * Run each invocation's fibers in its async context (console.ts), so that the Lambda-formatted
   * console finds the calling invocation. Off unless the console is installed: it costs a
   * closure per scheduled task.
   */
  readonly requestContext: boolean
  /** The clock and timers of the deadlines. */
  readonly timer: Timer
  /** `globalThis.awslambda.InvokeStore`, told about each invocation as it starts. */
  readonly invokeStore: InvokeStore.Store | undefined
  /** The store is the async-context form: each invocation's fibers run inside its context. */
  readonly asyncInvokeStore: boolean
  /** How many invocations are served at once: one poll loop each (1: the classic loop). */
  readonly concurrency: number
  /**
   * Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY` above 1): invocations run side by
   * side in an environment that is never frozen, so nothing about one invocation is
   * process-wide (`_X_AMZN_TRACE_ID` is not set) and a handler that cannot be stopped at its
   * deadline holds its slot instead of ending the process.
   */
  readonly managed: boolean
  /** Traces and metrics (issue 20), when a telemetry variable turns some on; undefined: none. */
  readonly telemetry?: Telemetry | undefined
}

/** `Config.integer`'s reading of a value (`Number`, then an integer), `undefined` when it is none. */
const integer = (text: string): number | undefined => {
  const value = Number(text)
  return Number.isInteger(value) ? value : undefined
}

/**
 * `runtimeConfig` (init.ts) read straight from `variables` with the same rules (`Config.string`,
 * `Config.integer`, the same defaults), for the default provider only (environment.ts);
 * `undefined` wherever `runtimeConfig` would fail (no Runtime API address, a memory size or log
 * level it rejects), so that the `Config` path runs then and reports the error as it always did.
 *
 * @internal
 */
export const fromEnvironment = (variables: NodeJS.ProcessEnv): RuntimeConfig | undefined => {
  const runtimeApi = variables[names.runtimeApi]
  if (runtimeApi === undefined || runtimeApi.length === 0) return undefined
  const memory = variables[names.functionMemorySize]
  const memoryLimitInMB = memory === undefined ? 128 : integer(memory)
  if (memoryLimitInMB === undefined) return undefined
  const level = variables[names.logLevel]
  const logLevel = parseLogLevel(level ?? "INFO")
  if (logLevel === undefined) return undefined
  const format = variables[names.logFormat]
  const concurrency = variables[names.maxConcurrency]
  const maxConcurrency = concurrency === undefined ? undefined : integer(concurrency)
  return {
    runtimeApi,
    functionName: variables[names.functionName] ?? "function",
    functionVersion: variables[names.functionVersion] ?? "$LATEST",
    memoryLimitInMB,
    logGroupName: variables[names.logGroupName] ?? "",
    logStreamName: variables[names.logStreamName] ?? "",
    region: variables[names.region] ?? variables[names.defaultRegion] ?? "",
    logFormat: format !== undefined && format.toUpperCase() === "JSON" ? "JSON" : "Text",
    logLevel,
    maxConcurrency: maxConcurrency === undefined ? 1 : Math.max(1, maxConcurrency)
  }
}
