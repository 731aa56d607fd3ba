import { describe, expect, it } from "@effect/vitest"
import type { Context } from "aws-lambda"
import { Effect, Fiber } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaRuntime, LambdaTest } from "../src/index.js"
import type { NodeHandlerContext } from "../src/internal/core/nodeContext.js"
import { fromFunction } from "../src/internal/node/handler.js"
import { fromEnvironment } from "../src/internal/node/main.js"
import { callbacksRemoved, currentMajor } from "../src/internal/core/nodeLine.js"
import { streamifyResponse } from "../src/internal/core/streamifyResponse.js"
import { fromInit } from "../src/internal/runtime/handler.js"
import * as DropInTesting from "../src/internal/testing/dropInContext.js"
import {
  arities,
  deprecatedDocument,
  failureCases,
  initErrorCases,
  legacyMembers,
  legacyOf,
  resolutionCases,
  streamingCases
} from "./nodeHandlerCases.js"
import { projectFile, spawnFunction } from "./process.js"
import { inProcess, serveOn } from "./support.js"

// Type-level: libraries typed against @types/aws-lambda accept the context a handler gets.
export const acceptsNodeContext = (context: NodeHandlerContext): Context => context

const taskRoot = projectFile("test/fixtures/node-handlers")

/** Starts the drop-in bootstrap with `_HANDLER` against a fresh emulator. */
const start = (handler: string, options: Emulator.EmulatorOptions = {}, root: string = taskRoot) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make(options)
    // Only tsx's ESM hooks (`tsx/esm`, for the runtime's own TypeScript): the user's CommonJS
    // modules go through Node's own `require`, as they do in production.
    const fn = yield* spawnFunction(
      "src/node.ts",
      { ...emulator.environment, LAMBDA_TASK_ROOT: root, _HANDLER: handler },
      [],
      "tsx/esm"
    )
    return { emulator, fn }
  })

const invokeJson = (handler: string, event: unknown) =>
  Effect.gen(function*() {
    const { emulator } = yield* start(handler)
    const record = yield* emulator.invoke(event)
    if (record.outcome?._tag !== "Response") return { record, value: undefined as unknown }
    return { record, value: JSON.parse(record.outcome.text) as unknown }
  })

const initError = (handler: string) =>
  Effect.gen(function*() {
    const { emulator, fn } = yield* start(handler)
    const error = yield* emulator.awaitInitError
    expect(yield* fn.exited).toBe(1)
    return error.document as { errorType: string; errorMessage: string }
  })

