/**
 * Reporting a failure never fails (issue 10): whatever value the handler fails or dies with,
 * in a buffered response, a stream or a detached fiber, the invocation gets exactly one answer
 * and the loop goes on to the next one. Everything runs through the real protocol: an
 * in-process loop against the emulator, and the runtime as a child process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, FiberId, Layer, Logger, LogLevel, Stream } from "effect"
import type { Scope } from "effect"
import * as Emulator from "../src/Emulator.js"
import { MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_TYPE_LENGTH, MAX_STACK_LINES } from "../src/internal/core/errorDocument.js"
import { fromCause } from "../src/internal/runtime/causeDocument.js"
import type { LogFormat } from "../src/internal/runtime/logger.js"
import * as Runtime from "../src/internal/runtime/init.js"
import * as RuntimeApiClient from "../src/internal/runtime/runtimeApiClient.js"
import { LambdaContext, LambdaHandler, LambdaRuntime } from "../src/index.js"
import type { Response } from "../src/RuntimeApi.js"
import {
  documentValues,
  expectedFaultLog,
  faultLogFindings,
  hostile,
  hostileDocuments as expected,
  toJsonThrown
} from "./hostile.js"
import type { HostileDocument as Document } from "./hostile.js"
import { spawnFunction } from "./process.js"
import { lambdaEnv } from "./support.js"

/** Effect's own channel looks into a stream's defect (`in`): the Proxy's trap throws there, and that is the defect. */
const dyingProxyInStream = { errorType: "Error", errorMessage: "trap has" }

const names = Object.keys(hostile)

interface FaultEvent {
  readonly mode: "ok" | "fail" | "die" | "detached" | "stream-fail" | "stream-die" | "toJSON"
  readonly value?: string
}

const make = (event: FaultEvent): unknown => hostile[event.value ?? "nullPrototype"]!()

/**
 * The cause the handler ends with. `Effect.fail`/`Effect.die` themselves look into an object
 * (`in`) and would throw on the Proxy in the handler's own code; `failCause` hands it over as is.
 */
const causeOf = (event: FaultEvent, kind: "fail" | "die"): Effect.Effect<never, unknown> => {
  const value = make(event)
  if (event.value === "proxy") return Effect.failCause(kind === "fail" ? Cause.fail(value) : Cause.die(value))
  return kind === "fail" ? Effect.fail(value) : Effect.die(value)
}

/** One handler for every fault: the event says what to fail, die or detach with. */
const handler = LambdaHandler.stream((event: FaultEvent, context: LambdaContext) => {
  switch (event.mode) {
    case "fail":
      return causeOf(event, "fail")
    case "die":
      return causeOf(event, "die")
    case "detached":
      return Effect.as(Effect.forkIn(causeOf(event, "die"), context.detachedScope), Stream.make("served"))
    case "stream-fail":
      return Stream.make("partial").pipe(Stream.concat(Stream.fromEffect(causeOf(event, "fail"))))
    case "stream-die":
      return Stream.make("partial").pipe(Stream.concat(Stream.fromEffect(causeOf(event, "die"))))
    default:
      return Stream.make("served")
  }
})

/**
 * Serves `program` in-process against the emulator with the runtime's own Lambda loggers only
 * (the capture logger of support.ts renders causes with `Cause.pretty`, which throws on these
 * values: that case is tested on its own below).
 */
const serve = (
  emulator: Emulator.EmulatorService,
  program: Effect.Effect<never, unknown>,
  extraLayer: Layer.Layer<never> = Layer.empty
): Effect.Effect<void, never, Scope.Scope> =>
  program.pipe(
    Effect.provide(extraLayer),
    Effect.withConfigProvider(lambdaEnv(emulator.host, emulator.environment)),
    Effect.forkScoped,
    Effect.asVoid
  )

const options = (logFormat: LogFormat) => ({ registerExtension: false, logLevel: LogLevel.All, logFormat })

const errorOutcome = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Error")
  return record.outcome as Extract<Emulator.InvocationOutcome, { _tag: "Error" }>
}

const responseText = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Response")
  return (record.outcome as Extract<Emulator.InvocationOutcome, { _tag: "Response" }>).text
}

