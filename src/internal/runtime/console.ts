/**
 * Lambda-formatted `console` on this line (core/console.ts writes the lines): the levels in force
 * are Effect's, and the calling invocation is the async context's (requestContext.ts).
 */
import * as LogLevel from "effect/LogLevel"
import * as Console from "../core/console.js"
import type * as Logger from "./logger.js"
import { currentIdentity } from "./requestContext.js"

const levels: Record<Console.ConsoleLevel, LogLevel.LogLevel> = {
  TRACE: LogLevel.Trace,
  DEBUG: LogLevel.Debug,
  INFO: LogLevel.Info,
  WARN: LogLevel.Warning,
  ERROR: LogLevel.Error
}

/**
 * Installs the Lambda-formatted console (core/console.ts), dropping the levels below `level`;
 * returns the function that puts the original methods back.
 *
 * @internal
 */
export const installConsole = (
  format: Logger.LogFormat,
  level: LogLevel.LogLevel,
  identityOf: () => Console.LogIdentity | undefined = currentIdentity,
  writeLine?: (line: string) => void
): () => void =>
  Console.installConsole(format, (name) => !LogLevel.lessThan(levels[name], level), identityOf, writeLine)
