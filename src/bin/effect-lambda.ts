#!/usr/bin/env node
/**
 * `effect-lambda`: run a Lambda function module locally against the emulator.
 *
 * ```
 * effect-lambda run <handler-module> [--event <file>|-] [--count N] [--timeout <seconds>] [--port N]
 * effect-lambda emulator [<handler-module>] [--port 9001] [--timeout <seconds>]
 * effect-lambda serve <handler-module> [--port 3000] [--event apigw-v1|apigw-v2|function-url|alb] [--multi-value-headers] [--timeout <seconds>]
 * effect-lambda event <source>
 * effect-lambda build <handler-module> [--outdir dist/lambda] [--no-code-cache] [--node <path>] [--no-minify] [--sourcemap] [--external pkg]... [--node-flag=--flag]...
 * ```
 *
 * `run` starts the emulator, spawns the module as the runtime process (`node <file>`; a `.ts` file
 * runs with `node --import tsx <file>`, so `tsx` must be installed in the project), invokes it
 * `N` times with the event (a file, `-` for stdin, default `{}`), prints each result with its
 * timeline, then sends SIGTERM and waits for the process to exit. The exit code is 0 when every
 * invocation returned a response and the runtime asked for the next one, 1 otherwise (2 for a
 * usage error, 130 when interrupted).
 *
 * `build` bundles the module for deployment (see the `Build` module): `bootstrap`, `main.cjs`,
 * `start.cjs` with V8's code cache (`main.cjs.cache`), and `function.zip` to deploy.
 *
 * `serve` is a local HTTP server for development: each request becomes the chosen integration's
 * event, the module runs as under `emulator <module>`, and its answer (buffered or streamed) is
 * written back as the integration would; a failure is a `502` (see `internal/serve.ts`).
 *
 * `emulator` serves the Runtime API and the invoke endpoint until SIGINT, for `curl`. With a
 * module it runs it as `run` does and, as Lambda resets the environment, stops it and starts a
 * fresh one after a timeout (and starts it again when it exits). Without one, the runtime is
 * started by hand: after a timeout the emulator prints that it must be restarted and refuses the
 * old runtime's `/next` (500, so that it exits) instead of handing it the next invocation.
 *
 * @since 0.1.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, Data, Effect, Either, Exit } from "effect"
import type { Scope } from "effect"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import * as Build from "../Build.js"
import * as Emulator from "../Emulator.js"
import * as P from "../internal/protocol.js"
import type { RuntimeProcess } from "../internal/runtimeProcess.js"
import { announceResets, describeExit, spawnRuntime, stopRuntime, superviseRuntime } from "../internal/runtimeProcess.js"
import { sampleJson, sampleNames } from "../internal/events/samples.js"
import * as Serve from "../internal/serve.js"

const USAGE = `Usage:
  effect-lambda run <handler-module> [--event <file>|-] [--count N] [--timeout <seconds>] [--port N]
  effect-lambda emulator [<handler-module>] [--port 9001] [--timeout <seconds>]
  effect-lambda serve <handler-module> [--port 3000] [--event apigw-v1|apigw-v2|function-url|alb] [--multi-value-headers] [--timeout <seconds>]
  effect-lambda event <source>
  effect-lambda build <handler-module> [--outdir dist/lambda] [--no-code-cache] [--node <path>] [--no-minify] [--sourcemap] [--external pkg]... [--node-flag=--flag]...

run       start the emulator, spawn the module (node <file>, or node --import tsx <file> for .ts),
          invoke it N times (default 1) with the event (file, - for stdin, default {}), print each
          result and its timeline, then SIGTERM the process.
emulator  serve the Runtime API and the invoke endpoint until SIGINT; with a module, run it and
          start a fresh one after a timeout or an exit (without one, start your runtime by hand).
serve     a local HTTP server (127.0.0.1) for development: each request becomes the --event shape's
          Lambda event (default apigw-v2), the module runs as with emulator, and its answer is
          written back as HTTP (streamed when the function streams; a failure is a 502 logged here).
event     print a realistic sample event of a source, e.g.
          effect-lambda event sqs | effect-lambda run handler.ts --event -
          (${sampleNames.join(", ")})
build     bundle the module for deployment: <outdir>/bootstrap, start.cjs, main.cjs, main.cjs.cache
          (V8 code cache), meta.json (esbuild metafile) and function.zip (what to deploy).

Options:
  --event <file>|-   event payload, sent verbatim (default {}); serve: the integration whose
                     events to build: apigw-v1, apigw-v2 (default), function-url, alb
  --multi-value-headers  serve --event alb: the target group has multi-value headers on
  --count N          number of invocations (default 1)
  --timeout s        function timeout in seconds (default 3)
  --port N           port on 127.0.0.1 (run: any free port; emulator: 9001; serve: 3000)
  --outdir dir       build output directory (default dist/lambda)
  --no-code-cache    build: no V8 code cache (bootstrap starts main.cjs directly)
  --node <path>      build: the Node binary that trains the code cache: the release the function
                     runs on (default: the one running the build)
  --no-minify        build: keep the bundle readable
  --sourcemap        build: write main.cjs.map (start Node with --enable-source-maps to use it;
                     Node then loads the bundle without the code cache)
  --external pkg     build: leave a package out of the bundle (repeatable)
  --node-flag=--flag build: a V8/Node flag for bootstrap and the code cache (repeatable; none by
                     default, as any V8 flag makes Node compile its built-ins without their cache)
`

class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

const print = (line: string) => Effect.sync(() => process.stdout.write(`${line}\n`))
const printError = (line: string) => Effect.sync(() => process.stderr.write(`${line}\n`))

const number = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return Effect.succeed(fallback)
  const parsed = Number(value)
  return Number.isFinite(parsed) && parsed >= 0
    ? Effect.succeed(parsed)
    : Effect.fail(new UsageError({ message: `--${name} expects a non-negative number, got "${value}"` }))
}

const readStdin = Effect.async<string>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
})

const readEvent = (source: string | undefined): Effect.Effect<string, UsageError> =>
  source === undefined
    ? Effect.succeed("{}")
    : source === "-"
    ? readStdin
    : Effect.try({
      try: () => readFileSync(source, "utf8"),
      catch: (error) => new UsageError({ message: `Cannot read the event file ${source}: ${String(error)}` })
    })

const ms = (from: number, to: number | undefined) => (to === undefined ? "-" : `+${(to - from).toFixed(2)} ms`)

const describeOutcome = (record: Emulator.InvocationRecord): string => {
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
      return `ERROR ${outcome.errorTypeHeader ?? ""}\n${outcome.text !== "" ? outcome.text : JSON.stringify(outcome.document)}${
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

const runCommand = (file: string, options: {
  readonly event: string | undefined
  readonly count: number
  readonly timeoutMs: number
  readonly port: number
}): Effect.Effect<number, UsageError, Scope.Scope> =>
  Effect.gen(function*() {
    const event = yield* readEvent(options.event)
    const emulator = yield* Emulator.make({ port: options.port, functionTimeoutMs: options.timeoutMs })
    let runtime: RuntimeProcess | undefined
    const start = Effect.gen(function*() {
      runtime = yield* spawnRuntime(file, emulator.environment)
      return runtime
    })
    const recordOf = (requestId: string) =>
      Effect.map(emulator.invocations, (all) => all.find((record) => record.requestId === requestId)!)

    /** Waits for the outcome; when the runtime exits first, reports it and restarts it if the invocation is still queued. */
    const awaitOutcome = (pending: Emulator.PendingInvocation) =>
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

    yield* start
    let failed = 0
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
      const record = yield* recordOf(pending.requestId)
      yield* print(
        `END RequestId: ${record.requestId}  next answered ${ms(record.enqueuedAt, record.nextAnsweredAt)}, ` +
          (record.firstByteAt !== undefined && record.outcome?._tag !== "TooLarge"
            ? `first byte ${ms(record.enqueuedAt, record.firstByteAt)}, `
            : "") +
          `result posted ${ms(record.enqueuedAt, record.resultAt)}, ` +
          `runtime asked for /next again ${ms(record.enqueuedAt, record.nextAfterResultAt)}`
      )
    }
    if (runtime !== undefined) {
      const exit = yield* stopRuntime(runtime, 3000)
      runtime = undefined
      yield* print(`runtime stopped (${describeExit(exit)})`)
    }
    return failed === 0 ? 0 : 1
  })

