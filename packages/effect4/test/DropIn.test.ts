/**
 * The Effect 4 line's drop-in for plain Node.js handlers (`src/node.ts`, `Build.build({ dropIn:
 * true })`): the Effect 3 line's test/NodeHandler.test.ts and test/DropIn.test.ts, the same cases
 * and the same fixtures (test/fixtures/node-handlers, examples/node-handler), through this line's
 * emulator. What is process-level (`_HANDLER` resolution, init errors, detached promises,
 * streaming) runs the bootstrap as a child process; the Node line's rules, which take the Node
 * major as a parameter, run in-process.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Context as AwsContext } from "aws-lambda"
import { Effect, Fiber } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import * as Build from "../src/Build.js"
import type { DropInContext } from "../src/DropIn.js"
import * as Emulator from "../src/Emulator.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { NodeLine, StreamifyResponse } from "../src/internal/core.js"
import type { NodeContext } from "../src/internal/core.js"
import type { FunctionFacts } from "../src/internal/node/handler.js"
import { fromFunction } from "../src/internal/node/handler.js"
import { fromEnvironment } from "../src/internal/node/main.js"
import {
  arities,
  deprecatedDocument,
  failureCases,
  initErrorCases,
  legacyMembers,
  legacyOf,
  resolutionCases,
  streamingCases
} from "../../../test/nodeHandlerCases.js"
import { spawnFunction } from "./process.js"
import { inProcess, serveOn } from "./support.js"

// Type-level (checked by `tsc -p packages/effect4`): the public type and the context the drop-in
// builds are the same in both directions, and a library typed against `@types/aws-lambda`'s
// `Context` accepts a DropInContext.
const toPublic = (context: NodeContext.NodeHandlerContext): DropInContext => context
const toInternal = (context: DropInContext): NodeContext.NodeHandlerContext => context
const toAws = (context: DropInContext): AwsContext => context
void [toPublic, toInternal, toAws]

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url))
const taskRoot = root("test/fixtures/node-handlers")
const facts: FunctionFacts = {
  functionName: "drop-in",
  functionVersion: "$LATEST",
  memoryLimitInMB: 256,
  logGroupName: "/aws/lambda/drop-in",
  logStreamName: "test"
}

/** Starts this line's drop-in bootstrap with `_HANDLER` against a fresh emulator. */
const start = (handler: string, options: Emulator.EmulatorOptions = {}, dir: string = taskRoot) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make(options)
    // Only tsx's ESM hooks (for the runtime's own TypeScript): the user's CommonJS modules go
    // through Node's own `require`, as they do in production.
    const fn = yield* spawnFunction(
      "src/node.ts",
      { ...emulator.environment, LAMBDA_TASK_ROOT: dir, _HANDLER: handler },
      { loader: "tsx/esm", stdin: true }
    )
    return { emulator, fn }
  })

const responseOf = (record: Emulator.InvocationRecord): unknown =>
  record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : record.outcome

const invokeJson = (handler: string, event: unknown) =>
  Effect.gen(function*() {
    const { emulator } = yield* start(handler)
    const record = yield* emulator.invoke(event)
    return { record, value: responseOf(record) }
  })

const initError = (handler: string) =>
  Effect.gen(function*() {
    const { emulator, fn } = yield* start(handler)
    const error = yield* emulator.awaitInitError
    expect(yield* fn.exited).toBe(1)
    return error.document as { errorType: string; errorMessage: string }
  })

/** Serves plain function `fn` in this process as the drop-in of Node `major` does (its init included). */
const serveFunction = (fn: (...args: Array<never>) => unknown, major = 22) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const handler = LambdaHandler.fromInit(fromFunction(fn as never, facts, major))
    const fiber = yield* serveOn(emulator, LambdaRuntime.serve(handler, inProcess))
    return { emulator, fiber }
  })

/** Invokes `fn` once with `event`, served as on Node `major`. */
const invokeOn = (major: number, fn: (...args: Array<never>) => unknown, event: unknown = {}) =>
  Effect.scoped(Effect.flatMap(serveFunction(fn, major), ({ emulator }) => emulator.invoke(event)))

/**
 * Node 24 and later (nodejs24.x) refuse callback handlers and give no callbackWaitsForEmptyEventLoop:
 * the child-process tests below follow the rules of the Node they run on (the Node 24 rules
 * themselves are pinned in "the Node line" below, on any Node).
 */
