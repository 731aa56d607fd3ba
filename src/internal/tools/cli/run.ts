/**
 * `effect-lambda run`: starts the emulator, spawns the module as the runtime process, invokes it
 * `--count` times with the event, prints each result with its timeline, then sends SIGTERM and
 * waits for the process to exit. Fails with exit code 1 unless every invocation returned a
 * response and the runtime asked for the next one. With `--concurrency N` (Lambda Managed
 * Instances) the invocations are queued at once and up to N run at the same time; each is printed
 * when it ends.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Either, Fiber, Option } from "effect"
import type { Scope } from "effect"
import { readFileSync } from "node:fs"
import { basename, dirname, extname, relative, resolve } from "node:path"
import type * as Api from "../../../Emulator.js"
import * as Emulator from "../emulator/server.js"
import * as P from "../../core/protocol.js"
import type { RuntimeProcess } from "../functionProcess.js"
import { describeExit, spawnRuntime, stopRuntime } from "../functionProcess.js"
import {
  CommandFailed,
  concurrency,
  handlerModule,
  nonNegative,
  port,
  print,
  printError,
  timeoutMs,
  UsageError
} from "./shared.js"

/**
 * The subcommand's name.
 *
 * @internal
 */
export const name = "run"

/**
 * One line of the top-level usage.
 *
 * @internal
 */
export const synopsis =
  "run <handler-module> [--event <file>|-] [--count N] [--timeout <seconds>] [--concurrency N] [--port N]"

const readStdin = Effect.async<string>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
})

const readEvent = (source: Option.Option<string>): Effect.Effect<string, UsageError> =>
  Option.match(source, {
    onNone: () => Effect.succeed("{}"),
    onSome: (source) =>
      source === "-"
        ? readStdin
        : Effect.try({
          try: () => readFileSync(source, "utf8"),
          catch: (error) => new UsageError({ message: `Cannot read the event file ${source}: ${String(error)}` })
        })
  })

const shellWord = (word: string) => (/^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)

/**
 * What to do when the module exited cleanly without ever asking for an invocation: it never
 * started the runtime. The usual cause is a plain Node handler module (`export const handler =
 * async (event, context) => ...`), which the drop-in bootstrap serves; the command names the
 * module's folder and `<file>.handler` as the README's drop-in section does.
 *
 * @internal
 */
export const neverStartedHint = (file: string): string => {
  const extension = extname(file)
  const folder = dirname(resolve(file))
  const fromHere = relative(process.cwd(), folder)
  const taskRoot = fromHere === "" ? "." : fromHere.startsWith("..") ? folder : fromHere
  const handler = `${basename(file, extension)}.handler`
  return [
    `effect-lambda: ${file} exited without asking for an invocation: it never started the runtime.`,
    `  An Effect function calls LambdaRuntime.run(handler) at its top level.`,
    `  A plain Node handler (export const handler = async (event, context) => ...) runs on the drop-in bootstrap:`,
    `    LAMBDA_TASK_ROOT=${shellWord(taskRoot)} _HANDLER=${
      shellWord(handler)
    } npx effect-lambda run node_modules/effect-lambda-runtime/dist/node.js`,
    ...(/^\.[cm]?tsx?$/.test(extension)
      ? [
        `  (the drop-in loads .js, .mjs and .cjs files, as Lambda's Node.js runtime does: compile ${
          basename(file)
        } first)`
      ]
      : [])
  ].join("\n")
}

const ms = (from: number, to: number | undefined) => (to === undefined ? "-" : `+${(to - from).toFixed(2)} ms`)