/** The invocation was answered once, and `/next` was only asked after that answer. */
const answeredOnceThenNext = (emulator: Emulator.EmulatorService, record: Emulator.InvocationRecord, nth: number) =>
  Effect.gen(function*() {
    expect(record.posts.filter((post) => post.status === 202)).toHaveLength(1)
    const nextAt = yield* emulator.awaitNextRequest(nth + 1)
    expect(nextAt).toBeGreaterThanOrEqual(record.resultAt!)
  })

describe("Faults: reporting a failure never crashes the loop", () => {
  for (const format of ["Text", "JSON"] as const) {
    describe(`${format} logs`, () => {
      it.scopedLive("a handler failing or dying with any value gets its /error, and the loop goes on", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
          yield* serve(emulator, LambdaRuntime.serve(handler, options(format)))
          let invocations = 0
          for (const value of names) {
            for (const mode of ["fail", "die"] as const) {
              const record = yield* emulator.invoke({ mode, value })
              invocations++
              expect({ value, mode, document: errorOutcome(record).document }).toEqual({
                value,
                mode,
                document: expected[value]![mode]
              })
              yield* answeredOnceThenNext(emulator, record, invocations)
            }
          }
          expect(responseText(yield* emulator.invoke({ mode: "ok" }))).toBe("served")
        }))

      it.scopedLive("a detached fiber dying with any value is logged; the response stands and the loop goes on", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
          yield* serve(emulator, LambdaRuntime.serve(handler, options(format)))
          let invocations = 0
          for (const value of names) {
            const record = yield* emulator.invoke({ mode: "detached", value })
            invocations++
            expect({ value, text: responseText(record) }).toEqual({ value, text: "served" })
            yield* answeredOnceThenNext(emulator, record, invocations)
          }
          expect(responseText(yield* emulator.invoke({ mode: "ok" }))).toBe("served")
        }))

      it.scopedLive("a stream failing or dying with any value after its first byte ends with error trailers, before /next", () =>
        Effect.gen(function*() {
          const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
          yield* serve(emulator, LambdaRuntime.serve(handler, options(format)))
          let invocations = 0
          for (const value of names) {
            for (const mode of ["fail", "die"] as const) {
              const record = yield* emulator.invoke({ mode: `stream-${mode}`, value })
              invocations++
              const outcome = errorOutcome(record)
              const document = value === "proxy" && mode === "die" ? dyingProxyInStream : expected[value]![mode]
              expect({ value, mode, type: outcome.errorTypeHeader, document: outcome.document }).toMatchObject({
                value,
                mode,
                type: document.errorType,
                document
              })
              expect(Buffer.from(outcome.streamedBody ?? new Uint8Array()).toString()).toBe("partial")
              yield* answeredOnceThenNext(emulator, record, invocations)
            }
          }
          expect(responseText(yield* emulator.invoke({ mode: "ok" }))).toBe("served")
        }))
    })
  }

  it.scopedLive("a logger that throws on every cause does not keep the invocation from its /error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
      const throwing = Logger.make(({ cause }) => {
        if (!Cause.isEmpty(cause)) throw new Error("this logger cannot render causes")
      })
      yield* serve(emulator, LambdaRuntime.serve(handler, options("Text")), Logger.add(throwing))
      const failed = yield* emulator.invoke({ mode: "fail", value: "bigint" })
      expect(errorOutcome(failed).document).toEqual(expected.bigint!.fail)
      const detached = yield* emulator.invoke({ mode: "detached", value: "bigint" })
      expect(responseText(detached)).toBe("served")
      const streamed = yield* emulator.invoke({ mode: "stream-die", value: "bigint" })
      expect(errorOutcome(streamed).document).toEqual(expected.bigint!.die)
      yield* answeredOnceThenNext(emulator, streamed, 3)
      expect(responseText(yield* emulator.invoke({ mode: "ok" }))).toBe("served")
    }))

  it.scopedLive("a raw handler's response that is not one is reported as the handler's defect", () =>
    Effect.gen(function*() {
      // By the event's size in bytes: a number, an object that only looks like bytes, no content type.
      const invalid: Record<number, Response> = {
        1: { _tag: "Buffered", body: 42, contentType: "text/plain" } as unknown as Response,
        2: { _tag: "Buffered", body: { byteLength: 3 }, contentType: "text/plain" } as unknown as Response,
        3: { _tag: "Buffered", body: "ok", contentType: undefined } as unknown as Response
      }
      const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
      yield* serve(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.raw((invocation) =>
            Effect.succeed(
              // What an untyped caller can hand back: a body that is neither bytes nor a string.
              invalid[invocation.body.byteLength] ?? LambdaHandler.buffered("fine")
            )
          ),
          options("Text")
        )
      )
      let invocations = 0
      for (const length of Object.keys(invalid)) {
        const record = yield* emulator.invoke("x".repeat(Number(length)))
        invocations++
        expect({ length, outcome: record.outcome?._tag }).toEqual({ length, outcome: "Error" })
        expect(errorOutcome(record).document).toMatchObject({ errorType: "TypeError" })
        yield* answeredOnceThenNext(emulator, record, invocations)
      }
      expect(responseText(yield* emulator.invoke("valid"))).toBe("fine")
    }))

  it.scopedLive("a defect while posting the response (a bug of ours) still answers the invocation with /error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
      // The real client, with a bug injected into its first `/response` post.
      let posts = 0
      const buggy: Runtime.MakeRuntimeApi = (endpoint) =>
        Effect.map(RuntimeApiClient.make(endpoint), (api) => ({
          ...api,
          respond: (requestId, response) =>
            posts++ === 0 ? Effect.die(new Error("bug in respond")) : api.respond(requestId, response)
        }))
      yield* serve(emulator, Runtime.serve(() => Effect.succeed("fine"), options("Text"), { makeApi: buggy }))
      const record = yield* emulator.invoke({})
      expect(errorOutcome(record).document).toMatchObject({ errorType: "Error", errorMessage: "bug in respond" })
      yield* answeredOnceThenNext(emulator, record, 1)
      expect(responseText(yield* emulator.invoke({}))).toBe(`"fine"`)
    }))

  it.scopedLive("a defect while posting /error (a bug of ours) posts Runtime.Unhandled instead", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
      let posts = 0
      const buggy: Runtime.MakeRuntimeApi = (endpoint) =>
        Effect.map(RuntimeApiClient.make(endpoint), (api) => ({
          ...api,
          fail: (requestId, document) =>
            posts++ === 0 ? Effect.die(new Error("bug in fail")) : api.fail(requestId, document)
        }))
      yield* serve(
        emulator,
        Runtime.serve(() => Effect.fail(new Error("handler failed")), options("Text"), { makeApi: buggy })
      )
      const record = yield* emulator.invoke({})
      expect(errorOutcome(record).document).toEqual({
        errorType: "Runtime.Unhandled",
        errorMessage: "The error could not be posted: bug in fail",
        stackTrace: []
      })
      yield* answeredOnceThenNext(emulator, record, 1)
      expect(errorOutcome(yield* emulator.invoke({})).document).toMatchObject({ errorMessage: "handler failed" })
    }))

  it.scopedLive("a defect while ending a streamed POST (a bug of ours) still ends it with error trailers before /next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
      let ends = 0
      const buggy: Runtime.MakeRuntimeApi = (endpoint) =>
        Effect.map(RuntimeApiClient.make(endpoint), (api) => ({
          ...api,
          streamResponse: (requestId, contentType) =>
            Effect.map(api.streamResponse(requestId, contentType), (writer) => ({
              ...writer,
              end: (error) => ends++ === 0 ? Effect.die(new Error("bug in end")) : writer.end(error)
            }))
        }))
      yield* serve(emulator, Runtime.serve(handler, options("Text"), { makeApi: buggy }))
      const record = yield* emulator.invoke({ mode: "ok" })
      expect(errorOutcome(record)).toMatchObject({
        errorTypeHeader: "Runtime.Unhandled",
        document: {
          errorType: "Runtime.Unhandled",
          errorMessage: "The streamed response could not be ended: bug in end"
        }
      })
      yield* answeredOnceThenNext(emulator, record, 1)
      expect(responseText(yield* emulator.invoke({ mode: "ok" }))).toBe("served")
    }))

  it.scopedLive("a result whose toJSON throws anything (null, undefined, a string, an Error) is Runtime.MarshalError", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 2000 })
      yield* serve(
        emulator,
        LambdaRuntime.serve(
          (event: { readonly index: number }) =>
            Effect.succeed({
              toJSON() {
                throw toJsonThrown[event.index]!.thrown()
              }
            }),
          options("JSON")
        )
      )
      for (let index = 0; index < toJsonThrown.length; index++) {
        const document = errorOutcome(yield* emulator.invoke({ index })).document as Document
        expect({ index, errorType: document.errorType, errorMessage: document.errorMessage }).toEqual({
          index,
          errorType: "Runtime.MarshalError",
          errorMessage: toJsonThrown[index]!.message
        })
      }
    }))

  it.scopedLive("a huge message and stack are cut to bounded sizes, posted and streamed in trailers", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 5000 })
      const huge = () => {
        const error = new Error("m".repeat(20 * 1024 * 1024))
        error.stack = `Error: big\n${"    at frame (file.js:1:1)\n".repeat(10_000)}${"s".repeat(10_000)}`
        return error
      }
      yield* serve(
        emulator,
        LambdaRuntime.serve(
          LambdaHandler.stream((event: { readonly stream: boolean }) =>
            event.stream ? Stream.make("partial").pipe(Stream.concat(Stream.fail(huge()))) : Effect.fail(huge())
          ),
          // A 20 MB line per failure is not what this test is about.
          { registerExtension: false, logLevel: LogLevel.None }
        )
      )
      const posted = errorOutcome(yield* emulator.invoke({ stream: false })).document as Document
      expect(posted.errorType).toBe("Error")
      expect(posted.errorMessage.startsWith("m".repeat(1000))).toBe(true)
      expect(posted.errorMessage.length).toBeLessThan(MAX_ERROR_MESSAGE_LENGTH + 100)
      expect(posted.errorMessage).toContain("[truncated")
      expect(posted.stackTrace).toHaveLength(MAX_STACK_LINES)
      const record = yield* emulator.invoke({ stream: true })
      const streamed = errorOutcome(record)
      expect(streamed.errorTypeHeader).toBe("Error")
      expect((streamed.document as Document).errorMessage).toContain("[truncated")
      yield* answeredOnceThenNext(emulator, record, 2)
    }))
})

