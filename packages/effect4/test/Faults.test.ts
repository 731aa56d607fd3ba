/**
 * Reporting a failure never fails, on the Effect 4 line (issue 10 on the Effect 3 line): whatever
 * value the handler fails or dies with, buffered or after a stream's first byte, the invocation
 * gets exactly one answer (the documents of test/hostile.ts, which both lines share) and the
 * loop goes on. Through the emulator, as test/Faults.test.ts does for the Effect 3 line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { expectedFaultLog, faultLogFindings, hostile, hostileDocuments } from "../../../test/hostile.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type * as Emulator from "../../../src/Emulator.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { ErrorDocument } from "../src/internal/core.js"
import { handler } from "./fixtures/faultsHandler.js"
import type { FaultEvent } from "./fixtures/faultsHandler.js"
import { emulator, spawnFunction } from "./process.js"
import { asError, asResponse, emulatorScoped, inProcess, serveOn, text } from "./support.js"

/**
 * Effect 4's stream machinery looks into a stream's typed failure (`in`, Pull.ts's `filterDone`),
 * as Effect 3's looks into a defect: the Proxy's trap throws there, and that is what the stream
 * ends with. A Proxy the stream dies with is reported as it is.
 */
const proxyInStream = { errorType: "Error", errorMessage: "trap has" }

/** The invocation was answered once, and `/next` was only asked after that answer. */
const answeredOnceThenNext = (emulator: EmulatorBridge, record: Emulator.InvocationRecord, nth: number) =>
  Effect.gen(function*() {
    expect(record.posts.filter((post) => post.status === 202)).toHaveLength(1)
    const nextAt = yield* Effect.promise(() => emulator.awaitNextRequest(nth + 1))
    expect(nextAt).toBeGreaterThanOrEqual(record.resultAt!)
  })

describe("Effect 4: reporting a failure never crashes the loop", () => {
  for (const logFormat of ["Text", "JSON"] as const) {
    it.live(`a handler failing or dying with any value gets its /error, and the loop goes on (${logFormat} logs)`, () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
        yield* serveOn(emulator, LambdaRuntime.serve(handler, { ...inProcess, logFormat }))
        let invocations = 0
        for (const value of Object.keys(hostile)) {
          for (const mode of ["fail", "die"] as const) {
            const record = yield* Effect.promise(() => emulator.invoke({ mode, value }))
            invocations++
            expect({ value, mode, document: asError(record).document }).toEqual({
              value,
              mode,
              document: hostileDocuments[value]![mode]
            })
            yield* answeredOnceThenNext(emulator, record, invocations)
          }
        }
        expect(asResponse(yield* Effect.promise(() => emulator.invoke({ mode: "ok" }))).text).toBe("served")
      }))

    it.live(`a stream failing or dying with any value after its first byte ends with error trailers (${logFormat} logs)`, () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
        yield* serveOn(emulator, LambdaRuntime.serve(handler, { ...inProcess, logFormat }))
        let invocations = 0
        for (const value of Object.keys(hostile)) {
          for (const mode of ["fail", "die"] as const) {
            const record = yield* Effect.promise(() => emulator.invoke({ mode: `stream-${mode}`, value }))
            invocations++
            const outcome = asError(record)
            const document = value === "proxy" && mode === "fail" ? proxyInStream : hostileDocuments[value]![mode]
            expect({ value, mode, type: outcome.errorTypeHeader, document: outcome.document }).toMatchObject({
              value,
              mode,
              // An empty type would read as "no error": the trailer then says the runtime's own type.
              type: document.errorType,
              document
            })
            expect(text(outcome.streamedBody)).toBe("partial")
            yield* answeredOnceThenNext(emulator, record, invocations)
          }
        }
        expect(asResponse(yield* Effect.promise(() => emulator.invoke({ mode: "ok" }))).text).toBe("served")
      }))
  }

  it.live("a huge message and stack are cut to bounded sizes, posted and streamed in trailers", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 5000 })
      const huge = () => {
        const error = new Error("m".repeat(20 * 1024 * 1024))
        error.stack = `Error: big\n${"    at frame (file.js:1:1)\n".repeat(10_000)}${"s".repeat(10_000)}`
        return error
      }
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream((event: { readonly stream: boolean }) =>
            event.stream ? Stream.concat(Stream.make("partial"), Stream.fail(huge())) : Effect.fail(huge())
          ),
          // A 20 MB line per failure is not what this test is about.
          { ...inProcess, logLevel: "None" }
        )
      )
      const posted = asError(yield* Effect.promise(() => emulator.invoke({ stream: false }))).document
      expect(posted.errorType).toBe("Error")
      expect(posted.errorMessage.startsWith("m".repeat(1000))).toBe(true)
      expect(posted.errorMessage).toContain("[truncated")
      expect(posted.errorMessage.length).toBeLessThan(ErrorDocument.MAX_ERROR_MESSAGE_LENGTH + 100)
      expect(posted.stackTrace).toHaveLength(ErrorDocument.MAX_STACK_LINES)
      const record = yield* Effect.promise(() => emulator.invoke({ stream: true }))
      const streamed = asError(record)
      expect(streamed.errorTypeHeader).toBe("Error")
      expect(streamed.document.errorMessage).toContain("[truncated")
      yield* answeredOnceThenNext(emulator, record, 2)
    }))
})

describe("Effect 4: the runtime as a process", () => {
  for (const format of ["Text", "JSON"] as const) {
    it.live(`keeps serving after failures, defects, detached and stream faults with hostile values (${format} logs)`, () =>
      Effect.scoped(Effect.gen(function*() {
        const api = yield* emulator({ functionTimeoutMs: 3000 })
        const fn = yield* spawnFunction("test/fixtures/faults.ts", {
          ...api.environment,
          AWS_LAMBDA_LOG_FORMAT: format
        })
        const invoke = (event: FaultEvent) => Effect.promise(() => api.invoke(event))
        const failed = yield* invoke({ mode: "fail", value: "bigint" })
        expect(asError(failed).document).toEqual(hostileDocuments.bigint!.fail)
        const died = yield* invoke({ mode: "die", value: "nullPrototype" })
        expect(asError(died).document).toEqual(hostileDocuments.nullPrototype!.die)
        const detached = yield* invoke({ mode: "detached", value: "proxy" })
        expect(asResponse(detached).text).toBe("served")
        const streamed = yield* invoke({ mode: "stream-die", value: "throwingMessage" })
        expect(asError(streamed).document).toEqual(hostileDocuments.throwingMessage!.die)
        expect(asResponse(yield* invoke({ mode: "ok" })).text).toBe("served")
        expect(fn.child.exitCode).toBeNull()
        const stdout = fn.stdout()
        for (const record of [failed, died, streamed]) expect(stdout).toContain(record.requestId)
        expect(faultLogFindings(format, stdout, { failed: failed.requestId, detached: detached.requestId }))
          .toMatchObject(expectedFaultLog[format])
      })))
  }
})