const describeOutcome = (record: Api.InvocationRecord): string => {
  const outcome = record.outcome
  switch (outcome?._tag) {
    case undefined:
      return "(no outcome)"
    case "Response":
      if (outcome.http?._tag === "Decoded") {
        const { body, cookies, headers, statusCode } = outcome.http
        const lines = [
          `HTTP ${statusCode}`,
          ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
          ...cookies.map((cookie) => `set-cookie: ${cookie}`)
        ]
        return `${lines.join("\n")}\n\n${Buffer.from(body).toString("utf8")}`
      }
      return `${outcome.text}`
    case "Error":
      return `ERROR ${outcome.errorTypeHeader ?? ""}\n${
        outcome.text !== "" ? outcome.text : JSON.stringify(outcome.document)
      }${
        outcome.streamedBody !== undefined && outcome.streamedBody.byteLength > 0
          ? `\n(after ${outcome.streamedBody.byteLength} streamed bytes)`
          : ""
      }`
    case "Timeout":
      return `TIMEOUT ${outcome.message}`
    case "TooLarge":
      return `ERROR ${P.platformErrorTypes.responseSizeTooLarge}: ${outcome.size} bytes > ${P.MAX_BUFFERED_RESPONSE_BYTES}`
    case "InitError":
      return `INIT ERROR ${outcome.error.errorTypeHeader ?? ""}\n${outcome.error.text}`
    case "ExitError":
      return `ERROR ${P.platformErrorTypes.exitError}: ${outcome.message}`
  }
}

interface RunOptions {
  readonly file: string
  readonly event: Option.Option<string>
  readonly count: number
  readonly timeoutMs: number
  readonly concurrency: number
  readonly port: number
}

