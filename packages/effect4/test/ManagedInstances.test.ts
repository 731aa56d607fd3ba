/**
 * Lambda Managed Instances on the Effect 4 line: with `AWS_LAMBDA_MAX_CONCURRENCY` = N the
 * runtime runs N lanes in one process, each invocation in its own fibers, deadline and async
 * context, with no scheduler of the runtime's own (docs/design/effect-4.md, section 3). Real
 * child processes against the emulator's concurrent mode (which enforces each deadline as the
 * platform does there: a late result gets 410, the process is never reset); the Effect 3 line's
 * test/ManagedInstances.test.ts, the same cases.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { fileURLToPath } from "node:url"
import type * as Emulator from "../../../src/Emulator.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type { FunctionProcess } from "./process.js"
import { emulator, invocationHeaders, scriptedServer, spawnFunction } from "./process.js"

const MANAGED = "test/fixtures/managed.ts"

interface Ids {
  readonly requestId: string
  readonly traceId?: string | undefined
  readonly tenantId?: string | undefined
}

const body = (
  record: Emulator.InvocationRecord
): Record<string, Ids | null> & { readonly envTraceId?: string | null } => {
  if (record.outcome?._tag !== "Response") {
    throw new Error(`invocation ${record.requestId} was not answered: ${JSON.stringify(record.outcome)}`)
  }
  return JSON.parse(record.outcome.text) as Record<string, Ids>
}

const traceIdOf = (i: number) => `Root=1-67890abc-${String(i).padStart(24, "0")};Parent=53995c3f42cd8ad8;Sampled=1`

/** `count` echo invocations at once, each with its own tenant and trace id. */
const burst = (api: EmulatorBridge, count: number, event: unknown) =>
  Effect.forEach(
    Array.from({ length: count }, (_, i) => i),
    (i) =>
      Effect.promise(() => api.invoke(event, { tenantId: `tenant-${i}`, traceId: traceIdOf(i), timeoutMs: 30_000 })),
    { concurrency: "unbounded" }
  )

/** The JSON lines the function wrote (the mode's log format). */
const jsonLines = (fn: FunctionProcess) =>
  fn.stdout().split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line) as Record<string, unknown>
  )

/** Each record's places saw their own invocation's ids (`traced`: the trace id too, which a plain handler does not report). */
const expectOwnIds = (
  records: ReadonlyArray<Emulator.InvocationRecord>,
  places: ReadonlyArray<string>,
  traced = true
) => {
  records.forEach((record, i) => {
    const seen = body(record)
    const own = { requestId: record.requestId, tenantId: `tenant-${i}`, ...(traced ? { traceId: traceIdOf(i) } : {}) }
    for (const place of places) expect({ place, ...seen[place] }).toEqual({ place, ...own })
  })
}

