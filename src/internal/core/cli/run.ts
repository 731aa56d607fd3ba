/**
 * `effect-lambda run`: starts the emulator, spawns the module as the runtime process, invokes it
 * `--count` times with the event, prints each result with its timeline, then sends SIGTERM and
 * waits for the process to exit. Exits 1 unless every invocation returned a response and the
 * runtime asked for the next one. With `--concurrency N` (Lambda Managed Instances) the
 * invocations are queued at once and up to N run at the same time; each is printed when it ends.
 *
 * @internal
 */
import { readFileSync } from "node:fs"
import { basename, dirname, extname, relative, resolve } from "node:path"
import type { Cancel, EmulatorEngine, QueuedInvocation } from "../emulator/engine.js"
import * as Runtime from "../emulator/runtimeProcess.js"
import type { InvocationRecord, RuntimeExit } from "../emulator/types.js"
import * as P from "../protocol.js"
import type { Command, ParsedLine, Scope } from "./command.js"
import { nonNegative, optional, UsageError } from "./command.js"
import {
  concurrencyOf,
  concurrencyOption,
  handlerModule,
  portOption,
  startEmulator,
  timeoutMsOf,
  timeoutOption
} from "./shared.js"
import { print, printError } from "./terminal.js"

const readStdin = () =>
  new Promise<string>((resolve) => {
    const chunks: Array<Buffer> = []
    process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
  })

const readEvent = (source: string | undefined): Promise<string> => {
  if (source === undefined) return Promise.resolve("{}")
  if (source === "-") return readStdin()
  try {
    return Promise.resolve(readFileSync(source, "utf8"))
  } catch (error) {
    throw new UsageError(`Cannot read the event file ${source}: ${String(error)}`)
  }
}

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

/**
 * An invocation's outcome as `run` prints it.
 *
 * @internal
 */