const emulatorCommand = (file: string | undefined, options: { readonly timeoutMs: number; readonly port: number }) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({ port: options.port, functionTimeoutMs: options.timeoutMs })
    yield* print(`Lambda Runtime API emulator on ${emulator.host} (function timeout ${(options.timeoutMs / 1000).toFixed(2)} s)`)
    if (file === undefined) {
      yield* print(`Environment for a runtime started by hand:`)
      for (const [name, value] of Object.entries(emulator.environment)) yield* print(`  export ${name}='${value}'`)
    } else {
      yield* print(`Runtime: ${file} (started again after a timeout or an exit, as Lambda resets its environment)`)
    }
    yield* print(`Invoke:`)
    yield* print(`  curl -XPOST "http://${emulator.host}${P.paths.invoke}" -d '{}'`)
    yield* print(`Press Ctrl+C to stop.`)
    return yield* (file === undefined ? announceResets(emulator) : superviseRuntime(file, emulator))
  })

const main = Effect.gen(function*() {
  const parsed = yield* Effect.try({
    try: () =>
      parseArgs({
        args: process.argv.slice(2),
        allowPositionals: true,
        options: {
          event: { type: "string" },
          count: { type: "string" },
          timeout: { type: "string" },
          port: { type: "string" },
          outdir: { type: "string" },
          "no-code-cache": { type: "boolean" },
          node: { type: "string" },
          "no-minify": { type: "boolean" },
          sourcemap: { type: "boolean" },
          external: { type: "string", multiple: true },
          "node-flag": { type: "string", multiple: true },
          "multi-value-headers": { type: "boolean" },
          help: { type: "boolean", short: "h" }
        }
      }),
    catch: (error) => new UsageError({ message: error instanceof Error ? error.message : String(error) })
  })
  const [command, file, ...rest] = parsed.positionals
  if (parsed.values.help === true || command === undefined) {
    yield* print(USAGE)
    return parsed.values.help === true ? 0 : 1
  }
  const timeoutMs = (yield* number("timeout", parsed.values.timeout, 3)) * 1000
  if (command === "run") {
    if (file === undefined) return yield* new UsageError({ message: "run: missing <handler-module>" })
    if (rest.length > 0) return yield* new UsageError({ message: `run: unexpected arguments ${rest.join(" ")}` })
    const count = yield* number("count", parsed.values.count, 1)
    const port = yield* number("port", parsed.values.port, 0)
    return yield* Effect.scoped(runCommand(file, { event: parsed.values.event, count, timeoutMs, port }))
  }
  if (command === "emulator") {
    if (rest.length > 0) return yield* new UsageError({ message: `emulator: unexpected arguments ${rest.join(" ")}` })
    const port = yield* number("port", parsed.values.port, 9001)
    return yield* Effect.scoped(emulatorCommand(file, { timeoutMs, port }))
  }
  if (command === "serve") {
    if (file === undefined) return yield* new UsageError({ message: "serve: missing <handler-module>" })
    if (rest.length > 0) return yield* new UsageError({ message: `serve: unexpected arguments ${rest.join(" ")}` })
    const shape = Serve.eventShapes.find((shape) => shape === (parsed.values.event ?? "apigw-v2"))
    if (shape === undefined) {
      return yield* new UsageError({ message: `serve: --event expects one of ${Serve.eventShapes.join(", ")}, got "${parsed.values.event}"` })
    }
    const port = yield* number("port", parsed.values.port, 3000)
    return yield* Effect.scoped(Effect.gen(function*() {
      const server = yield* Serve.make({
        file,
        shape,
        port,
        functionTimeoutMs: timeoutMs,
        albMultiValueHeaders: parsed.values["multi-value-headers"] === true
      })
      yield* print(`Serving ${file} as ${shape} events on ${server.url} (function timeout ${(timeoutMs / 1000).toFixed(2)} s)`)
      yield* print(`Press Ctrl+C to stop.`)
      return yield* Effect.never
    }))
  }
  if (command === "event") {
    const sources = sampleNames.join(", ")
    if (file === undefined) return yield* new UsageError({ message: `event: missing <source> (one of ${sources})` })
    const json = sampleJson(file)
    if (json === undefined) return yield* new UsageError({ message: `event: unknown source "${file}" (one of ${sources})` })
    yield* print(json)
    return 0
  }
  if (command === "build") {
    if (file === undefined) return yield* new UsageError({ message: "build: missing <handler-module>" })
    const result = yield* Build.build({
      entry: file,
      outdir: parsed.values.outdir ?? "dist/lambda",
      codeCache: parsed.values["no-code-cache"] !== true,
      nodeBinary: parsed.values.node,
      minify: parsed.values["no-minify"] !== true,
      sourcemap: parsed.values.sourcemap === true,
      external: parsed.values.external ?? [],
      nodeFlags: parsed.values["node-flag"]
    }).pipe(Effect.either)
    if (Either.isLeft(result)) {
      yield* printError(result.left.message)
      return 1
    }
    const built = result.right
    yield* print(`${built.bootstrap}`)
    yield* print(`${built.bundle} (${(built.bundleBytes / 1024).toFixed(0)} KB; what it pulls in: ${built.metafile})`)
    yield* print(
      built.codeCache === undefined
        ? "no code cache"
        : `${built.codeCache.path} (${(built.codeCache.bytes / 1024).toFixed(0)} KB${built.codeCache.trained ? "" : ", compiling only"})`
    )
    yield* print(`${built.zip} (deploy this)`)
    for (const warning of built.warnings) yield* printError(`warning: ${warning}`)
    return 0
  }
  return yield* new UsageError({ message: `unknown command "${command}"` })
}).pipe(
  Effect.catchTag("UsageError", (error) =>
    printError(`effect-lambda: ${error.message}\n\n${USAGE}`).pipe(Effect.as(2)))
)

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) return onExit(typeof exit.value === "number" ? exit.value : 0)
    if (Cause.isInterruptedOnly(exit.cause)) return onExit(130)
    process.stderr.write(`effect-lambda: ${Cause.pretty(exit.cause)}\n`)
    onExit(1)
  }
})