describe("Faults: the runtime as a process", () => {
  for (const format of ["Text", "JSON"] as const) {
    it.scopedLive(`keeps serving after failures, defects, detached and stream faults with hostile values (${format} logs)`, () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 3000 })
        const fn = yield* spawnFunction("test/fixtures/faults.ts", {
          ...emulator.environment,
          AWS_LAMBDA_LOG_FORMAT: format
        })
        const failed = yield* emulator.invoke({ mode: "fail", value: "bigint" })
        expect(errorOutcome(failed).document).toEqual(expected.bigint!.fail)
        const died = yield* emulator.invoke({ mode: "die", value: "nullPrototype" })
        expect(errorOutcome(died).document).toEqual(expected.nullPrototype!.die)
        const detached = yield* emulator.invoke({ mode: "detached", value: "proxy" })
        expect(responseText(detached)).toBe("ok")
        const streamed = yield* emulator.invoke({ mode: "stream", value: "throwingMessage" })
        expect(errorOutcome(streamed).document).toEqual(expected.throwingMessage!.die)
        expect(responseText(yield* emulator.invoke({ mode: "ok" }))).toBe("ok")
        expect(fn.child.exitCode).toBeNull()
        const stdout = fn.stdout()
        for (const record of [failed, died, streamed]) {
          expect(stdout).toContain(record.requestId)
        }
        expect(faultLogFindings(format, stdout, { failed: failed.requestId, detached: detached.requestId }))
          .toMatchObject(expectedFaultLog[format])
      }))
  }
})

describe("Faults: error documents", () => {
  it("are plain, bounded strings for any failure or defect, alone or combined", () => {
    for (const value of documentValues.map((make) => make())) {
      for (
        const cause of [
          Cause.fail(value),
          Cause.die(value),
          Cause.parallel(Cause.interrupt(FiberId.none), Cause.die(value))
        ]
      ) {
        const document = fromCause(cause)
        expect(JSON.parse(JSON.stringify(document))).toEqual(document)
        expect(document.errorMessage.length).toBeLessThan(MAX_ERROR_MESSAGE_LENGTH + 100)
      }
    }
    // `errorType` also travels in a header: a tag the size of a message is cut short.
    const document = fromCause(Cause.fail({ _tag: "T".repeat(10_000) }))
    expect(document.errorType.length).toBeLessThan(MAX_ERROR_TYPE_LENGTH + 100)
  })
})
