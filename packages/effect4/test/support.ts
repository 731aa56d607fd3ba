/**
 * What the Effect 4 line's answer and streaming tests share: the emulator for a test's scope, a
 * runtime served on it, and the records' outcomes read as the Effect 3 line's tests read them.
 */
import { expect } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, References } from "effect"
import type { Scope } from "effect"
import { startEmulator } from "../../../test/toolBridge.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type { LambdaContext } from "../src/LambdaContext.js"
import type * as Emulator from "../../../src/Emulator.js"
import * as Logger from "../src/internal/logger.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"

/** The emulator, closed with the test's scope. */
export const emulatorScoped = (options?: Emulator.EmulatorOptions) =>
  Effect.acquireRelease(
    Effect.promise(() => startEmulator(options)),
    (emulator) => Effect.promise(() => emulator.close())
  )

/** Runs `serve` (a `LambdaRuntime.serve`) against `emulator` for the test's scope. */
export const serveOn = <E>(
  emulator: Pick<EmulatorBridge, "environment">,
  serve: Effect.Effect<never, E>
): Effect.Effect<Fiber.Fiber<never, E>, never, Scope.Scope> =>
  serve.pipe(
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(emulator.environment)),
    Effect.forkScoped
  )

/** The runtime's options in tests: no SIGTERM extension, every log line. */
export const inProcess = { registerExtension: false } as const

/** An invocation's error outcome (`/error`, or a stream's error trailers). */
export interface ErrorOutcome {
  readonly _tag: "Error"
  readonly errorTypeHeader?: string
  readonly document: { readonly errorType: string; readonly errorMessage: string; readonly stackTrace: Array<string> }
  readonly streamedBody?: Uint8Array
}

/** The record's outcome, which must be an error. */
export const asError = (record: Emulator.InvocationRecord): ErrorOutcome => {
  expect(record.outcome?._tag).toBe("Error")
  return record.outcome as ErrorOutcome
}

/** The record's outcome, which must be a response. */
export const asResponse = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Response")
  return record.outcome as Extract<Emulator.InvocationOutcome, { _tag: "Response" }>
}

/** The error document the invocation was answered with. */
export const errorDocument = (record: Emulator.InvocationRecord) => asError(record).document

/** The JSON the invocation was answered with. */
export const responseJson = (record: Emulator.InvocationRecord): unknown => JSON.parse(asResponse(record).text)

/** Bytes as text. */
export const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString()

/**
 * This line's loop (`internal/loop.ts`, under `serve`) serving `handler` on the Runtime API at
 * `host` for the test's scope, with the lines it logs (Lambda's text format, every level): the
 * loop's own warnings and summaries, which `serve` writes to stdout.
 */
export const loopOn = (host: string, handler: Loop.Handler<LambdaContext>, timeoutMarginMs = 200) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const api = yield* RuntimeApiClient.make(host)
    const fiber = yield* Loop.loop(api, handler, { timeoutMarginMs }).pipe(
      Effect.provideService(References.CurrentLoggers, new Set([Logger.make("Text", (line) => lines.push(line))])),
      Effect.provideService(References.MinimumLogLevel, "All"),
      Effect.forkScoped
    )
    return { fiber, lines }
  })

/** The lines of `lines` at `level` (Lambda's text format: date, request id, level, message). */
export const linesAt = (lines: ReadonlyArray<string>, level: string) =>
  lines.filter((line) => line.split("\t")[2] === level)
