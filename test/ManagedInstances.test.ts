/**
 * Lambda Managed Instances: with `AWS_LAMBDA_MAX_CONCURRENCY` = N the runtime runs N poll loops in
 * one process, each invocation in its own fibers, scope, deadline and async context. Real child
 * processes against the emulator's concurrent mode (which enforces each deadline as the platform
 * does there: a late result gets 410, the process is never reset).
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Logger } from "effect"
import { LambdaContext, LambdaRuntime } from "../src/index.js"
import * as Emulator from "../src/Emulator.js"
import type { InvocationRecord } from "../src/Emulator.js"
import { projectFile, spawnFunction } from "./process.js"
import type { FunctionProcess } from "./process.js"
import { inProcess, invocationHeaders, lambdaEnv, scriptedServer } from "./support.js"

const EFFECT_FUNCTION = "test/fixtures/managed/effect.ts"

interface Ids {
  readonly requestId: string
  readonly traceId?: string | undefined
  readonly tenantId?: string | undefined
}

const body = (record: InvocationRecord): Record<string, Ids | null> & { readonly envTraceId?: string | null } => {
  if (record.outcome?._tag !== "Response") {
    throw new Error(`invocation ${record.requestId} was not answered: ${JSON.stringify(record.outcome)}`)
  }
  return JSON.parse(record.outcome.text) as Record<string, Ids>
}

const traceIdOf = (i: number) => `Root=1-67890abc-${String(i).padStart(24, "0")};Parent=53995c3f42cd8ad8;Sampled=1`

/** `count` echo invocations at once, each with its own tenant and trace id. */
const burst = (emulator: Emulator.EmulatorService, count: number, event: unknown) =>
  Effect.forEach(
    Array.from({ length: count }, (_, i) => i),
    (i) => emulator.invoke(event, { tenantId: `tenant-${i}`, traceId: traceIdOf(i), timeoutMs: 30_000 }),
    { concurrency: "unbounded" }
  )

/** The JSON lines the function wrote (the mode's log format), by message. */
const jsonLines = (fn: FunctionProcess) =>
  fn.stdout().split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line) as Record<string, unknown>
  )

const expectOwnIds = (records: ReadonlyArray<InvocationRecord>, places: ReadonlyArray<string>, traced = true) => {
  records.forEach((record, i) => {
    const seen = body(record)
    const own = {
      requestId: record.requestId,
      tenantId: `tenant-${i}`,
      ...(traced ? { traceId: traceIdOf(i) } : {})
    }
    for (const place of places) expect({ place, ...seen[place] }).toEqual({ place, ...own })
  })
}

