/**
 * The test kit: handlers invoked in-process through the runtime's loop, on the test's Clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Data, Deferred, Effect, Fiber, Layer, Ref, Schema, TestClock } from "effect"
import { LambdaContext, LambdaEvents, LambdaHandler, LambdaTest } from "../src/index.js"
import { batchCutOff, detachingHandler, directCall } from "./lambdaTestCases.js"

class OutOfStock extends Data.TaggedError("OutOfStock")<{ readonly sku: string }> {
  override get message() {
    return `${this.sku} is out of stock`
  }
}

class Greeting extends Context.Tag("test/Greeting")<Greeting, { readonly word: string }>() {}

describe("LambdaTest", () => {
  it.effect("answers a JSON handler with its result, and gives the context the test's values", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(
        (event: { readonly name: string }, context: LambdaContext) =>
          Effect.succeed({
            hello: event.name,
            requestId: context.requestId,
            tenantId: context.tenantId,
            traceId: context.traceId,
            functionName: context.functionName,
            memory: context.memoryLimitInMB,
            remainingMs: context.getRemainingTimeInMillis(),
            client: context.clientContext,
            nodeRequestId: context.node.awsRequestId
          }),
        { name: "Ada" },
        {
          requestId: "req-1",
          tenantId: "tenant-a",
          traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
          functionName: "orders",
          memoryLimitInMB: 512,
          timeout: "10 seconds",
          clientContext: { client: { app_title: "shop" } }
        }
      )
      expect(LambdaTest.json(result)).toEqual({
        hello: "Ada",
        requestId: "req-1",
        tenantId: "tenant-a",
        traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        functionName: "orders",
        memory: 512,
        // The TestClock has not moved: the whole timeout is left.
        remainingMs: 10_000,
        client: { client: { app_title: "shop" } },
        nodeRequestId: "req-1"
      })
      expect(result.detached).toEqual({ completed: 0, failed: 0, interrupted: 0 })
    }))

  it.effect("reports a typed failure and a defect as Lambda's error documents", () =>
    Effect.gen(function*() {
      const failed = yield* LambdaTest.invoke(() => Effect.fail(new OutOfStock({ sku: "sku-1" })), {})
      expect(LambdaTest.error(failed)).toMatchObject({ errorType: "OutOfStock", errorMessage: "sku-1 is out of stock" })
      const died = yield* LambdaTest.invoke(() => Effect.die(new TypeError("boom")), {})
      expect(LambdaTest.error(died)).toMatchObject({ errorType: "TypeError", errorMessage: "boom" })
      expect(() => LambdaTest.json(died)).toThrow("TypeError: boom")
    }))

  it.effect("decodes the event with the handler's Schema; a bad event is Runtime.UnmarshalError", () =>
    Effect.gen(function*() {
      const Order = Schema.Struct({ id: Schema.String, quantity: Schema.Number })
      const handler = (order: typeof Order.Type) => Effect.succeed(order.quantity * 2)
      expect(LambdaTest.json(yield* LambdaTest.invoke(handler, { id: "o", quantity: 2 }, { event: Order }))).toBe(4)
      const bad = yield* LambdaTest.invoke(handler, { id: "o", quantity: "two" }, { event: Order })
      expect(LambdaTest.error(bad)?.errorType).toBe("Runtime.UnmarshalError")
      expect(LambdaTest.error(bad)?.errorMessage).toContain(`["quantity"]`)
    }))

  it.effect("takes the handler's services from the test's environment", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(
        () => Effect.map(Greeting, ({ word }) => `${word}, world`),
        {}
      ).pipe(Effect.provide(Layer.succeed(Greeting, { word: "hello" })))
      expect(LambdaTest.json(result)).toBe("hello, world")
    }))

  it.scoped("answers before the detached work ends, and is done only when it has", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const flushed = yield* Ref.make(false)
      const invocation = yield* LambdaTest.start(
        (_: unknown, context: LambdaContext) =>
          Effect.as(
            Effect.forkIn(Effect.zipRight(Deferred.await(release), Ref.set(flushed, true)), context.detachedScope),
            "accepted"
          ),
        {}
      )
      expect(LambdaTest.json(yield* invocation.result)).toBe("accepted")
      const done = yield* Effect.fork(invocation.done)
      expect(yield* Ref.get(flushed)).toBe(false)
      expect(done.unsafePoll()).toBeNull()
      yield* Deferred.succeed(release, undefined)
      expect(yield* Fiber.join(done)).toEqual({ completed: 1, failed: 0, interrupted: 0 })
      expect(yield* Ref.get(flushed)).toBe(true)
    }))

  it.scoped("interrupts the handler at deadline - margin (TestClock) and answers Runtime.HandlerTimeout", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const invocation = yield* LambdaTest.start(
        () => Effect.never.pipe(Effect.ensuring(Ref.set(released, true))),
        {},
        { timeout: "3 seconds", timeoutMargin: "500 millis" }
      )
      const result = yield* Effect.fork(invocation.result)
      yield* TestClock.adjust("2499 millis")
      expect(result.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const error = LambdaTest.error(yield* Fiber.join(result))
      expect(error?.errorType).toBe("Runtime.HandlerTimeout")
      expect(error?.errorMessage).toContain("Task timed out after 2.50 seconds")
      expect(yield* Ref.get(released)).toBe(true)
    }))

  it.scoped("cuts an SQS batch off at deadline - timeoutMargin on the TestClock and reports what did not finish", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const Job = Schema.Struct({ hang: Schema.Boolean })
      const handler = LambdaEvents.sqs(
        Job,
        (job) => job.hang ? Effect.never.pipe(Effect.ensuring(Ref.set(released, true))) : Effect.void
      )
      const invocation = yield* LambdaTest.start(handler, batchCutOff.event, batchCutOff.options)
      const result = yield* Effect.fork(invocation.result)
      yield* TestClock.adjust(batchCutOff.beforeCutOff)
      expect(result.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(LambdaTest.json(yield* Fiber.join(result))).toEqual(batchCutOff.answer)
      expect(yield* Ref.get(released)).toBe(true)
    }))

  it.scoped("interrupts detached work still running at the deadline and runs its finalizers", () =>
    Effect.gen(function*() {
      const finalized = yield* Ref.make(false)
      const invocation = yield* LambdaTest.start(
        (_: unknown, context: LambdaContext) =>
          Effect.as(
            LambdaContext.detach(Effect.sleep("1 hour").pipe(Effect.ensuring(Ref.set(finalized, true)))).pipe(
              Effect.provideService(LambdaContext, context)
            ),
            "ok"
          ),
        {},
        { timeout: "2 seconds" }
      )
      expect(LambdaTest.json(yield* invocation.result)).toBe("ok")
      const done = yield* Effect.fork(invocation.done)
      yield* TestClock.adjust("1800 millis")
      expect(yield* Fiber.join(done)).toEqual({ completed: 0, failed: 0, interrupted: 1 })
      expect(yield* Ref.get(finalized)).toBe(true)
    }))

  it.effect("counts a detached failure without changing the answer", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(
        (_: unknown, context: LambdaContext) =>
          Effect.as(Effect.forkIn(Effect.fail(new OutOfStock({ sku: "late" })), context.detachedScope), "answered"),
        {}
      )
      expect(LambdaTest.json(result)).toBe("answered")
      expect(result.detached).toEqual({ completed: 0, failed: 1, interrupted: 0 })
    }))

  it.effect("serves a raw handler's bytes as they are", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(
        LambdaHandler.raw((invocation) =>
          Effect.succeed(LambdaHandler.buffered(invocation.body, "application/octet-stream"))
        ),
        new Uint8Array([1, 2, 3])
      )
      expect(result._tag === "Success" && [...result.body]).toEqual([1, 2, 3])
      expect(result._tag === "Success" && result.contentType).toBe("application/octet-stream")
    }))

  it.live("runs a plain Node handler through the drop-in's adapter, with its detached promise", () =>
    Effect.gen(function*() {
      const flushed: Array<string> = []
      const handler = detachingHandler(flushed)
      const result = yield* LambdaTest.invoke(LambdaTest.fromNodeHandler(handler), { id: "n-1" }, { requestId: "r-9" })
      expect(LambdaTest.json(result)).toEqual({ id: "n-1", remaining: true })
      expect(result.detached).toEqual({ completed: 1, failed: 0, interrupted: 0 })
      expect(flushed).toEqual(["n-1 for r-9"])
    }))

  it.live("reports a Node handler's rejection as the official client does", () =>
    Effect.gen(function*() {
      const handler = async () => {
        throw new RangeError("too far")
      }
      const result = yield* LambdaTest.invoke(LambdaTest.fromNodeHandler(handler), {})
      expect(LambdaTest.error(result)).toMatchObject({ errorType: "RangeError", errorMessage: "too far" })
    }))

  it.live("gives plain Node handlers a drop-in context to call them directly", () =>
    Effect.promise(() => directCall(LambdaTest.dropInContext)))

  it.effect("runs a handler's init step once before the invocation, as the runtime does; its failure is the answer", () =>
    Effect.gen(function*() {
      const inits = yield* Ref.make(0)
      const handler = LambdaHandler.fromInit(
        Effect.as(Ref.update(inits, (n) => n + 1), LambdaHandler.json(() => Effect.succeed("ready")))
      )
      expect(LambdaTest.json(yield* LambdaTest.invoke(handler, {}))).toBe("ready")
      expect(yield* Ref.get(inits)).toBe(1)
      const broken = LambdaHandler.fromInit(Effect.fail(new OutOfStock({ sku: "init" })))
      expect(LambdaTest.error(yield* LambdaTest.invoke(broken, {}))).toMatchObject({ errorType: "OutOfStock" })
    }))
})
