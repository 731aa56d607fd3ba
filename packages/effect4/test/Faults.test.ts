/**
 * Reporting a failure never fails, on the Effect 4 line (issue 10 on the Effect 3 line): whatever
 * value the handler fails or dies with, buffered or after a stream's first byte, the invocation
 * gets exactly one answer (the documents of test/hostile.ts, which both lines share) and the
 * loop goes on. Through the emulator, as test/Faults.test.ts does for the Effect 3 line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Stream } from "effect"
import { hostile, hostileDocuments } from "../../../test/hostile.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type * as Emulator from "../../../src/Emulator.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { ErrorDocument } from "../src/internal/core.js"
import { asError, asResponse, emulatorScoped, inProcess, serveOn, text } from "./support.js"

interface FaultEvent {
  readonly mode: "ok" | "fail" | "die" | "detached" | "stream-fail" | "stream-die"
  readonly value?: string
}

/**
 * The cause the handler ends with, the value handed over as it is (`failCause`): building the
 * failure must not be what trips over a hostile value.
 */
const causeOf = (event: FaultEvent, kind: "fail" | "die"): Effect.Effect<never, unknown> => {
  const value = hostile[event.value ?? "nullPrototype"]!()
  return Effect.failCause(kind === "fail" ? Cause.fail(value) : Cause.die(value))
}

/** One handler for every fault: the event says what to fail or die with, and where. */
const handler = LambdaHandler.stream((event: FaultEvent) => {
  switch (event.mode) {
    case "fail":
    case "die":
      return causeOf(event, event.mode)
    case "detached":
      return Effect.as(LambdaContext.detach(causeOf(event, "die")), Stream.make("served"))
    case "stream-fail":
      return Stream.concat(Stream.make("partial"), Stream.fromEffect(causeOf(event, "fail")))
    case "stream-die":
      return Stream.concat(Stream.make("partial"), Stream.fromEffect(causeOf(event, "die")))
    default:
      return Stream.make("served")
  }
})

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

    it.live(`a detached fiber dying with any value is logged; the response stands and the loop goes on (${logFormat} logs)`, () =>
      Effect.gen(function*() {
        const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
        yield* serveOn(emulator, LambdaRuntime.serve(handler, { ...inProcess, logFormat }))
        let invocations = 0
        for (const value of Object.keys(hostile)) {
          const record = yield* Effect.promise(() => emulator.invoke({ mode: "detached", value }))
          invocations++
          expect({ value, text: asResponse(record).text }).toEqual({ value, text: "served" })
          yield* answeredOnceThenNext(emulator, record, invocations)
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