describe("plain Node handlers (effect-lambda-runtime/node)", () => {
  describe("_HANDLER resolution", () => {
    it.scopedLive("loads a CommonJS .js module and passes Node's context", () =>
      Effect.gen(function*() {
        const { record, value } = yield* invokeJson("cjs.handler", { id: 1 })
        expect(value).toEqual({
          echo: { id: 1 },
          requestId: record.requestId,
          memoryLimitInMB: expect.any(String),
          functionName: expect.any(String),
          remainingIsNumber: true,
          waits: true
        })
      }))

    for (const [handler, event, expected] of resolutionCases) {
      it.scopedLive(`loads ${handler} (.mjs, .cjs, ESM .js under type module, nested directory, nested name)`, () =>
        Effect.gen(function*() {
          expect((yield* invokeJson(handler, event)).value).toEqual(expected)
        }))
    }
  })

  describe("init errors", () => {
    for (const [handler, expected] of initErrorCases) {
      it.scopedLive(`${handler}: ${String(expected.errorType)}`, () =>
        Effect.gen(function*() {
          expect(yield* initError(handler)).toMatchObject(expected)
        }))
    }
  })

  describe("invocations", () => {
    it.scopedLive("globalThis.awslambda.InvokeStore names the calling invocation (the awslambda global keeps it)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(fromEnvironment({ LAMBDA_TASK_ROOT: taskRoot, _HANDLER: "esm.invokeStore" }), inProcess)
        )
        for (const requestId of ["req-1", "req-2"]) {
          const record = yield* emulator.invoke({}, { requestId, tenantId: `tenant-${requestId}` })
          expect(record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : record.outcome).toEqual({
            requestId,
            tenantId: `tenant-${requestId}`,
            later: requestId
          })
        }
      }))

    it.scopedLive("a thrown or rejected non-Error is posted under typeof value with String(value), as the official client does", () =>
      Effect.gen(function*() {
        for (const [handler, errorType, errorMessage] of failureCases) {
          const emulator = yield* Emulator.make()
          yield* serveOn(emulator, LambdaRuntime.serve(LambdaTest.fromNodeHandler(handler), inProcess))
          const record = yield* emulator.invoke({})
          expect(record.outcome, errorMessage).toMatchObject({
            _tag: "Error",
            errorTypeHeader: errorType,
            document: { errorType, errorMessage, stackTrace: [] }
          })
        }
        // An Error keeps its name, as before.
        const result = yield* LambdaTest.invoke(
          LambdaTest.fromNodeHandler(() => Promise.reject(new TypeError("typed"))),
          {}
        )
        expect(LambdaTest.error(result)).toMatchObject({ errorType: "TypeError", errorMessage: "typed" })
      }))

    it.scopedLive("a callback-style handler answers with the callback's result", () =>
      Effect.gen(function*() {
        const { record, value } = yield* invokeJson("cjs.callback", { x: 1 })
        expect(value).toEqual({ callback: { x: 1 }, requestId: record.requestId })
      }))

    it.scopedLive("an error passed to the callback is posted under its name", () =>
      Effect.gen(function*() {
        const { record } = yield* invokeJson("cjs.callbackError", {})
        expect(record.outcome).toMatchObject({
          _tag: "Error",
          document: { errorType: "TypeError", errorMessage: "bad input" }
        })
      }))

    it.scopedLive("a rejected promise is posted with the error's name as errorType", () =>
      Effect.gen(function*() {
        const { record } = yield* invokeJson("cjs.throws", {})
        expect(record.outcome).toMatchObject({
          _tag: "Error",
          document: { errorType: "OrderRejected", errorMessage: "boom" }
        })
      }))

    it.scopedLive("a synchronous throw is posted too, and the runtime serves the next invocation", () =>
      Effect.gen(function*() {
        const { emulator } = yield* start("cjs.throwsSync")
        const first = yield* emulator.invoke({})
        expect(first.outcome).toMatchObject({
          _tag: "Error",
          document: { errorType: "RangeError", errorMessage: "out of range" }
        })
        const second = yield* emulator.invoke({})
        expect(second.outcome).toMatchObject({ _tag: "Error", document: { errorType: "RangeError" } })
      }))
  })

  describe("awslambda.streamifyResponse", () => {
    for (const [title, handler, event, expected] of streamingCases) {
      it.scopedLive(title, () =>
        Effect.gen(function*() {
          const { emulator } = yield* start(handler)
          expect((yield* emulator.invoke(event)).outcome).toMatchObject(expected)
        }))
    }

    it.scopedLive("a rejection after the first byte ends the stream with error trailers", () =>
      Effect.gen(function*() {
        const { emulator } = yield* start("streaming.failsLate")
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({
          _tag: "Error",
          document: { errorType: "RangeError", errorMessage: "mid-stream" }
        })
        if (record.outcome?._tag === "Error") {
          expect(new TextDecoder().decode(record.outcome.streamedBody)).toBe("partial")
        }
        const second = yield* emulator.invoke({})
        expect(second.outcome?._tag).toBe("Error")
      }))
  })

  describe("detached promises (context.detach)", () => {
    it.scopedLive("a detached promise finishes after the response and before the next /next", () =>
      Effect.gen(function*() {
        const { emulator, fn } = yield* start("esm.detaching")
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
        // The promise cannot finish before the test writes to stdin: the response did not wait for it.
        expect(fn.stdout()).not.toContain("detached done")
        expect(yield* emulator.nextRequests).toHaveLength(1)
        fn.child.stdin!.write("go\n")
        yield* emulator.awaitNextRequest(2)
        yield* fn.awaitOutput(`detached done ${record.requestId}`)
      }))

    it.scopedLive("a detached promise still running at the deadline has its signal aborted and is given up on", () =>
      Effect.gen(function*() {
        const { emulator, fn } = yield* start("esm.aborting", { functionTimeoutMs: 1500 })
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
        yield* emulator.awaitNextRequest(2)
        yield* fn.awaitOutput(`aborted ${record.requestId} true`)
        const [invocation] = yield* emulator.invocations
        // Given up on before the deadline: the environment was not reset.
        expect(invocation!.nextAfterResultAt).toBeLessThan(invocation!.deadlineMs)
        expect(yield* emulator.resets).toHaveLength(0)
      }))

    it.scopedLive("a rejected detached promise is logged with the request id and does not change the response", () =>
      Effect.gen(function*() {
        const { emulator, fn } = yield* start("esm.rejecting")
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({ _tag: "Response", text: `"posted"` })
        yield* emulator.awaitNextRequest(2)
        yield* fn.awaitOutput("late failure")
        expect(fn.stdout()).toMatch(new RegExp(`${record.requestId}\\tERROR\\tDetached fiber #\\d+ failed`))
      }))
  })

  describe("the Node line: nodejs24.x removed callback handlers, nodejs22.x keeps them", () => {
    const legacy = legacyMembers
    /** Invokes `fn` as the drop-in of Node `major` runs it (its init included). */
    const invokeOn = (major: number, fn: (...args: Array<never>) => unknown, event: unknown = {}) =>
      LambdaTest.invoke(fromInit(fromFunction(fn as never, major)), event)

    it("the rule changes at Node 24; the running Node's major is read from process.versions.node", () => {
      expect([20, 22, 23, 24, 25, 26].map(callbacksRemoved)).toEqual([false, false, false, true, true, true])
      expect(currentMajor("24.22.3")).toBe(24)
      expect(currentMajor("22.23.5")).toBe(22)
      expect(currentMajor()).toBe(Number(process.version.slice(1).split(".")[0]))
    })

    it.scopedLive("Node 24: a callback handler's drop-in init fails with Runtime.CallbackHandlerDeprecated, posted as /init/error", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const { fiber } = yield* serveOn(
          emulator,
          LambdaRuntime.serve(fromEnvironment({ LAMBDA_TASK_ROOT: taskRoot, _HANDLER: "cjs.callback" }, 24), inProcess)
        )
        const error = yield* emulator.awaitInitError
        expect(error.document).toMatchObject(deprecatedDocument(3))
        // The runtime stops, as after any init error (`run` exits 1).
        expect((yield* Fiber.await(fiber))._tag).toBe("Failure")
        expect(yield* emulator.nextRequests).toHaveLength(0)
      }))

    it.scopedLive("Node 22: the same callback handler is served", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(fromEnvironment({ LAMBDA_TASK_ROOT: taskRoot, _HANDLER: "cjs.callback" }, 22), inProcess)
        )
        const record = yield* emulator.invoke({ x: 1 })
        expect(record.outcome).toMatchObject({ _tag: "Response" })
        expect(JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null")).toEqual({
          callback: { x: 1 },
          requestId: record.requestId
        })
      }))

    it.live("Node 24: any non-streaming handler declaring three or more parameters is refused; fewer, or a streaming handler's three, are served", () =>
      Effect.gen(function*() {
        const { defaulted, four, three } = arities
        for (const fn of [three, four]) {
          expect(LambdaTest.error(yield* invokeOn(24, fn)), `${fn.length} parameters`).toMatchObject(
            deprecatedDocument(fn.length)
          )
        }
        // A default parameter is not declared (`length` counts those before it): served.
        expect(LambdaTest.json(yield* invokeOn(24, defaulted, { d: 1 }))).toEqual({ d: 1 })
        const streaming = streamifyResponse(
          async (event: unknown, stream: NodeJS.WritableStream, context: object) => {
            stream.end(JSON.stringify({ event, legacy: legacyOf(context) }))
          }
        )
        const streamed = yield* invokeOn(24, streaming, { s: 1 })
        expect(LambdaTest.json(streamed)).toEqual({ event: { s: 1 }, legacy: [] })
        // Node 22 serves the callback handlers.
        expect(LambdaTest.json(yield* invokeOn(22, three))).toBe(3)
        expect(LambdaTest.json(yield* invokeOn(22, four))).toBe(4)
      }))

    it.live("Node 24: the context has no callbackWaitsForEmptyEventLoop, succeed, fail or done; Node 22's has them", () =>
      Effect.gen(function*() {
        const handler = async (_event: unknown, context: NodeHandlerContext) => ({
          legacy: legacyOf(context),
          requestId: context.awsRequestId,
          detach: typeof context.detach
        })
        expect(LambdaTest.json(yield* invokeOn(24, handler))).toMatchObject({ legacy: [], detach: "function" })
        expect(LambdaTest.json(yield* invokeOn(22, handler))).toMatchObject({ legacy, detach: "function" })
        // The tests' own drop-in context too (LambdaTest.dropInContext).
        expect(legacyOf(DropInTesting.make({}, 24))).toEqual([])
        expect(legacyOf(DropInTesting.make({}, 22))).toEqual(legacy)
      }))
  })

  it.scopedLive("examples/node-handler runs unchanged with _HANDLER=index.handler; its audit runs after the response", () =>
    Effect.gen(function*() {
      const { emulator, fn } = yield* start("index.handler", {}, projectFile("examples/node-handler"))
      const record = yield* emulator.invoke({ id: "o-1", quantity: 2 })
      expect(record.outcome).toMatchObject({ _tag: "Response" })
      if (record.outcome?._tag !== "Response") return
      expect(JSON.parse(record.outcome.text)).toEqual({ accepted: true, requestId: record.requestId })
      yield* emulator.awaitNextRequest(2)
      yield* fn.awaitOutput("audited order o-1")
    }))
})