/** Runs the invocations; the number of failed ones. */
const runInvocations = (options: RunOptions): Effect.Effect<number, UsageError, Scope.Scope> =>
  Effect.gen(function*() {
    const event = yield* readEvent(options.event)
    const emulator = yield* Emulator.make({
      port: options.port,
      functionTimeoutMs: options.timeoutMs,
      concurrency: options.concurrency
    })
    let runtime: RuntimeProcess | undefined
    /** How many `/next` requests had arrived when the current runtime was spawned. */
    let nextsAtStart = 0
    let hinted = false
    const start = Effect.gen(function*() {
      nextsAtStart = (yield* emulator.nextRequests).length
      runtime = yield* spawnRuntime(options.file, emulator.environment)
      return runtime
    })
    const recordOf = (requestId: string) =>
      Effect.map(emulator.invocations, (all) => all.find((record) => record.requestId === requestId)!)

    /** Waits for the outcome; when the runtime exits first, reports it and restarts it if the invocation is still queued. */
    const awaitOutcome = (pending: Api.PendingInvocation) =>
      Effect.gen(function*() {
        while (true) {
          const current = runtime ?? (yield* start)
          const first = yield* Effect.raceFirst(
            Effect.map(pending.result, Either.right),
            Effect.map(current.exited, Either.left)
          )
          if (Either.isRight(first)) return first.right
          runtime = undefined
          yield* emulator.runtimeExited(first.left)
          // Exit code 0 before any /next: the module ran to its end without starting the runtime
          // (a crash has its own exit code and stack trace).
          if (!hinted && first.left.code === 0 && (yield* emulator.nextRequests).length === nextsAtStart) {
            hinted = true
            yield* printError(neverStartedHint(options.file))
          }
          const record = yield* recordOf(pending.requestId)
          if (record.outcome !== undefined) return record
          yield* printError(`effect-lambda: the runtime exited (${describeExit(first.left)}); starting it again`)
        }
      })

    /** Waits until the runtime asks for /next after the result; `false` when it exited instead. */
    const awaitRelease = (requestId: string) =>
      Effect.gen(function*() {
        const count = (yield* emulator.nextRequests).length
        if ((yield* recordOf(requestId)).nextAfterResultAt !== undefined) return true
        if (runtime === undefined) return false
        const current = runtime
        const first = yield* Effect.raceFirst(
          Effect.map(emulator.awaitNextRequest(count + 1), Either.right),
          Effect.map(current.exited, Either.left)
        )
        if (Either.isLeft(first)) {
          runtime = undefined
          yield* emulator.runtimeExited(first.left)
          yield* printError(`effect-lambda: the runtime exited (${describeExit(first.left)}) after answering`)
          return false
        }
        return true
      })

    /** The END line of an invocation. */
    const endLine = (record: Api.InvocationRecord) =>
      `END RequestId: ${record.requestId}  next answered ${ms(record.enqueuedAt, record.nextAnsweredAt)}, ` +
      (record.firstByteAt !== undefined && record.outcome?._tag !== "TooLarge"
        ? `first byte ${ms(record.enqueuedAt, record.firstByteAt)}, `
        : "") +
      `result posted ${ms(record.enqueuedAt, record.resultAt)}` +
      (options.concurrency > 1
        ? ""
        : `, runtime asked for /next again ${ms(record.enqueuedAt, record.nextAfterResultAt)}`)

    /**
     * Concurrent mode: every invocation is queued at once and printed when it ends; a runtime that
     * exits fails what it owed and is started again while invocations remain.
     */
    const runConcurrently = Effect.gen(function*() {
      const pendings: Array<Api.PendingInvocation> = []
      for (let i = 1; i <= options.count; i++) {
        const pending = yield* emulator.enqueue(event)
        pendings.push(pending)
        yield* print(`START RequestId: ${pending.requestId} (${i}/${options.count})`)
      }
      const printed = yield* Effect.fork(Effect.forEach(pendings, (pending) =>
        Effect.flatMap(pending.result, (record) =>
          Effect.as(
            Effect.zipRight(print(describeOutcome(record)), print(endLine(record))),
            record.outcome?._tag === "Response" ? 0 : 1
          )), { concurrency: "unbounded" }))
      while (true) {
        const current = runtime ?? (yield* start)
        const first = yield* Effect.raceFirst(
          Effect.map(Fiber.join(printed), Either.right),
          Effect.map(current.exited, Either.left)
        )
        if (Either.isRight(first)) {
          return first.right.reduce((sum, n) =>
            sum + n, 0)
        }
        runtime = undefined
        yield* emulator.runtimeExited(first.left)
        yield* printError(`effect-lambda: the runtime exited (${describeExit(first.left)}); starting it again`)
      }
    })

    yield* start
    let failed = 0
    if (options.concurrency > 1) failed = yield* runConcurrently
    else {
      for (let i = 1; i <= options.count; i++) {
        const pending = yield* emulator.enqueue(event)
        yield* print(`START RequestId: ${pending.requestId} (${i}/${options.count})`)
        const outcome = yield* awaitOutcome(pending)
        yield* print(describeOutcome(outcome))
        if (outcome.outcome?._tag !== "Response") failed++
        if (outcome.outcome?._tag === "Timeout" && runtime !== undefined) {
          // Lambda resets the environment after a timeout: the next invocation starts a fresh runtime.
          const stopped = runtime
          runtime = undefined
          yield* emulator.runtimeExited(yield* stopRuntime(stopped, 500))
        } else if (!(yield* awaitRelease(pending.requestId)) && outcome.outcome?._tag === "Response") {
          failed++
        }
        yield* print(endLine(yield* recordOf(pending.requestId)))
      }
    }
    if (runtime !== undefined) {
      // Managed Instances answer the parked /next calls with 500 before stopping (classic: no-op).
      yield* emulator.shutdown
      const exit = yield* stopRuntime(runtime, 3000)
      runtime = undefined
      yield* print(`runtime stopped (${describeExit(exit)})`)
    }
    return failed
  })

const count = nonNegative("count", "N", true).pipe(
  Options.withDefault(1),
  Options.withDescription(
    "The number of invocations (default 1), one after the other in the same runtime process " +
      "(with --concurrency, all queued at once)."
  )
)

/**
 * The `run` subcommand.
 *
 * @internal
 */
export const command = Command.make(name, {
  file: handlerModule,
  event: Options.text("event").pipe(
    Options.withPseudoName("file|-"),
    Options.optional,
    Options.withDescription("The event payload, sent verbatim: a file, or - for stdin (default {}).")
  ),
  count,
  timeoutMs,
  concurrency,
  port: port(0, "The emulator's port on 127.0.0.1")
}, (options) =>
  Effect.scoped(runInvocations(options)).pipe(
    Effect.flatMap((failed) => (failed === 0 ? Effect.void : Effect.fail(new CommandFailed({ exitCode: 1 }))))
  )).pipe(
    Command.withDescription(
      "Start the emulator, spawn the module as the runtime process, invoke it N times with the event, " +
        "print each result and its timeline, then SIGTERM the process. Exits 1 when an invocation fails."
    )
  )
