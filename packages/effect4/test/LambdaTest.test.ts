/**
 * The Effect 4 line's test kit: handlers invoked in-process through this line's loop, on the
 * test's Clock. The cases of the Effect 3 line's test/LambdaTest.test.ts, so that both lines pin
 * the same rules, plus what only this line's API shows (a streamed body's error trailers, the
 * drop-in's function facts from the test's options).
 */
import { describe, expect, it } from "@effect/vitest"
import { Config, Context, Data, Deferred, Effect, Fiber, Layer, Ref, Schema, Stream } from "effect"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { TestClock } from "effect/testing"
import { batchCutOff, detachingHandler, directCall } from "../../../test/lambdaTestCases.js"
import type { DropInContext } from "../src/DropIn.js"
import { sqsRecord } from "../../../test/eventRecords.js"
import { fixture, withPath } from "../../../test/httpFixtures.js"
import { LambdaContext, LambdaEvents, LambdaHandler, LambdaHttp, LambdaTest } from "../src/index.js"
import type { LambdaContextShape } from "../src/index.js"

class OutOfStock extends Data.TaggedError("OutOfStock")<{ readonly sku: string }> {
  override get message() {
    return `${this.sku} is out of stock`
  }
}

class Greeting extends Context.Service<Greeting, { readonly word: string }>()("test/Greeting") {}

const Api = HttpApi.make("api").add(
  HttpApiGroup.make("greetings").add(
    HttpApiEndpoint.get("greet", "/greet/:name", {
      params: { name: Schema.String },
      success: Schema.Struct({ greeting: Schema.String })
    })
  )
)

const GreetingsLive = HttpApiBuilder.group(Api, "greetings", (handlers) =>
  Greeting.use(({ word }) =>
    Effect.succeed(
      handlers.handle(
        "greet",
        ({ params: { name } }) => Effect.as(LambdaHttp.detach(Effect.void), { greeting: `${word}, ${name}` })
      )
    )
  ))

