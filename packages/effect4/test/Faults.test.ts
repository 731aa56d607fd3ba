/**
 * Reporting a failure never fails, on the Effect 4 line (issue 10 on the Effect 3 line): whatever
 * value the handler fails or dies with, buffered or after a stream's first byte, the invocation
 * gets exactly one answer (the documents of test/hostile.ts, which both lines share) and the
 * loop goes on. Through the emulator, as test/Faults.test.ts does for the Effect 3 line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Logger, Stream } from "effect"
import {
  documentValues,
  expectedFaultLog,
  faultLogFindings,
  hostile,
  hostileDocuments,
  toJsonThrown
} from "../../../test/hostile.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type * as Emulator from "../../../src/Emulator.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { ErrorDocument } from "../src/internal/core.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"
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

  it.live("a logger that throws on every cause does not keep the invocation from its /error", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
      const throwing = Logger.make(({ cause }) => {
        if (cause.reasons.length > 0) throw new Error("this logger cannot render causes")
      })
      // The user's logger, beside the runtime's, for every line of the function.
      const layer = Logger.layer([throwing], { mergeWithExisting: true })
      yield* serveOn(emulator, LambdaRuntime.serve(handler, { ...inProcess, layer }))
      const failed = yield* Effect.promise(() => emulator.invoke({ mode: "fail", value: "bigint" }))
      expect(asError(failed).document).toEqual(hostileDocuments.bigint!.fail)
      const detached = yield* Effect.promise(() => emulator.invoke({ mode: "detached", value: "bigint" }))
      expect(asResponse(detached).text).toBe("served")
      const streamed = yield* Effect.promise(() => emulator.invoke({ mode: "stream-die", value: "bigint" }))
      expect(asError(streamed).document).toEqual(hostileDocuments.bigint!.die)
      yield* answeredOnceThenNext(emulator, streamed, 3)
      expect(asResponse(yield* Effect.promise(() => emulator.invoke({ mode: "ok" }))).text).toBe("served")
    }))

  it.live("a raw handler's response that is not one is reported as the handler's defect", () =>
    Effect.gen(function*() {
      // By the event's size in bytes: a number, an object that only looks like bytes, no content type.
      const invalid: Record<number, LambdaHandler.Response> = {
        1: { _tag: "Buffered", body: 42, contentType: "text/plain" } as unknown as LambdaHandler.Response,
        2: {
          _tag: "Buffered",
          body: { byteLength: 3 },
          contentType: "text/plain"
        } as unknown as LambdaHandler.Response,
        3: { _tag: "Buffered", body: "ok", contentType: undefined } as unknown as LambdaHandler.Response
      }
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.raw((invocation) =>
            // What an untyped caller can hand back: a body that is neither bytes nor a string.
            Effect.succeed(invalid[invocation.body.byteLength] ?? LambdaHandler.buffered("fine"))
          ),
          inProcess
        )
      )
      let invocations = 0
      for (const length of Object.keys(invalid)) {
        const record = yield* Effect.promise(() => emulator.invoke("x".repeat(Number(length))))
        invocations++
        expect({ length, outcome: record.outcome?._tag }).toEqual({ length, outcome: "Error" })
        expect(asError(record).document).toMatchObject({ errorType: "TypeError" })
        yield* answeredOnceThenNext(emulator, record, invocations)
      }
      expect(asResponse(yield* Effect.promise(() => emulator.invoke("valid"))).text).toBe("fine")
    }))

  it.live("a result whose toJSON throws anything (null, undefined, a string, an Error) is Runtime.MarshalError", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          (event: { readonly index: number }) =>
            Effect.succeed({
              toJSON() {
                throw toJsonThrown[event.index]!.thrown()
              }
            }),
          { ...inProcess, logFormat: "JSON" }
        )
      )
      for (let index = 0; index < toJsonThrown.length; index++) {
        const document = asError(yield* Effect.promise(() => emulator.invoke({ index }))).document
        expect({ index, errorType: document.errorType, errorMessage: document.errorMessage }).toEqual({
          index,
          errorType: "Runtime.MarshalError",
          errorMessage: toJsonThrown[index]!.message
        })
      }
    }))
})

/**
 * The loop on the real client with a bug injected into one of its calls (the first only): the
 * invocation is still answered, and the loop goes on.
 */
const servingBuggy = <E, R>(
  emulator: EmulatorBridge,
  inject: (api: RuntimeApiClient.RuntimeApiClient) => Partial<RuntimeApiClient.RuntimeApiClient>,
  handled: LambdaHandler.LambdaHandler<E, R>
) =>
  Effect.gen(function*() {
    const api = yield* RuntimeApiClient.make(emulator.environment.AWS_LAMBDA_RUNTIME_API!)
    yield* Effect.forkScoped(Loop.loop({ ...api, ...inject(api) }, handled, { timeoutMarginMs: 200 }))
  })