export const describeOutcome = (record: InvocationRecord): string => {
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

/** A callback wait as a Promise, and its cancellation (for a wait that loses a race). */
const waitFor = <A>(register: (done: (value: A) => void) => Cancel) => {
  let cancel: Cancel = () => {}
  const promise = new Promise<A>((resolve) => {
    cancel = register(resolve)
  })
  return { promise, cancel }
}

/** Whichever comes first, `wait`'s value or the runtime's exit; the wait is cancelled if it lost. */
const orExit = async <A>(
  wait: { readonly promise: Promise<A>; readonly cancel: Cancel },
  runtime: Runtime.RuntimeProcess
): Promise<{ readonly value: A } | { readonly exit: RuntimeExit }> => {
  try {
    return await Promise.race([wait.promise.then((value) => ({ value })), runtime.exited.then((exit) => ({ exit }))])
  } finally {
    wait.cancel()
  }
}

interface RunOptions {
  readonly file: string
  readonly event: string | undefined
  readonly count: number
  readonly timeoutMs: number
  readonly concurrency: number
  readonly port: number
}

/** Runs the invocations; the number of failed ones. */
const runInvocations = async (options: RunOptions, scope: Scope): Promise<number> => {
  const event = await readEvent(options.event)
  const emulator: EmulatorEngine = await startEmulator(scope, {
    port: options.port,
    functionTimeoutMs: options.timeoutMs,
    concurrency: options.concurrency
  })
  let runtime: Runtime.RuntimeProcess | undefined
  /** How many `/next` requests had arrived when the current runtime was spawned. */
  let nextsAtStart = 0
  let hinted = false
  const start = () => {
    nextsAtStart = emulator.nextRequests().length
    const spawned = Runtime.spawnRuntime(options.file, emulator.environment())
    scope.add(() => Runtime.killRuntime(spawned))
    runtime = spawned
    return spawned
  }
  const recordOf = (requestId: string) => emulator.invocations().find((record) => record.requestId === requestId)!
  const outcomeOf = (queued: QueuedInvocation) => waitFor<InvocationRecord>(queued.onOutcome)
  /** The runtime exited: the emulator is told, and the next wait starts a fresh one. */
  const exited = (exit: RuntimeExit) => {
    runtime = undefined
    emulator.runtimeExited(exit)
  }

  /** Waits for the outcome; when the runtime exits first, reports it and restarts it if the invocation is still queued. */
  const awaitOutcome = async (queued: QueuedInvocation): Promise<InvocationRecord> => {
    while (true) {
      const first = await orExit(outcomeOf(queued), runtime ?? start())
      if ("value" in first) return first.value
      exited(first.exit)
      // Exit code 0 before any /next: the module ran to its end without starting the runtime
      // (a crash has its own exit code and stack trace).
      if (!hinted && first.exit.code === 0 && emulator.nextRequests().length === nextsAtStart) {
        hinted = true
        printError(neverStartedHint(options.file))
      }
      const record = recordOf(queued.requestId)
      if (record.outcome !== undefined) return record
      printError(`effect-lambda: the runtime exited (${Runtime.describeExit(first.exit)}); starting it again`)
    }
  }

  /** Waits until the runtime asks for /next after the result; `false` when it exited instead. */
  const awaitRelease = async (requestId: string): Promise<boolean> => {
    const count = emulator.nextRequests().length
    if (recordOf(requestId).nextAfterResultAt !== undefined) return true
    if (runtime === undefined) return false
    const first = await orExit(waitFor<number>((done) => emulator.onNextRequest(count + 1, done)), runtime)
    if ("exit" in first) {
      exited(first.exit)
      printError(`effect-lambda: the runtime exited (${Runtime.describeExit(first.exit)}) after answering`)
      return false
    }
    return true
  }

  /** The END line of an invocation. */
  const endLine = (record: InvocationRecord) =>
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
  const runConcurrently = async (): Promise<number> => {
    const queued: Array<QueuedInvocation> = []
    for (let i = 1; i <= options.count; i++) {
      const invocation = emulator.enqueue(event)
      queued.push(invocation)
      print(`START RequestId: ${invocation.requestId} (${i}/${options.count})`)
    }
    const printed = Promise.all(queued.map(async (invocation): Promise<number> => {
      const record = await outcomeOf(invocation).promise
      print(describeOutcome(record))
      print(endLine(record))
      return record.outcome?._tag === "Response" ? 0 : 1
    }))
    while (true) {
      const first = await orExit({ promise: printed, cancel: () => {} }, runtime ?? start())
      if ("value" in first) return first.value.reduce((sum, n) => sum + n, 0)
      exited(first.exit)
      printError(`effect-lambda: the runtime exited (${Runtime.describeExit(first.exit)}); starting it again`)
    }
  }

  start()
  let failed = 0
  if (options.concurrency > 1) failed = await runConcurrently()
  else {
    for (let i = 1; i <= options.count; i++) {
      const invocation = emulator.enqueue(event)
      print(`START RequestId: ${invocation.requestId} (${i}/${options.count})`)
      const outcome = await awaitOutcome(invocation)
      print(describeOutcome(outcome))
      if (outcome.outcome?._tag !== "Response") failed++
      if (outcome.outcome?._tag === "Timeout" && runtime !== undefined) {
        // Lambda resets the environment after a timeout: the next invocation starts a fresh runtime.
        const stopped = runtime
        runtime = undefined
        emulator.runtimeExited(await Runtime.stopRuntime(stopped, 500))
      } else if (!(await awaitRelease(invocation.requestId)) && outcome.outcome?._tag === "Response") {
        failed++
      }
      print(endLine(recordOf(invocation.requestId)))
    }
  }
  if (runtime !== undefined) {
    // Managed Instances answer the parked /next calls with 500 before stopping (classic: no-op).
    emulator.shutdown()
    const exit = await Runtime.stopRuntime(runtime, 3000)
    runtime = undefined
    print(`runtime stopped (${Runtime.describeExit(exit)})`)
  }
  return failed
}

/** The command line as {@link RunOptions}; a {@link UsageError} for a wrong value. */
const optionsOf = (line: ParsedLine): RunOptions => ({
  file: line.argument!,
  event: optional(line, "event"),
  count: nonNegative(line, "count", true, 1),
  timeoutMs: timeoutMsOf(line),
  concurrency: concurrencyOf(line),
  port: nonNegative(line, "port", true, 0)
})

/**
 * The `run` subcommand.
 *
 * @internal
 */
export const command: Command = {
  name: "run",
  synopsis: "run <handler-module> [--event <file>|-] [--count N] [--timeout <seconds>] [--concurrency N] [--port N]",
  description: "Start the emulator, spawn the module as the runtime process, invoke it N times with the event, " +
    "print each result and its timeline, then SIGTERM the process. Exits 1 when an invocation fails.",
  argument: handlerModule(false),
  options: [
    {
      name: "event",
      kind: "string",
      pseudoName: "file|-",
      description: "The event payload, sent verbatim: a file, or - for stdin (default {})."
    },
    {
      name: "count",
      kind: "string",
      pseudoName: "N",
      description: "The number of invocations (default 1), one after the other in the same runtime process " +
        "(with --concurrency, all queued at once)."
    },
    timeoutOption,
    concurrencyOption,
    portOption(0, "The emulator's port on 127.0.0.1")
  ],
  execute: async (line, scope) => ((await runInvocations(optionsOf(line), scope)) === 0 ? 0 : 1)
}
