import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Data, Deferred, Effect, Exit, Fiber, Layer, Option, Ref, Schema, Supervisor } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext, LambdaHandler, LambdaRuntime } from "../src/index.js"
import { inProcess, now, serveOn } from "./support.js"

const accepted = (record: Emulator.InvocationRecord) => record.posts.filter((post) => post.status === 202)

const errorDocument = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Error")
  return (record.outcome as { document: { errorType: string; errorMessage: string; stackTrace: Array<string> } })
    .document
}

const responseJson = (record: Emulator.InvocationRecord): unknown => {
  expect(record.outcome?._tag).toBe("Response")
  return JSON.parse((record.outcome as { text: string }).text)
}

describe("LambdaRuntime", () => {
  describe("detached work", () => {
    it.scopedLive("posts the response before detached work finishes", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const gate = yield* Deferred.make<void>()
        const detachedDone = yield* Deferred.make<number>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              yield* Effect.forkIn(
                Deferred.await(gate).pipe(
                  Effect.zipRight(Effect.sync(now)),
                  Effect.flatMap((at) => Deferred.succeed(detachedDone, at))
                ),
                context.detachedScope
              )
              return { ok: true }
            }), inProcess)
        )
        // The invoke completes while the detached fiber is still blocked on a gate that only
        // opens after the response has arrived: the response cannot have waited for it.
        const record = yield* emulator.invoke({})
        expect(responseJson(record)).toEqual({ ok: true })
        expect(yield* Deferred.isDone(detachedDone)).toBe(false)
        yield* Deferred.succeed(gate, undefined)
        const finishedAt = yield* Deferred.await(detachedDone)
        const nextAt = yield* emulator.awaitNextRequest(2)
        expect(nextAt).toBeGreaterThanOrEqual(finishedAt)
      }))

    it.scopedLive("does not ask for /next while detached fibers (and their late forks) run", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const finished: Array<{ name: string; at: number }> = []
        const work = (name: string, ms: number) =>
          Effect.sleep(ms).pipe(Effect.zipRight(Effect.sync(() => finished.push({ name, at: now() }))))
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              yield* Effect.forkIn(
                Effect.gen(function*() {
                  yield* work("outer", 30)
                  // a fork made late, from inside a detached fiber, into the same scope
                  yield* Effect.forkIn(work("nested", 80), context.detachedScope)
                }),
                context.detachedScope
              )
              yield* LambdaContext.detach(work("helper", 20))
              return "done"
            }), inProcess)
        )
        const record = yield* emulator.invoke({})
        expect(responseJson(record)).toBe("done")
        const nextAt = yield* emulator.awaitNextRequest(2)
        expect(finished.map((f) => f.name).sort()).toEqual(["helper", "nested", "outer"])
        for (const f of finished) expect(nextAt).toBeGreaterThanOrEqual(f.at)
        expect(record.resultAt!).toBeLessThan(Math.min(...finished.map((f) => f.at)))
      }))

    it.scopedLive("does not wait for forkDaemon fibers started by the handler", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const never = yield* Deferred.make<void>()
        const daemons = yield* Ref.make<Array<Fiber.RuntimeFiber<void>>>([])
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(() =>
            Effect.gen(function*() {
              const fiber = yield* Effect.forkDaemon(Deferred.await(never))
              yield* Ref.update(daemons, (all) => [...all, fiber])
              return "ok"
            }), inProcess)
        )
        yield* emulator.invoke({})
        yield* emulator.invoke({})
        yield* emulator.awaitNextRequest(3)
        const fibers = yield* Ref.get(daemons)
        expect(fibers).toHaveLength(2)
        for (const fiber of fibers) expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* Effect.forEach(fibers, Fiber.interrupt)
      }))

    it.scopedLive("interrupts detached fibers at deadline - margin and runs their finalizers before /next", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
        const finalized = yield* Deferred.make<number>()
        const { logs } = yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              yield* Effect.forkIn(
                Effect.never.pipe(
                  Effect.onInterrupt(() => Effect.flatMap(Effect.sync(now), (at) => Deferred.succeed(finalized, at)))
                ),
                context.detachedScope
              )
              return "ok"
            }), { ...inProcess, timeoutMargin: "200 millis" })
        )
        const record = yield* emulator.invoke({})
        expect(responseJson(record)).toBe("ok")
        const finalizedAt = yield* Deferred.await(finalized)
        const nextAt = yield* emulator.awaitNextRequest(2)
        expect(finalizedAt).toBeGreaterThanOrEqual(record.deadlineMs - 200)
        expect(nextAt).toBeGreaterThanOrEqual(finalizedAt)
        expect(nextAt).toBeLessThan(record.deadlineMs)
        expect(logs.some((l) => l.level === "DEBUG" && l.message.includes("1 interrupted"))).toBe(true)
      }))

    it.scopedLive("exits (fails fatally) when a detached fiber refuses interruption past the deadline", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 600 })
        const { fiber, logs } = yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            (_: unknown, context: LambdaContext) =>
              Effect.forkIn(Effect.uninterruptible(Effect.sleep("3 seconds")), context.detachedScope).pipe(
                Effect.as("ok")
              ),
            inProcess
          )
        )
        const record = yield* emulator.invoke({})
        expect(responseJson(record)).toBe("ok")
        const exit = yield* Fiber.await(fiber)
        expect(Exit.isFailure(exit)).toBe(true)
        const fatal = logs.find((l) => l.level === "FATAL")
        expect(fatal?.message).toMatch(/Detached fibers #\d+ refused interruption/)
        expect(fatal?.annotations.requestId).toBe(record.requestId)
        expect(yield* emulator.nextRequests).toHaveLength(1)
      }))

    it.scopedLive("logs a detached failure with the request id and keeps the posted response", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const { logs } = yield* serveOn(
          emulator,
          LambdaRuntime.serve((event: { fail: boolean }, context: LambdaContext) =>
            Effect.gen(function*() {
              if (event.fail) yield* Effect.forkIn(Effect.fail("metrics backend down"), context.detachedScope)
              if (event.fail) yield* Effect.forkIn(Effect.die(new Error("span flush crashed")), context.detachedScope)
              return { served: true }
            }), inProcess)
        )
        const failed = yield* emulator.invoke({ fail: true })
        expect(responseJson(failed)).toEqual({ served: true })
        const second = yield* emulator.invoke({ fail: false })
        expect(responseJson(second)).toEqual({ served: true })
        const errors = logs.filter((l) => l.level === "ERROR" && l.message.startsWith("Detached fiber"))
        expect(errors).toHaveLength(2)
        for (const error of errors) expect(error.annotations.requestId).toBe(failed.requestId)
        expect(errors.map((e) => e.cause).join("\n")).toContain("metrics backend down")
        expect(errors.map((e) => e.cause).join("\n")).toContain("span flush crashed")
        expect(logs.some((l) => l.level === "DEBUG" && l.message.includes("0 completed, 2 failed"))).toBe(true)
        expect(accepted(failed)).toHaveLength(1)
      }))

    it.scopedLive("gives detached fibers their window when the handler fails", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const doneAt = yield* Deferred.make<number>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              yield* Effect.forkIn(
                Effect.sleep("50 millis").pipe(
                  Effect.zipRight(Effect.sync(now)),
                  Effect.flatMap((at) => Deferred.succeed(doneAt, at))
                ),
                context.detachedScope
              )
              return yield* Effect.fail(new Error("handler failed"))
            }), inProcess)
        )
        const record = yield* emulator.invoke({})
        expect(errorDocument(record).errorMessage).toBe("handler failed")
        const finishedAt = yield* Deferred.await(doneAt)
        expect(yield* emulator.awaitNextRequest(2)).toBeGreaterThanOrEqual(finishedAt)
      }))

    it.scopedLive("interrupts plain Effect.fork children when the handler ends", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const interruptedAt = yield* Deferred.make<number>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(() =>
            Effect.gen(function*() {
              // The child must have started: a fiber interrupted before it runs never enters its onInterrupt.
              const started = yield* Deferred.make<void>()
              yield* Effect.fork(
                Deferred.succeed(started, undefined).pipe(
                  Effect.zipRight(Effect.never),
                  Effect.onInterrupt(() =>
                    Effect.flatMap(Effect.sync(now), (at) => Deferred.succeed(interruptedAt, at))
                  )
                )
              )
              yield* Deferred.await(started)
              return "ok"
            }), inProcess)
        )
        const record = yield* emulator.invoke({})
        expect(responseJson(record)).toBe("ok")
        expect(yield* Deferred.await(interruptedAt)).toBeLessThanOrEqual(record.resultAt!)
      }))

    it.scopedLive("interrupts at once a fiber forked into a closed detached scope", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const previous = yield* Ref.make(Option.none<LambdaContext>())
        const ran = yield* Ref.make(false)
        const lateExit = yield* Deferred.make<Exit.Exit<void>>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              const old = yield* Ref.getAndSet(previous, Option.some(context))
              if (Option.isSome(old)) {
                const fiber = yield* Effect.forkIn(Ref.set(ran, true), old.value.detachedScope)
                yield* Deferred.succeed(lateExit, yield* Fiber.await(fiber))
              }
              return "ok"
            }), inProcess)
        )
        yield* emulator.invoke({})
        yield* emulator.invoke({})
        const exit = yield* Deferred.await(lateExit)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(yield* Ref.get(ran)).toBe(false)
      }))
  })

  describe("the invocation's Scope", () => {
    /** A resource of the invocation's scope that records its use and the exit it is released with. */
    const resource = (log: Array<string>, releasedWith: Deferred.Deferred<Exit.Exit<unknown, unknown>>) =>
      Effect.acquireRelease(
        Effect.sync(() => log.push("opened")).pipe(
          Effect.as({ use: (what: string) => Effect.sync(() => log.push(`used by ${what}`)) })
        ),
        (_, exit) => Effect.sync(() => log.push("closed")).pipe(Effect.zipRight(Deferred.succeed(releasedWith, exit)))
      )

    it.scopedLive("releases what the handler acquired after the response and the detached work, before /next", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const log: Array<string> = []
        const gate = yield* Deferred.make<void>()
        const releasedWith = yield* Deferred.make<Exit.Exit<unknown, unknown>>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              const db = yield* resource(log, releasedWith)
              yield* db.use("handler")
              yield* Effect.forkIn(Effect.zipRight(Deferred.await(gate), db.use("detached")), context.detachedScope)
              return "answered"
            }), inProcess)
        )
        expect(responseJson(yield* emulator.invoke({}))).toBe("answered")
        // The response is out; the detached fiber still needs the resource.
        expect(log).toEqual(["opened", "used by handler"])
        yield* Deferred.succeed(gate, undefined)
        expect(Exit.isSuccess(yield* Deferred.await(releasedWith))).toBe(true)
        expect(log).toEqual(["opened", "used by handler", "used by detached", "closed"])
        yield* emulator.awaitNextRequest(2)
        // The next invocation acquires its own.
        expect(responseJson(yield* emulator.invoke({}))).toBe("answered")
        expect(log.filter((line) => line === "opened")).toHaveLength(2)
      }))

    it.scopedLive("closes with the handler's failure, or with Runtime.HandlerTimeout when it was cut off", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
        const log: Array<string> = []
        const exits: Array<Deferred.Deferred<Exit.Exit<unknown, unknown>>> = []
        class Declined extends Data.TaggedError("Declined") {}
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((event: { readonly hang: boolean }) =>
            Effect.gen(function*() {
              const releasedWith = yield* Deferred.make<Exit.Exit<unknown, unknown>>()
              exits.push(releasedWith)
              yield* resource(log, releasedWith)
              return yield* event.hang ? Effect.never : new Declined()
            }), { ...inProcess, timeoutMargin: 200 })
        )
        expect(errorDocument(yield* emulator.invoke({ hang: false })).errorType).toBe("Declined")
        const failed = yield* Deferred.await(exits[0]!)
        expect(Exit.isFailure(failed) ? Cause.squash(failed.cause) : undefined).toBeInstanceOf(Declined)
        expect(errorDocument(yield* emulator.invoke({ hang: true })).errorType).toBe("Runtime.HandlerTimeout")
        const timedOut = yield* Deferred.await(exits[1]!)
        expect(Exit.isFailure(timedOut) ? Cause.squash(timedOut.cause) : undefined).toMatchObject({
          _tag: "HandlerTimeout"
        })
        yield* emulator.awaitNextRequest(3)
        expect(log).toEqual(["opened", "closed", "opened", "closed"])
      }))
  })

  describe("layers", () => {
    class Counter extends Context.Tag("test/Counter")<Counter, { readonly next: Effect.Effect<number> }>() {}

    it.scopedLive("builds the layer once and releases it on shutdown, not per invocation", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const events: Array<string> = []
        const CounterLive = Layer.scoped(
          Counter,
          Effect.acquireRelease(
            Effect.sync(() => {
              events.push("acquire")
              let n = 0
              return { next: Effect.sync(() => ++n) }
            }),
            () => Effect.sync(() => events.push("release"))
          )
        )
        const { fiber } = yield* serveOn(
          emulator,
          LambdaRuntime.serve(() => Effect.flatMap(Counter, (counter) => counter.next), {
            ...inProcess,
            layer: CounterLive
          })
        )
        const results: Array<unknown> = []
        for (let i = 0; i < 3; i++) results.push(responseJson(yield* emulator.invoke({})))
        expect(results).toEqual([1, 2, 3])
        expect(events).toEqual(["acquire"])
        yield* Fiber.interrupt(fiber)
        expect(events).toEqual(["acquire", "release"])
      }))

    it.scopedLive("posts /init/error when the layer fails and stops", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        class MissingSecret extends Data.TaggedError("MissingSecret")<{ readonly message: string }> {}
        const Broken = Layer.fail(new MissingSecret({ message: "DB_PASSWORD is not set" }))
        const { fiber } = yield* serveOn(
          emulator,
          LambdaRuntime.serve(() => Effect.succeed("never"), { ...inProcess, layer: Broken })
        )
        const error = yield* emulator.awaitInitError
        expect(error.document).toMatchObject({ errorType: "MissingSecret", errorMessage: "DB_PASSWORD is not set" })
        expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
        expect(yield* emulator.nextRequests).toHaveLength(0)
      }))
  })

  describe("timeouts", () => {
    it.scopedLive("interrupts a hanging handler at deadline - margin, runs its finalizers, posts Runtime.HandlerTimeout", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
        const finalizerRan = yield* Deferred.make<number>()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            () =>
              Effect.never.pipe(
                Effect.ensuring(Effect.flatMap(Effect.sync(now), (at) => Deferred.succeed(finalizerRan, at)))
              ),
            { ...inProcess, timeoutMargin: 200 }
          )
        )
        const record = yield* emulator.invoke({})
        const document = errorDocument(record)
        expect(document.errorType).toBe("Runtime.HandlerTimeout")
        expect(document.errorMessage).toMatch(/^Task timed out after 0\.\d\d seconds/)
        expect((record.outcome as { errorTypeHeader: string }).errorTypeHeader).toBe("Runtime.HandlerTimeout")
        expect(yield* Deferred.await(finalizerRan)).toBeLessThanOrEqual(record.resultAt!)
        expect(record.resultAt!).toBeLessThan(record.deadlineMs)
        // the runtime goes on serving
        expect(yield* emulator.awaitNextRequest(2)).toBeLessThan(record.deadlineMs)
      }))
  })

  describe("results and errors", () => {
    it.scopedLive("reports typed failures, defects and bad results with Lambda's error document (one post each)", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        class PaymentDeclined extends Data.TaggedError("PaymentDeclined")<{ readonly amount: number }> {}
        const circular: Record<string, unknown> = {}
        circular.self = circular
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((event: { kind: string }) => {
            switch (event.kind) {
              case "tagged":
                return Effect.fail(new PaymentDeclined({ amount: 42 }))
              case "typeError":
                return Effect.die(new TypeError("x is not a function"))
              case "string":
                return Effect.die("just a string")
              case "bigint":
                return Effect.succeed({ n: 10n })
              case "circular":
                return Effect.succeed(circular)
              case "undefined":
                return Effect.succeed(undefined)
              case "throw":
                return Effect.sync(() => {
                  throw new RangeError("thrown synchronously")
                })
              case "throwOutside":
                // Thrown by the handler function itself, before it returns an Effect.
                throw new SyntaxError("thrown before any Effect")
              default:
                return Effect.succeed({ kind: event.kind })
            }
          }, inProcess)
        )
        const invoke = (kind: string) => emulator.invoke({ kind })

        const tagged = errorDocument(yield* invoke("tagged"))
        expect(tagged.errorType).toBe("PaymentDeclined")
        expect(tagged.errorMessage).toBe(`{"amount":42}`)
        expect(Array.isArray(tagged.stackTrace)).toBe(true)
        expect(tagged.stackTrace.every((line) => typeof line === "string")).toBe(true)

        const typeError = errorDocument(yield* invoke("typeError"))
        expect(typeError).toMatchObject({ errorType: "TypeError", errorMessage: "x is not a function" })
        expect(typeError.stackTrace[0]).toContain("TypeError: x is not a function")

        expect(errorDocument(yield* invoke("string"))).toMatchObject({
          errorType: "Runtime.Unhandled",
          errorMessage: "just a string"
        })
        expect(errorDocument(yield* invoke("throw")).errorType).toBe("RangeError")
        expect(errorDocument(yield* invoke("throwOutside")).errorType).toBe("SyntaxError")

        const bigint = errorDocument(yield* invoke("bigint"))
        expect(bigint.errorType).toBe("Runtime.MarshalError")
        expect(bigint.errorMessage).toMatch(/BigInt/)
        expect(errorDocument(yield* invoke("circular")).errorType).toBe("Runtime.MarshalError")

        expect((((yield* invoke("undefined")).outcome) as { text: string }).text).toBe("null")
        expect(responseJson(yield* invoke("fine"))).toEqual({ kind: "fine" })

        for (const record of yield* emulator.invocations) expect(accepted(record)).toHaveLength(1)
        for (const record of yield* emulator.invocations) expect(record.posts).toHaveLength(1)
      }))

    it.scopedLive("sends the X-Ray error cause with each error: type, message, frames with file and line, bounded", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((event: { size: number }) =>
            Effect.sync(() => {
              throw new TypeError(`broken ${"é".repeat(event.size)}`)
            }), inProcess)
        )
        const cause = (record: Emulator.InvocationRecord) => {
          expect(record.outcome?._tag).toBe("Error")
          return (record.outcome as { xrayErrorCause?: unknown }).xrayErrorCause as {
            working_directory: string
            exceptions: Array<
              { type: string; message: string; stack: Array<{ path: string; line: number; label: string }> }
            >
            paths: Array<string>
          }
        }
        const small = cause(yield* emulator.invoke({ size: 1 }))
        expect(small.working_directory).toBe(process.cwd())
        expect(small.exceptions).toHaveLength(1)
        expect(small.exceptions[0]).toMatchObject({ type: "TypeError", message: "broken é" })
        // The first frame is the line that threw, in this file.
        expect(small.exceptions[0]!.stack[0]).toMatchObject({ path: expect.stringContaining("LambdaRuntime.test.ts") })
        expect(small.exceptions[0]!.stack[0]!.line).toBeGreaterThan(0)
        expect(small.paths).toContain(small.exceptions[0]!.stack[0]!.path)
        // A 16 KiB message does not fit a header: the cause is shortened, and still JSON.
        const big = cause(yield* emulator.invoke({ size: 20_000 }))
        expect(big.exceptions[0]!.type).toBe("TypeError")
        expect(big.exceptions[0]!.message.startsWith("broken éé")).toBe(true)
        expect(JSON.stringify(big).length).toBeLessThanOrEqual(8 * 1024)
      }))

    it.scopedLive("never posts a response over 6,291,556 bytes: Function.ResponseSizeTooLarge instead", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((event: { size: number }) => Effect.succeed("x".repeat(event.size)), inProcess)
        )
        const big = yield* emulator.invoke({ size: 6_291_556 }) // + 2 quotes once JSON-encoded
        const document = errorDocument(big)
        expect(document.errorType).toBe("Function.ResponseSizeTooLarge")
        expect(document.errorMessage).toContain("6291558")
        expect(document.errorMessage).toContain("6291556")
        expect(big.posts.map((p) => p.kind)).toEqual(["error"])
        const justFits = yield* emulator.invoke({ size: 6_291_554 })
        expect(justFits.outcome?._tag).toBe("Response")
      }))

    it.scopedLive("decodes the event with a Schema and names the failing path", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const Order = Schema.Struct({ id: Schema.String, items: Schema.Array(Schema.Struct({ qty: Schema.Number })) })
        const Out = Schema.Struct({ total: Schema.NumberFromString })
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            (order) => Effect.succeed({ total: order.items.reduce((sum, item) => sum + item.qty, 0) }),
            { ...inProcess, event: Order, output: Out }
          )
        )
        expect(responseJson(yield* emulator.invoke({ id: "a", items: [{ qty: 2 }, { qty: 3 }] }))).toEqual({
          total: "5"
        })
        const bad = errorDocument(yield* emulator.invoke({ id: "a", items: [{ qty: "2" }] }))
        expect(bad.errorType).toBe("Runtime.UnmarshalError")
        expect(bad.errorMessage).toContain(`["items"]`)
        expect(bad.errorMessage).toContain(`["qty"]`)
        const notJson = errorDocument(yield* emulator.invoke(new TextEncoder().encode("{not json")))
        expect(notJson.errorType).toBe("Runtime.UnmarshalError")
        expect(notJson.errorMessage).toContain("not valid JSON")
      }))

    it.scopedLive("reports an output Schema that refuses the result as Runtime.MarshalError", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const Positive = Schema.Struct({ n: Schema.Number.pipe(Schema.positive()) })
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((event: { n: number }) => Effect.succeed(event), { ...inProcess, output: Positive })
        )
        const document = errorDocument(yield* emulator.invoke({ n: -1 }))
        expect(document.errorType).toBe("Runtime.MarshalError")
        expect(document.errorMessage).toContain(`["n"]`)
      }))

    it.scopedLive("serves raw handlers byte for byte", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        yield* serveOn(
          emulator,
          LambdaRuntime.serve(
            LambdaHandler.raw((invocation) => Effect.succeed(LambdaHandler.buffered(invocation.body, "text/plain"))),
            inProcess
          )
        )
        const record = yield* emulator.invoke(new TextEncoder().encode("plain text, not JSON"))
        expect(record.outcome).toMatchObject({
          _tag: "Response",
          text: "plain text, not JSON",
          contentType: "text/plain"
        })
      }))
  })

  describe("context", () => {
    it.scopedLive("exposes the invocation's headers and environment, and sets _X_AMZN_TRACE_ID", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 5000 })
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              const fromTag = yield* LambdaContext
              const remaining = yield* LambdaContext.remainingTime
              return {
                same: fromTag === context,
                requestId: context.requestId,
                arn: context.invokedFunctionArn,
                traceId: context.traceId ?? null,
                envTraceId: process.env._X_AMZN_TRACE_ID ?? null,
                clientContext: context.clientContext ?? null,
                identity: context.identity ?? null,
                tenantId: context.tenantId ?? null,
                functionName: context.functionName,
                memory: context.memoryLimitInMB,
                region: context.region,
                remainingOk: remaining.value._tag === "Millis" && context.getRemainingTimeInMillis() > 0,
                deadlineMs: context.deadlineMs
              }
            }), inProcess)
        )
        const traced = yield* emulator.invoke({}, {
          traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
          clientContext: JSON.stringify({ custom: { k: "v" } }),
          cognitoIdentity: JSON.stringify({ cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" }),
          tenantId: "tenant-42"
        })
        expect(responseJson(traced)).toMatchObject({
          same: true,
          requestId: traced.requestId,
          traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
          envTraceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
          clientContext: { custom: { k: "v" } },
          identity: { cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" },
          tenantId: "tenant-42",
          memory: Number(emulator.environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? 256),
          region: emulator.environment.AWS_REGION,
          remainingOk: true,
          deadlineMs: traced.deadlineMs
        })
        // Without one from the invoke, the platform generates a trace id: not the previous invocation's.
        const untraced = responseJson(yield* emulator.invoke({})) as { traceId: string | null; envTraceId: unknown }
        expect(untraced).toMatchObject({ clientContext: null })
        expect(untraced.traceId).not.toBe("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
        expect(untraced.envTraceId).toBe(untraced.traceId)
      }))

    it.scopedLive("gets a well-formed trace id from the emulator when the invoke carries none, as on Lambda", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 5000 })
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.succeed({
              traceId: context.traceId ?? null,
              envTraceId: process.env._X_AMZN_TRACE_ID ?? null
            }), inProcess)
        )
        const first = responseJson(yield* emulator.invoke({})) as { traceId: string | null; envTraceId: unknown }
        const second = responseJson(yield* emulator.invoke({})) as { traceId: string | null; envTraceId: unknown }
        const wellFormed = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/
        for (const answer of [first, second]) {
          expect(answer.traceId).toMatch(wellFormed)
          expect(answer.envTraceId).toBe(answer.traceId)
        }
        expect(second.traceId).not.toBe(first.traceId)
        // The Root's time field is the invocation's epoch second.
        const seconds = parseInt(first.traceId!.slice(7, 15), 16)
        expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(60)
      }))
  })

  describe("logging", () => {
    it.scopedLive("annotates every line of an invocation, detached fibers included, with its request id", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        const { logs } = yield* serveOn(
          emulator,
          LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
            Effect.gen(function*() {
              yield* Effect.log("in handler")
              yield* Effect.forkIn(
                Effect.log("in detached").pipe(
                  Effect.zipRight(Effect.forkIn(Effect.log("in nested detached"), context.detachedScope)),
                  Effect.zipRight(Effect.fork(Effect.log("in detached child"))),
                  Effect.flatMap(Fiber.join)
                ),
                context.detachedScope
              )
              return "ok"
            }), inProcess)
        )
        const record = yield* emulator.invoke({})
        yield* emulator.awaitNextRequest(2)
        for (const message of ["in handler", "in detached", "in nested detached", "in detached child"]) {
          const line = logs.find((l) => l.message === message)
          expect(line?.annotations.requestId).toBe(record.requestId)
        }
      }))
  })

  describe("soak", () => {
    it.scopedLive("serves thousands of invocations without leaving fibers, handles or listeners behind", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make()
        // Every fiber the runtime starts (handler, detached, daemons) inherits this supervisor.
        const fibers = yield* Supervisor.track
        yield* serveOn(
          emulator,
          LambdaRuntime.serve((event: { i: number }, context: LambdaContext) =>
            Effect.gen(function*() {
              yield* Effect.forkIn(Effect.yieldNow(), context.detachedScope)
              yield* Effect.fork(Effect.never)
              return event.i
            }), inProcess).pipe(Effect.supervised(fibers))
        )
        const resources = () => {
          const counts: Record<string, number> = {}
          for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
          return counts
        }
        const listeners = () => process.listenerCount("SIGTERM") + process.listenerCount("exit")
        for (let i = 0; i < 100; i++) yield* emulator.invoke({ i })
        yield* emulator.awaitNextRequest(101)
        const before = resources()
        const listenersBefore = listeners()
        const fibersBefore = (yield* fibers.value).length
        for (let i = 0; i < 2000; i++) {
          const record = yield* emulator.invoke({ i })
          if (i % 500 === 0) expect(responseJson(record)).toBe(i)
        }
        yield* emulator.awaitNextRequest(2101)
        const after = resources()
        expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0)
        expect(after.Timeout ?? 0).toBeLessThanOrEqual((before.Timeout ?? 0) + 1)
        expect(listeners()).toBe(listenersBefore)
        expect((yield* fibers.value).length).toBe(fibersBefore)
        for (const record of yield* emulator.invocations) expect(accepted(record)).toHaveLength(1)
      }))
  })
})