describe("Effect 4: a bug of ours while answering still answers the invocation", () => {
  it.live("a defect while posting the response (a bug of ours) still answers the invocation with /error", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
      let posts = 0
      yield* servingBuggy(
        emulator,
        (api) => ({
          respond: (requestId, body, contentType) =>
            posts++ === 0 ? Effect.die(new Error("bug in respond")) : api.respond(requestId, body, contentType)
        }),
        LambdaHandler.json(() => Effect.succeed("fine"))
      )
      const record = yield* Effect.promise(() => emulator.invoke({}))
      expect(asError(record).document).toMatchObject({ errorType: "Error", errorMessage: "bug in respond" })
      yield* answeredOnceThenNext(emulator, record, 1)
      expect(asResponse(yield* Effect.promise(() => emulator.invoke({}))).text).toBe(`"fine"`)
    }))

  it.live("a defect while posting /error (a bug of ours) posts Runtime.Unhandled instead", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
      let posts = 0
      yield* servingBuggy(
        emulator,
        (api) => ({
          fail: (requestId, document) =>
            posts++ === 0 ? Effect.die(new Error("bug in fail")) : api.fail(requestId, document)
        }),
        LambdaHandler.json(() => Effect.fail(new Error("handler failed")))
      )
      const record = yield* Effect.promise(() => emulator.invoke({}))
      expect(asError(record).document).toEqual({
        errorType: "Runtime.Unhandled",
        errorMessage: "The error could not be posted: bug in fail",
        stackTrace: []
      })
      yield* answeredOnceThenNext(emulator, record, 1)
      expect(asError(yield* Effect.promise(() => emulator.invoke({}))).document).toMatchObject({
        errorMessage: "handler failed"
      })
    }))

  it.live("a defect while ending a streamed POST (a bug of ours) still ends it with error trailers before /next", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 2000 })
      let ends = 0
      yield* servingBuggy(
        emulator,
        (api) => ({
          openStream: (requestId, contentType) => {
            const writer = api.openStream(requestId, contentType)
            return {
              ...writer,
              end: (error, done) => {
                if (ends++ === 0) throw new Error("bug in end")
                return writer.end(error, done)
              }
            }
          }
        }),
        handler
      )
      const record = yield* Effect.promise(() => emulator.invoke({ mode: "ok" }))
      expect(asError(record)).toMatchObject({
        errorTypeHeader: "Runtime.Unhandled",
        document: {
          errorType: "Runtime.Unhandled",
          errorMessage: "The streamed response could not be ended: bug in end"
        }
      })
      yield* answeredOnceThenNext(emulator, record, 1)
      expect(asResponse(yield* Effect.promise(() => emulator.invoke({ mode: "ok" }))).text).toBe("served")
    }))
})

/** The cause a value is failed with: alone as a failure or a defect, or a defect beside an interruption. */
const documentCauses: ReadonlyArray<(value: unknown) => Cause.Cause<unknown>> = [
  Cause.fail,
  Cause.die,
  // Made from its reasons: `Cause.combine` hashes them, and a Proxy throws there first.
  (value) => Cause.fromReasons([...Cause.interrupt().reasons, ...Cause.die(value).reasons])
]

describe("Effect 4: error documents", () => {
  it.live("are plain, bounded strings for any failure or defect, alone or combined", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped({ functionTimeoutMs: 5000 })
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          (event: { readonly value: number; readonly cause: number } | { readonly longTag: true }) =>
            "longTag" in event
              ? Effect.fail({ _tag: "T".repeat(10_000) })
              : Effect.failCause(documentCauses[event.cause]!(documentValues[event.value]!())),
          // A 1 MB line per failure is not what this test is about.
          { ...inProcess, logLevel: "None" }
        )
      )
      for (let value = 0; value < documentValues.length; value++) {
        for (let cause = 0; cause < documentCauses.length; cause++) {
          const document = asError(yield* Effect.promise(() => emulator.invoke({ value, cause }))).document
          expect({ value, cause, document: JSON.parse(JSON.stringify(document)) }).toEqual({ value, cause, document })
          expect(document.errorMessage.length).toBeLessThan(ErrorDocument.MAX_ERROR_MESSAGE_LENGTH + 100)
        }
      }
      // `errorType` also travels in a header: a tag the size of a message is cut short.
      const long = asError(yield* Effect.promise(() => emulator.invoke({ longTag: true })))
      expect(long.document.errorType.length).toBeLessThan(ErrorDocument.MAX_ERROR_TYPE_LENGTH + 100)
      expect(long.errorTypeHeader).toBe(long.document.errorType)
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