describe("Lambda Managed Instances", () => {
  for (const n of [8, 64]) {
    it.scopedLive(`N = ${n}: ${n} loops park /next at init; 64 invocations at once each see only themselves, in every place their code runs and in every log line`, () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ concurrency: n, functionTimeoutMs: 30_000 })
        const fn = yield* spawnFunction(EFFECT_FUNCTION, emulator.environment)
        yield* emulator.awaitNextRequest(n)
        const records = yield* burst(emulator, 64, { mode: "echo", waitMs: 20 })
        expectOwnIds(records, ["context", "inHandler", "inChild", "inCallback"])
        for (const record of records) expect(body(record).envTraceId).toBeNull()
        // Detached work runs after each response; its lines come last.
        for (const record of records) yield* fn.awaitOutput(`effect-detached ${record.requestId}`)
        const lines = jsonLines(fn)
        records.forEach((record, i) => {
          const id = record.requestId
          for (const message of ["console", "effect", "detached", "effect-detached"]) {
            const line = lines.find((line) => line.message === `${message} ${id}`)
            expect({ message, requestId: line?.requestId, tenantId: line?.tenantId }).toEqual({
              message,
              requestId: id,
              tenantId: `tenant-${i}`
            })
          }
          for (const message of ["powertools", "powertools-detached"]) {
            const line = lines.find((line) => line.message === `${message} ${id}`)
            expect({ message, requestId: line?.function_request_id, trace: line?.xray_trace_id }).toEqual({
              message,
              requestId: id,
              trace: traceIdOf(i).split(";")[0]!.slice("Root=".length)
            })
          }
        })
        expect(fn.child.exitCode).toBeNull()
      }))
  }

  it.scopedLive("a hanging, an uninterruptible and a CPU-bound invocation hold back no other: each is answered at its deadline (a late result gets 410), the others are answered, the process goes on", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 8, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(EFFECT_FUNCTION, emulator.environment)
      yield* emulator.awaitNextRequest(8)
      const [hang, stuck, echoes] = yield* Effect.all([
        emulator.invoke({ mode: "hang" }, { timeoutMs: 1000 }),
        emulator.invoke({ mode: "uninterruptible", ms: 2500 }, { timeoutMs: 1000 }),
        burst(emulator, 16, { mode: "echo", waitMs: 20 })
      ], { concurrency: "unbounded" })
      expectOwnIds(echoes, ["context", "inHandler"])
      expect(hang.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      expect(stuck.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      expect(fn.stdout()).toContain(`interrupted ${hang.requestId}`)
      // The uninterruptible one holds its slot until it ends; the 7 others keep serving.
      yield* fn.awaitOutput("it holds its slot until it ends (1 of 8 slots held)")
      expectOwnIds(yield* burst(emulator, 16, { mode: "echo", waitMs: 1 }), ["context", "inHandler"])
      yield* fn.awaitOutput(`The work that held invocation ${stuck.requestId}'s slot has ended`)

      // A handler that blocks the event loop past its deadline: the platform has failed the
      // invocation, its result gets 410, and the loop goes on.
      const busy = yield* emulator.invoke({ mode: "busy", ms: 1500 }, { timeoutMs: 1000 })
      expect(busy.outcome?._tag).toBe("Timeout")
      yield* fn.awaitOutput("the result was not accepted, continuing")
      expect(fn.stdout()).toMatch(/"level":"WARN".*HTTP 410 InvokeTimeout.*the result was not accepted, continuing/)
      expectOwnIds(yield* burst(emulator, 8, { mode: "echo", waitMs: 1 }), ["context", "inHandler"])
      expect(fn.child.exitCode).toBeNull()
    }))

  it.scopedLive("SIGTERM with 8 invocations in flight answers each exactly once with Runtime.Shutdown and exits cleanly", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 8, functionTimeoutMs: 60_000 })
      const fn = yield* spawnFunction(EFFECT_FUNCTION, emulator.environment)
      yield* emulator.awaitNextRequest(8)
      const pending = yield* Effect.forEach(Array.from({ length: 8 }), () => emulator.enqueue({ mode: "hang" }))
      for (const invocation of pending) yield* fn.awaitOutput(`hanging ${invocation.requestId}`)
      fn.child.kill("SIGTERM")
      const code = yield* fn.exited
      yield* emulator.runtimeExited({ code, signal: null })
      for (const invocation of pending) {
        const record = yield* invocation.result
        expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.Shutdown" } })
        expect(record.posts).toHaveLength(1)
        expect(fn.stdout()).toContain(`interrupted ${record.requestId}`)
      }
      expect(code).toBe(0)
    }))

  it.scopedLive("/next answered 500 (the platform shutting the environment down): the loops stop, the invocation in flight finishes and is answered, exit 0", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 8, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(EFFECT_FUNCTION, emulator.environment)
      yield* emulator.awaitNextRequest(8)
      const pending = yield* emulator.enqueue({ mode: "echo", waitMs: 300 }, {
        tenantId: "tenant-0",
        traceId: traceIdOf(0)
      })
      yield* emulator.awaitNextRequest(9)
      yield* emulator.shutdown
      expectOwnIds([yield* pending.result], ["context", "inHandler"])
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("The platform answered /next with 500: the environment is shutting down")
      expect(fn.stdout()).not.toContain("FATAL")
    }))

  it.scopedLive("a fatal error in one loop: the others stop asking for invocations, the one in flight finishes and is answered, then the runtime fails", () =>
    Effect.gen(function*() {
      const fatalLogged = yield* Deferred.make<void>()
      const responses: Array<string> = []
      let nexts = 0
      const api = yield* scriptedServer((req, body, res) => {
        if (req.url!.endsWith("/invocation/next")) {
          nexts++
          if (nexts === 1) return res.writeHead(200, invocationHeaders("in-flight", 10_000)).end("{}")
          // No request id: this invocation cannot be answered, a fatal error for its loop.
          if (nexts === 2) return res.writeHead(200, { "lambda-runtime-deadline-ms": "1" }).end("{}")
          return // the other loops' polls are never answered
        }
        responses.push(`${req.url} ${body.toString()}`)
        res.writeHead(202).end("{}")
      })
      const fiber = yield* LambdaRuntime.serve(
        // Still working when the other loop fails: 50 ms of work after the fatal line.
        (_: unknown, context: LambdaContext) =>
          Deferred.await(fatalLogged).pipe(
            Effect.zipRight(Effect.sleep("50 millis")),
            Effect.as({ answered: context.requestId })
          ),
        inProcess
      ).pipe(
        Effect.withConfigProvider(lambdaEnv(api.host, { AWS_LAMBDA_MAX_CONCURRENCY: "4" })),
        Effect.provide(Logger.add(Logger.make(({ logLevel }) => {
          if (logLevel._tag === "Fatal") Deferred.unsafeDone(fatalLogged, Exit.void)
        }))),
        Effect.fork
      )
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "succeeded").toContain("MalformedInvocation")
      expect(responses).toEqual([`/2018-06-01/runtime/invocation/in-flight/response {"answered":"in-flight"}`])
      // The 4 loops' first polls, and none after the fatal error.
      expect(nexts).toBe(4)
    }))

  it.scopedLive("after bursts of 64 (logs, console, detached work), the heap keeps its size: of two runs of 15 more bursts after 20, one leaves less than 512 bytes per invocation", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 64, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(EFFECT_FUNCTION, emulator.environment)
      const heap = Effect.map(emulator.invoke({ mode: "memory" }), (record) => {
        if (record.outcome?._tag !== "Response") throw new Error("no heap size")
        return (JSON.parse(record.outcome.text) as { heapUsed: number }).heapUsed
      })
      const light = { mode: "light" }
      // Warm first: V8 compiles and optimises the runtime's code over the first thousand or so
      // (the heap grows by a few hundred KB, less and less), then measure.
      for (let i = 0; i < 20; i++) yield* burst(emulator, 64, light)
      // Twice 960 more invocations: a leak grows the heap in both, while what V8 still allocates
      // as it optimises (feedback, code) comes and goes; one of the two must leave nothing behind,
      // less than 512 bytes per invocation, V8's noise included.
      const baseline = yield* heap
      for (let i = 0; i < 15; i++) yield* burst(emulator, 64, light)
      const middle = yield* heap
      for (let i = 0; i < 15; i++) yield* burst(emulator, 64, light)
      const after = yield* heap
      expect(Math.min(middle - baseline, after - middle)).toBeLessThan(960 * 512)
      expect(fn.child.exitCode).toBeNull()
    }))

  it.scopedLive("the classic mode (no AWS_LAMBDA_MAX_CONCURRENCY) still parks exactly one /next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 30_000 })
      yield* spawnFunction(EFFECT_FUNCTION, emulator.environment)
      for (let i = 0; i < 3; i++) {
        const seen = body(yield* emulator.invoke({ mode: "echo", waitMs: 1 }))
        // One invocation at a time: the trace id is also the process's, as Lambda defines it.
        expect(seen.envTraceId).toEqual(seen.context!.traceId)
      }
      yield* emulator.awaitNextRequest(4)
      expect(yield* emulator.nextRequests).toHaveLength(4)
    }))

  it.scopedLive("the drop-in serves a plain async handler with the same concurrency, InvokeStore and logs", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ concurrency: 8, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(
        "src/node.ts",
        {
          ...emulator.environment,
          LAMBDA_TASK_ROOT: projectFile("test/fixtures/managed/plain"),
          _HANDLER: "index.handler"
        },
        [],
        "tsx/esm"
      )
      yield* emulator.awaitNextRequest(8)
      const records = yield* burst(emulator, 64, { waitMs: 20 })
      expectOwnIds(records, ["context", "inHandler", "afterAwait", "inCallback"], false)
      const lines = jsonLines(fn)
      records.forEach((record, i) => {
        const line = lines.find((line) => line.message === `console ${record.requestId}`)
        expect({ requestId: line?.requestId, tenantId: line?.tenantId }).toEqual({
          requestId: record.requestId,
          tenantId: `tenant-${i}`
        })
      })
    }))
})