describe("Effect 4: LambdaTest", () => {
  it.effect("answers a JSON handler with its result, and gives the context the test's values", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(
        (event: { readonly name: string }, context: LambdaContextShape) =>
          Effect.succeed({
            hello: event.name,
            requestId: context.requestId,
            tenantId: context.tenantId,
            traceId: context.traceId,
            arn: context.invokedFunctionArn,
            deadlineMs: context.deadlineMs,
            remainingMs: context.getRemainingTimeInMillis()
          }),
        { name: "Ada" },
        {
          requestId: "req-1",
          tenantId: "tenant-a",
          traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
          functionName: "orders",
          region: "eu-west-1",
          timeout: "10 seconds"
        }
      )
      expect(LambdaTest.json(result)).toEqual({
        hello: "Ada",
        requestId: "req-1",
        tenantId: "tenant-a",
        traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        arn: "arn:aws:lambda:eu-west-1:123456789012:function:orders",
        // The TestClock starts at 0 and has not moved: the whole timeout is left.
        deadlineMs: 10_000,
        remainingMs: 10_000
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
        () =>
          Effect.gen(function*() {
            const { word } = yield* Greeting
            return `${word}, world`
          }),
        {}
      ).pipe(Effect.provide(Layer.succeed(Greeting, { word: "hello" })))
      expect(LambdaTest.json(result)).toBe("hello, world")
    }))

  it.effect("answers before the detached work ends, and is done only when it has", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const flushed = yield* Ref.make(false)
      const invocation = yield* LambdaTest.start(
        (_: unknown, context: LambdaContextShape) =>
          Effect.as(
            Effect.forkIn(Effect.andThen(Deferred.await(release), Ref.set(flushed, true)), context.detachedScope),
            "accepted"
          ),
        {}
      )
      expect(LambdaTest.json(yield* invocation.result)).toBe("accepted")
      const done = yield* Effect.forkChild(invocation.done)
      expect(yield* Ref.get(flushed)).toBe(false)
      expect(done.pollUnsafe()).toBeUndefined()
      yield* Deferred.succeed(release, undefined)
      expect(yield* Fiber.join(done)).toEqual({ completed: 1, failed: 0, interrupted: 0 })
      expect(yield* Ref.get(flushed)).toBe(true)
    }))

  it.effect("interrupts the handler at deadline - margin (TestClock) and answers Runtime.HandlerTimeout", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const invocation = yield* LambdaTest.start(
        () => Effect.never.pipe(Effect.ensuring(Ref.set(released, true))),
        {},
        { timeout: "3 seconds", timeoutMargin: "500 millis" }
      )
      const result = yield* Effect.forkChild(invocation.result)
      yield* TestClock.adjust("2499 millis")
      expect(result.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      const error = LambdaTest.error(yield* Fiber.join(result))
      expect(error?.errorType).toBe("Runtime.HandlerTimeout")
      expect(error?.errorMessage).toContain("Task timed out after 2.50 seconds")
      expect(yield* Ref.get(released)).toBe(true)
    }))

  it.effect("interrupts detached work still running at the deadline and runs its finalizers", () =>
    Effect.gen(function*() {
      const finalized = yield* Ref.make(false)
      const invocation = yield* LambdaTest.start(
        (_: unknown, context: LambdaContextShape) =>
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
      const done = yield* Effect.forkChild(invocation.done)
      yield* TestClock.adjust("1800 millis")
      expect(yield* Fiber.join(done)).toEqual({ completed: 0, failed: 0, interrupted: 1 })
      expect(yield* Ref.get(finalized)).toBe(true)
    }))

  it.effect("counts a detached failure without changing the answer", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(
        (_: unknown, context: LambdaContextShape) =>
          Effect.as(Effect.forkIn(Effect.fail(new OutOfStock({ sku: "late" })), context.detachedScope), "answered"),
        {}
      )
      expect(LambdaTest.json(result)).toBe("answered")
      expect(result.detached).toEqual({ completed: 0, failed: 1, interrupted: 0 })
    }))

  it.effect("serves a raw handler's bytes as they are, with the invocation's client context as JSON", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(
        LambdaHandler.raw((invocation) =>
          Effect.succeed(
            LambdaHandler.buffered(
              new Uint8Array([...invocation.body, invocation.clientContext === `{"app":"shop"}` ? 1 : 0]),
              "application/octet-stream"
            )
          )
        ),
        new Uint8Array([1, 2, 3]),
        { clientContext: { app: "shop" } }
      )
      expect(result._tag === "Success" && [...result.body]).toEqual([1, 2, 3, 1])
      expect(result._tag === "Success" && result.contentType).toBe("application/octet-stream")
    }))

  it.effect("gives a streamed body, and the error it ended with as its trailers", () =>
    Effect.gen(function*() {
      const ok = yield* LambdaTest.invoke(
        LambdaHandler.stream(() => Stream.make("a", "b"), { contentType: "text/plain" }),
        {}
      )
      expect(ok).toMatchObject({ _tag: "Success", text: "ab", contentType: "text/plain", streamError: undefined })
      const broken = yield* LambdaTest.invoke(
        LambdaHandler.stream(() => Stream.concat(Stream.make("a"), Stream.fail(new OutOfStock({ sku: "mid" })))),
        {}
      )
      expect(broken).toMatchObject({ _tag: "Success", text: "a" })
      expect(broken._tag === "Success" && broken.streamError).toMatchObject({ errorType: "OutOfStock" })
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

  it.effect("gives a plain Node handler's context the test's function and client context", () =>
    Effect.gen(function*() {
      const handler = async (_: unknown, context: DropInContext) => ({
        name: context.functionName,
        version: context.functionVersion,
        memory: context.memoryLimitInMB,
        group: context.logGroupName,
        arn: context.invokedFunctionArn,
        client: context.clientContext
      })
      const result = yield* LambdaTest.invoke(LambdaTest.fromNodeHandler(handler), {}, {
        functionName: "orders",
        functionVersion: "7",
        memoryLimitInMB: 512,
        clientContext: { client: { appTitle: "shop" } }
      })
      expect(LambdaTest.json(result)).toEqual({
        name: "orders",
        version: "7",
        memory: "512",
        group: "/aws/lambda/orders",
        arn: "arn:aws:lambda:us-east-1:123456789012:function:orders",
        client: { client: { appTitle: "shop" } }
      })
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
        Effect.as(
          Ref.update(inits, (n) => n + 1),
          LambdaHandler.json(() => Effect.succeed("ready"))
        )
      )
      expect(LambdaTest.json(yield* LambdaTest.invoke(handler, {}))).toBe("ready")
      expect(yield* Ref.get(inits)).toBe(1)
      const broken = LambdaHandler.fromInit<never, never>(Effect.fail(new OutOfStock({ sku: "init" })))
      expect(LambdaTest.error(yield* LambdaTest.invoke(broken, {}))).toMatchObject({ errorType: "OutOfStock" })
    }))

  it.effect("gives the init step Lambda's variables of the test's function, ahead of the test's own", () =>
    Effect.gen(function*() {
      const handler = LambdaHandler.fromInit(
        Effect.gen(function*() {
          const name = yield* Config.String("AWS_LAMBDA_FUNCTION_NAME")
          const region = yield* Config.String("AWS_REGION")
          return LambdaHandler.json(() => Effect.succeed(`${name} in ${region}`))
        })
      )
      const result = yield* LambdaTest.invoke(handler, {}, { functionName: "orders", region: "eu-west-1" })
      expect(LambdaTest.json(result)).toBe("orders in eu-west-1")
    }))

  it.effect("serves an HttpApi built at init with the test's services, its detached work counted", () =>
    Effect.gen(function*() {
      const handler = LambdaHttp.fromHttpApi(HttpApiBuilder.layer(Api).pipe(Layer.provide(GreetingsLive)))
      const result = yield* LambdaTest.invoke(handler, withPath(fixture("function-url"), "/greet/Ada")).pipe(
        Effect.provide(Layer.succeed(Greeting, { word: "hello" }))
      )
      const answer = LambdaTest.json(result) as { readonly statusCode: number; readonly body: string }
      expect(answer.statusCode).toBe(200)
      expect(JSON.parse(answer.body)).toEqual({ greeting: "hello, Ada" })
      expect(result.detached).toEqual({ completed: 1, failed: 0, interrupted: 0 })
    }))

  it.effect("serves an SQS batch handler on the test's Clock: a failing record is in batchItemFailures", () =>
    Effect.gen(function*() {
      const Order = Schema.Struct({ id: Schema.String })
      const handler = LambdaEvents.sqs(
        Order,
        // A record that takes a second of the TestClock: the batch's budget is counted on it too.
        (order) => order.id === "bad" ? Effect.fail(new OutOfStock({ sku: order.id })) : Effect.sleep("1 second")
      )
      const event = { Records: [sqsRecord("m-1", `{"id":"slow"}`), sqsRecord("m-2", `{"id":"bad"}`)] }
      const invocation = yield* LambdaTest.start(handler, event, { timeout: "10 seconds" })
      yield* TestClock.adjust("1 second")
      expect(LambdaTest.json(yield* invocation.result)).toEqual({ batchItemFailures: [{ itemIdentifier: "m-2" }] })
    }))

  it.effect("cuts an SQS batch off at deadline - timeoutMargin on the TestClock and reports what did not finish", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const Job = Schema.Struct({ hang: Schema.Boolean })
      const handler = LambdaEvents.sqs(
        Job,
        (job) => job.hang ? Effect.never.pipe(Effect.ensuring(Ref.set(released, true))) : Effect.void
      )
      const invocation = yield* LambdaTest.start(handler, batchCutOff.event, batchCutOff.options)
      const result = yield* Effect.forkChild(invocation.result)
      yield* TestClock.adjust(batchCutOff.beforeCutOff)
      expect(result.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 millis")
      expect(LambdaTest.json(yield* Fiber.join(result))).toEqual(batchCutOff.answer)
      expect(yield* Ref.get(released)).toBe(true)
    }))
})