describe("Effect 4: Lambda Managed Instances", () => {
  for (const n of [8, 64]) {
    it.live(`N = ${n}: ${n} lanes park /next at init; 64 invocations at once each see only themselves, in every place their code runs and in every log line`, () =>
      Effect.scoped(Effect.gen(function*() {
        const api = yield* emulator({ concurrency: n, functionTimeoutMs: 30_000 })
        const fn = yield* spawnFunction(MANAGED, api.environment)
        yield* Effect.promise(() => api.awaitNextRequest(n))
        const records = yield* burst(api, 64, { mode: "echo", waitMs: 20 })
        expectOwnIds(records, ["context", "inHandler", "inChild", "inCallback"])
        // Not process-wide on Managed Instances: several invocations run at once.
        for (const record of records) expect(body(record).envTraceId).toBeNull()
        // Detached work runs after each response; its lines come last.
        for (const record of records) yield* fn.awaitOutput(`effect-detached ${record.requestId}`)
        // JSON logs by default in this mode, every line with its own invocation's ids.
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
          // Powertools Logger's lines, from the handler and detached work, under its own field names.
          const root = traceIdOf(i).split(";")[0]!.slice("Root=".length)
          const powertools = ["powertools", "powertools-detached"].map((message) =>
            lines.find((line) => line.message === `${message} ${id}`)
          )
          const own = [id, root]
          expect(powertools.map((line) => [line?.function_request_id, line?.xray_trace_id])).toEqual([own, own])
        })
        expect(fn.child.exitCode).toBeNull()
      })))
  }

  it.live("the concurrency option lowers the number of lanes", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ concurrency: 8, functionTimeoutMs: 30_000 })
      yield* spawnFunction(MANAGED, { ...api.environment, CONCURRENCY: "2" })
      yield* Effect.promise(() => api.awaitNextRequest(2))
      yield* Effect.promise(() => api.invoke({ mode: "echo", waitMs: 1 }))
      // The lane that served it asks again: the third /next of all, none other was parked.
      yield* Effect.promise(() => api.awaitNextRequest(3))
      expect(yield* Effect.promise(api.nextRequests)).toHaveLength(3)
    })))

  it.live("a hanging, an uninterruptible and a CPU-bound invocation hold back no other: each is answered at its deadline (a late result gets 410), the others are answered, the process goes on", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ concurrency: 8, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(MANAGED, api.environment)
      yield* Effect.promise(() => api.awaitNextRequest(8))
      const [hang, stuck, echoes] = yield* Effect.all([
        Effect.promise(() => api.invoke({ mode: "hang" }, { timeoutMs: 1000 })),
        Effect.promise(() => api.invoke({ mode: "uninterruptible", ms: 2500 }, { timeoutMs: 1000 })),
        burst(api, 16, { mode: "echo", waitMs: 20 })
      ], { concurrency: "unbounded" })
      expectOwnIds(echoes, ["context", "inHandler"])
      expect(hang.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      expect(stuck.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      expect(fn.stdout()).toContain(`interrupted ${hang.requestId}`)
      // The uninterruptible one holds its slot until it ends; the 7 others keep serving.
      yield* fn.awaitOutput("it holds its slot until it ends (1 of 8 slots held)")
      expectOwnIds(yield* burst(api, 16, { mode: "echo", waitMs: 1 }), ["context", "inHandler"])
      yield* fn.awaitOutput(`The work that held invocation ${stuck.requestId}'s slot has ended`)

      // A handler that blocks the event loop past its deadline: the platform has failed the
      // invocation, its result gets 410, and the lane goes on.
      const busy = yield* Effect.promise(() => api.invoke({ mode: "busy", ms: 1500 }, { timeoutMs: 1000 }))
      expect(busy.outcome?._tag).toBe("Timeout")
      yield* fn.awaitOutput("the result was not accepted, continuing")
      expect(fn.stdout()).toMatch(/"level":"WARN".*HTTP 410 InvokeTimeout.*the result was not accepted, continuing/)
      expectOwnIds(yield* burst(api, 8, { mode: "echo", waitMs: 1 }), ["context", "inHandler"])
      expect(fn.child.exitCode).toBeNull()
    })))

  it.live("a finalizer of the invocation's scope that runs past the deadline holds its slot until it ends; the others keep serving", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ concurrency: 8, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(MANAGED, api.environment)
      yield* Effect.promise(() => api.awaitNextRequest(8))
      const slow = yield* Effect.promise(() => api.invoke({ mode: "scopeFinalizer", ms: 2500 }, { timeoutMs: 1000 }))
      expect(slow.outcome).toMatchObject({ _tag: "Response", text: JSON.stringify({ id: slow.requestId }) })
      yield* fn.awaitOutput("it holds its slot until it ends (1 of 8 slots held)")
      expectOwnIds(yield* burst(api, 16, { mode: "echo", waitMs: 1 }), ["context", "inHandler"])
      yield* fn.awaitOutput(`The work that held invocation ${slow.requestId}'s slot has ended`)
      expect(fn.stdout()).toContain("The invocation scope's finalizers were still running 50 ms before the deadline")
      expect(fn.child.exitCode).toBeNull()
    })))

  it.live("SIGTERM with 8 invocations in flight answers each exactly once with Runtime.Shutdown and exits cleanly", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ concurrency: 8, functionTimeoutMs: 60_000 })
      const fn = yield* spawnFunction(MANAGED, api.environment)
      yield* Effect.promise(() => api.awaitNextRequest(8))
      const pending = yield* Effect.forEach(
        Array.from({ length: 8 }),
        () => Effect.promise(() => api.enqueue({ mode: "hang" }))
      )
      for (const invocation of pending) yield* fn.awaitOutput(`hanging ${invocation.requestId}`)
      fn.child.kill("SIGTERM")
      const code = yield* fn.exited
      yield* Effect.promise(() => api.runtimeExited({ code, signal: null }))
      for (const invocation of pending) {
        const record = yield* Effect.promise(invocation.result)
        expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.Shutdown" } })
        expect(record.posts).toHaveLength(1)
        expect(fn.stdout()).toContain(`interrupted ${record.requestId}`)
      }
      expect(code).toBe(0)
    })))

  it.live("/next answered 500 (the platform shutting the environment down): the lanes stop, the invocation in flight finishes and is answered, exit 0", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ concurrency: 8, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(MANAGED, api.environment)
      yield* Effect.promise(() => api.awaitNextRequest(8))
      const pending = yield* Effect.promise(() =>
        api.enqueue({ mode: "echo", waitMs: 300 }, { tenantId: "tenant-0", traceId: traceIdOf(0) })
      )
      yield* Effect.promise(() => api.awaitNextRequest(9))
      yield* Effect.promise(api.shutdown)
      expectOwnIds([yield* Effect.promise(pending.result)], ["context", "inHandler"])
      expect(yield* fn.exited).toBe(0)
      expect(fn.stdout()).toContain("The platform answered /next with 500: the environment is shutting down")
      expect(fn.stdout()).not.toContain("FATAL")
    })))

  it.live("a fatal error in one lane: the others stop asking for invocations, the one in flight finishes and is answered, then exit 1", () =>
    Effect.scoped(Effect.gen(function*() {
      const responses: Array<string> = []
      const answered = yield* Deferred.make<void>()
      const allPolled = yield* Deferred.make<void>()
      let nexts = 0
      let answerSecond = () => {}
      const server = yield* scriptedServer((request, body, response) => {
        const url = request.url!
        if (url.includes("/extension/")) {
          if (url.endsWith("/register")) response.writeHead(200, { "lambda-extension-identifier": "ext-1" }).end("{}")
          return
        }
        if (url.endsWith("/invocation/next")) {
          if (++nexts === 4) Deferred.doneUnsafe(allPolled, Exit.void)
          if (nexts === 1) {
            return void response.writeHead(200, invocationHeaders("in-flight", 30_000)).end(`{"mode":"untilSignal"}`)
          }
          // Answered once the invocation works: without a request id it cannot be answered, a
          // fatal error for its lane.
          if (nexts === 2) {
            answerSecond = () => response.writeHead(200, { "lambda-runtime-deadline-ms": "1" }).end("{}")
          }
          return // the other lanes' polls are never answered
        }
        responses.push(`${url} ${body}`)
        response.writeHead(202).end("{}")
        Deferred.doneUnsafe(answered, Exit.void)
      })
      // A budget long enough for the test to answer the signal it waits for.
      const fn = yield* spawnFunction(MANAGED, {
        AWS_LAMBDA_RUNTIME_API: server.host,
        AWS_LAMBDA_MAX_CONCURRENCY: "4",
        SHUTDOWN_BUDGET_MS: "30000"
      })
      yield* fn.awaitOutput("working in-flight")
      yield* Deferred.await(allPolled)
      answerSecond()
      yield* fn.awaitOutput("FATAL")
      // Still working when the other lane failed.
      fn.child.kill("SIGUSR2")
      yield* Deferred.await(answered)
      expect(yield* fn.exited).toBe(1)
      expect(fn.stdout()).toContain("MalformedInvocation")
      expect(responses).toEqual([`/2018-06-01/runtime/invocation/in-flight/response {"answered":"in-flight"}`])
      // The 4 lanes' first polls, and none after the fatal error.
      expect(nexts).toBe(4)
    })))

  it.live("after bursts of 64 (logs, console, detached work), the heap keeps its size: of two runs of 15 more bursts after 20, one leaves less than 512 bytes per invocation", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ concurrency: 64, functionTimeoutMs: 30_000 })
      const fn = yield* spawnFunction(MANAGED, api.environment)
      const heap = Effect.map(
        Effect.promise(() => api.invoke({ mode: "memory" })),
        (record) => (body(record) as unknown as { readonly heapUsed: number }).heapUsed
      )
      const light = { mode: "light" }
      // Warm first: V8 compiles and optimises the runtime's code over the first thousand or so
      // invocations (the heap grows by a few hundred KB, less and less), then measure.
      for (let i = 0; i < 20; i++) yield* burst(api, 64, light)
      // Twice 960 more invocations: a leak grows the heap in both, while what V8 still allocates
      // as it optimises (feedback, code) comes and goes; one of the two must leave nothing behind,
      // less than 512 bytes per invocation, V8's noise included.
      const baseline = yield* heap
      for (let i = 0; i < 15; i++) yield* burst(api, 64, light)
      const middle = yield* heap
      for (let i = 0; i < 15; i++) yield* burst(api, 64, light)
      const after = yield* heap
      expect(Math.min(middle - baseline, after - middle)).toBeLessThan(960 * 512)
      expect(fn.child.exitCode).toBeNull()
    })))

  it.live("the classic mode (no AWS_LAMBDA_MAX_CONCURRENCY) parks exactly one /next and sets _X_AMZN_TRACE_ID", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulator({ functionTimeoutMs: 30_000 })
      yield* spawnFunction(MANAGED, api.environment)
      for (let i = 0; i < 3; i++) {
        const seen = body(
          yield* Effect.promise(() => api.invoke({ mode: "echo", waitMs: 1 }, { traceId: traceIdOf(i) }))
        )
        // One invocation at a time: the trace id is also the process's, as Lambda defines it.
        expect(seen.envTraceId).toEqual(traceIdOf(i))
        expect(seen.context!.traceId).toEqual(traceIdOf(i))
      }
      yield* Effect.promise(() => api.awaitNextRequest(4))
      expect(yield* Effect.promise(api.nextRequests)).toHaveLength(4)
    })))

  it.live("the drop-in serves a plain async handler with the same concurrency, InvokeStore and logs", () =>
    Effect.gen(function*() {
      const api = yield* emulator({ concurrency: 8, functionTimeoutMs: 30_000 })
      // The Effect 3 line's fixture: a plain handler is the same for both lines' drop-ins.
      const taskRoot = fileURLToPath(new URL("../../../test/fixtures/managed/plain", import.meta.url))
      const fn = yield* spawnFunction(
        "src/node.ts",
        { ...api.environment, LAMBDA_TASK_ROOT: taskRoot, _HANDLER: "index.handler" },
        { loader: "tsx/esm" }
      )
      yield* Effect.promise(() => api.awaitNextRequest(8))
      const records = yield* burst(api, 64, { waitMs: 20 })
      expectOwnIds(records, ["context", "inHandler", "afterAwait", "inCallback"], false)
      // Each console line names its own invocation and tenant.
      const lines = jsonLines(fn)
      const tenants = records.map((record) => lines.find((line) => line.message === `console ${record.requestId}`))
      expect(tenants.map((line) => [line?.requestId, line?.tenantId])).toEqual(
        records.map((record, i) => [record.requestId, `tenant-${i}`])
      )
    }))
})