const callbacksRemoved = NodeLine.callbacksRemoved(NodeLine.currentMajor())

describe("Effect 4: plain Node handlers (the drop-in)", () => {
  describe("_HANDLER resolution", () => {
    it.live("loads a CommonJS .js module and passes Node's context", () =>
      Effect.scoped(Effect.gen(function*() {
        const { record, value } = yield* invokeJson("cjs.handler", { id: 1 })
        expect(value).toEqual({
          echo: { id: 1 },
          requestId: record.requestId,
          memoryLimitInMB: expect.any(String),
          functionName: expect.any(String),
          remainingIsNumber: true,
          ...(callbacksRemoved ? {} : { waits: true })
        })
      })))

    for (const [handler, event, expected] of resolutionCases) {
      it.live(`loads ${handler} (.mjs, .cjs, ESM .js under type module, nested directory, nested name)`, () =>
        Effect.scoped(Effect.gen(function*() {
          expect((yield* invokeJson(handler, event)).value).toEqual(expected)
        })))
    }
  })

  describe("init errors (posted to /init/error; the process exits 1)", () => {
    for (const [handler, expected] of initErrorCases) {
      it.live(`${handler}: ${String(expected.errorType)}`, () =>
        Effect.scoped(Effect.gen(function*() {
          expect(yield* initError(handler)).toMatchObject(expected)
        })))
    }
  })

  describe("invocations", () => {
    it.live("globalThis.awslambda.InvokeStore names the calling invocation (the awslambda global keeps it)", () =>
      Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(fromEnvironment({ LAMBDA_TASK_ROOT: taskRoot, _HANDLER: "esm.invokeStore" }), inProcess)
        )
        for (const requestId of ["req-1", "req-2"]) {
          const record = yield* emulator.invoke({}, { requestId, tenantId: `tenant-${requestId}` })
          expect(responseOf(record)).toEqual({ requestId, tenantId: `tenant-${requestId}`, later: requestId })
        }
      })))

    it.live("a thrown or rejected non-Error is posted under typeof value with String(value), as the official client does", () =>
      Effect.gen(function*() {
        // An Error keeps its name.
        const cases = [...failureCases, [() => Promise.reject(new TypeError("typed")), "TypeError", "typed"] as const]
        for (const [handler, errorType, errorMessage] of cases) {
          const record = yield* invokeOn(22, handler)
          expect(record.outcome, errorMessage).toMatchObject({
            _tag: "Error",
            errorTypeHeader: errorType,
            // A non-Error has no stack, as the official client posts it; an Error keeps its frames.
            document: { errorType, errorMessage, stackTrace: errorType === "TypeError" ? expect.any(Array) : [] }
          })
        }
      }))

    it.live.skipIf(callbacksRemoved)(
      "a callback-style handler answers with the callback's result",
      () =>
        Effect.scoped(Effect.gen(function*() {
          const { record, value } = yield* invokeJson("cjs.callback", { x: 1 })
          expect(value).toEqual({ callback: { x: 1 }, requestId: record.requestId })
        }))
    )

    it.live.skipIf(callbacksRemoved)(
      "an error passed to the callback, a rejected promise: posted under the error's name",
      () =>
        Effect.scoped(Effect.gen(function*() {
          expect((yield* invokeJson("cjs.callbackError", {})).record.outcome).toMatchObject({
            _tag: "Error",
            document: { errorType: "TypeError", errorMessage: "bad input" }
          })
          expect((yield* invokeJson("cjs.throws", {})).record.outcome).toMatchObject({
            _tag: "Error",
            document: { errorType: "OrderRejected", errorMessage: "boom" }
          })
        }))
    )

    it.live("a synchronous throw is posted too, and the runtime serves the next invocation", () =>
      Effect.scoped(Effect.gen(function*() {
        const { emulator } = yield* start("cjs.throwsSync")
        for (let i = 0; i < 2; i++) {
          expect((yield* emulator.invoke({})).outcome).toMatchObject({
            _tag: "Error",
            document: { errorType: "RangeError", errorMessage: "out of range" }
          })
        }
      })))
  })

  describe("awslambda.streamifyResponse", () => {
    for (const [title, handler, event, expected] of streamingCases) {
      it.live(title, () =>
        Effect.scoped(Effect.gen(function*() {
          const { emulator } = yield* start(handler)
          expect((yield* emulator.invoke(event)).outcome).toMatchObject(expected)
        })))
    }

    it.live("a rejection after the first byte ends the stream with error trailers; the next invocation is served", () =>
      Effect.scoped(Effect.gen(function*() {
        const { emulator } = yield* start("streaming.failsLate")
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({
          _tag: "Error",
          document: { errorType: "RangeError", errorMessage: "mid-stream" }
        })
        if (record.outcome?._tag === "Error") {
          expect(new TextDecoder().decode(record.outcome.streamedBody)).toBe("partial")
        }
        expect((yield* emulator.invoke({})).outcome?._tag).toBe("Error")
      })))
  })

  describe("detached promises (context.detach)", () => {
    it.live("a detached promise finishes after the response and before the next /next", () =>
      Effect.scoped(Effect.gen(function*() {
        const { emulator, fn } = yield* start("esm.detaching")
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
        // The promise cannot finish before the test writes to stdin: the response did not wait for it.
        expect(fn.stdout()).not.toContain("detached done")
        expect(yield* emulator.nextRequests).toHaveLength(1)
        fn.child.stdin!.write("go\n")
        yield* emulator.awaitNextRequest(2)
        yield* fn.awaitOutput(`detached done ${record.requestId}`)
      })))

    it.live("a detached promise still running at the deadline has its signal aborted and is given up on", () =>
      Effect.scoped(Effect.gen(function*() {
        const { emulator, fn } = yield* start("esm.aborting", { functionTimeoutMs: 1500 })
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
        yield* emulator.awaitNextRequest(2)
        yield* fn.awaitOutput(`aborted ${record.requestId} true`)
        const [invocation] = yield* emulator.invocations
        // Given up on before the deadline: the environment was not reset.
        expect(invocation!.nextAfterResultAt).toBeLessThan(invocation!.deadlineMs)
        expect(yield* emulator.resets).toHaveLength(0)
      })))

    it.live("a rejected detached promise is logged with the request id and does not change the response", () =>
      Effect.scoped(Effect.gen(function*() {
        const { emulator, fn } = yield* start("esm.rejecting")
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
        yield* emulator.awaitNextRequest(2)
        yield* fn.awaitOutput("late failure")
        expect(fn.stdout()).toMatch(new RegExp(`${record.requestId}\\tERROR\\t`))
      })))
  })

  describe("the Node line: nodejs24.x removed callback handlers, nodejs22.x keeps them", () => {
    const legacy = legacyMembers

    it.live("Node 24: a callback handler's drop-in init fails with Runtime.CallbackHandlerDeprecated, posted as /init/error", () =>
      Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const fiber = yield* serveOn(
          emulator,
          LambdaRuntime.serve(fromEnvironment({ LAMBDA_TASK_ROOT: taskRoot, _HANDLER: "cjs.callback" }, 24), inProcess)
        )
        const error = yield* emulator.awaitInitError
        expect(error.document).toMatchObject(deprecatedDocument(3))
        // The runtime stops, as after any init error (`run` exits 1).
        expect((yield* Fiber.await(fiber))._tag).toBe("Failure")
        expect(yield* emulator.nextRequests).toHaveLength(0)
      })))

    it.live("Node 22: the same callback handler is served", () =>
      Effect.scoped(Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(fromEnvironment({ LAMBDA_TASK_ROOT: taskRoot, _HANDLER: "cjs.callback" }, 22), inProcess)
        )
        const record = yield* emulator.invoke({ x: 1 })
        expect(responseOf(record)).toEqual({ callback: { x: 1 }, requestId: record.requestId })
      })))

    it.live("Node 24: any non-streaming handler declaring three or more parameters is refused; fewer, or a streaming handler's three, are served", () =>
      Effect.gen(function*() {
        const { defaulted, four, three } = arities
        for (const fn of [three, four]) {
          const document = yield* Effect.scoped(Effect.gen(function*() {
            const { emulator } = yield* serveFunction(fn, 24)
            return (yield* emulator.awaitInitError).document
          }))
          expect(document, `${fn.length} parameters`).toMatchObject(deprecatedDocument(fn.length))
        }
        // A default parameter is not declared (`length` counts those before it): served.
        expect(responseOf(yield* invokeOn(24, defaulted, { d: 1 }))).toEqual({ d: 1 })
        const streaming = StreamifyResponse.streamifyResponse(
          async (event: unknown, stream: NodeJS.WritableStream, context: object) => {
            stream.end(JSON.stringify({ event, legacy: legacyOf(context) }))
          }
        )
        expect(responseOf(yield* invokeOn(24, streaming, { s: 1 }))).toEqual({ event: { s: 1 }, legacy: [] })
        // Node 22 serves the callback handlers.
        expect(responseOf(yield* invokeOn(22, three))).toBe(3)
        expect(responseOf(yield* invokeOn(22, four))).toBe(4)
      }))

    it.live("Node 24: the context has no callbackWaitsForEmptyEventLoop, succeed, fail or done; Node 22's has them", () =>
      Effect.gen(function*() {
        const handler = async (_event: unknown, context: DropInContext) => ({
          legacy: legacyOf(context),
          requestId: context.awsRequestId,
          functionName: context.functionName,
          memoryLimitInMB: context.memoryLimitInMB,
          detach: typeof context.detach
        })
        expect(responseOf(yield* invokeOn(24, handler))).toMatchObject({ legacy: [], detach: "function" })
        expect(responseOf(yield* invokeOn(22, handler))).toMatchObject({
          legacy,
          functionName: "drop-in",
          memoryLimitInMB: "256",
          detach: "function"
        })
        expect(NodeLine.callbacksRemoved(NodeLine.currentMajor())).toBe(NodeLine.currentMajor() >= 24)
      }))
  })

  it.live("examples/node-handler runs unchanged with _HANDLER=index.handler; its audit runs after the response", () =>
    Effect.scoped(Effect.gen(function*() {
      const { emulator, fn } = yield* start("index.handler", {}, root("examples/node-handler"))
      const record = yield* emulator.invoke({ id: "o-1", quantity: 2 })
      expect(responseOf(record)).toEqual({ accepted: true, requestId: record.requestId })
      yield* emulator.awaitNextRequest(2)
      yield* fn.awaitOutput("audited order o-1")
    })))

  it.live("Build.build({ dropIn: true }): the trained bootstrap serves a plain ESM handler from LAMBDA_TASK_ROOT", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "effect4-drop-in-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
      const outdir = join(dir, "runtime")
      const build = yield* Build.build({ dropIn: true, outdir, nodeBinary: process.execPath })
      expect(build.warnings).toEqual([])
      // Trained through this line's drop-in: its warm-up served the stand-in function.
      expect(build.codeCache).toMatchObject({ trained: true })
      // Effect 4's values carry this key; Effect 3's a symbol named "effect/Effect".
      expect(readFileSync(build.bundle, "utf8")).toContain("~effect/Effect")
      writeFileSync(
        join(dir, "index.mjs"),
        `export const handler = async (event, context) => {
  context.detach(async () => console.log("detached " + context.awsRequestId))
  return { built: event, requestId: context.awsRequestId }
}
`
      )
      const emulator = yield* Emulator.make()
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(build.bootstrap, [], {
            cwd: outdir,
            env: { ...emulator.environment, EFFECT_LAMBDA_NODE: process.execPath, LAMBDA_TASK_ROOT: dir },
            stdio: ["ignore", "pipe", "pipe"]
          })
        ),
        (child) => Effect.sync(() => child.kill("SIGKILL"))
      )
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
      const record = yield* emulator.invoke({ n: 1 })
      expect(responseOf(record)).toEqual({ built: { n: 1 }, requestId: record.requestId })
      yield* emulator.awaitNextRequest(2)
      child.kill("SIGTERM")
      expect(yield* Effect.promise(() => exited)).toBe(0)
      expect(stdout).toContain(`detached ${record.requestId}`)
      // The cache was accepted: the loader says nothing when it is.
      expect(stderr).toBe("")
    })))

  it("DropIn compiles to JavaScript that imports nothing (importing it starts no runtime)", () => {
    const { outputText } = ts.transpileModule(readFileSync(new URL("../src/DropIn.ts", import.meta.url), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true }
    })
    expect(outputText.replace(/\/\*\*[\s\S]*?\*\//g, "").trim()).toBe("export {};")
  })
})
