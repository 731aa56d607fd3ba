/**
 * The invocation's `Scope` on the Effect 4 line, through the real protocol (the emulator on
 * loopback, the loop, an Effect 4 handler): what a handler acquires with `Effect.acquireRelease`
 * is released when its invocation ends, as on the Effect 3 line (`LambdaHandler.Provided`):
 * after the answer was posted and the detached work ended, before the next `/next`, closed with
 * the handler's exit. A finalizer that does not end (test/Deadlines.test.ts) and a shutdown
 * (test/Shutdown.test.ts) are tested in a child process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Data, Deferred, Effect, Exit } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"

class OrderRejected extends Data.TaggedError("OrderRejected")<{ readonly reason: string }> {}

/** An emulator for the test's scope, and the loop serving `handler` on it. */
const serving = <Event, E, R>(
  handler: LambdaHandler.Handler<Event, unknown, E, R | LambdaHandler.Provided>,
  functionTimeoutMs = 10_000
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make({ functionTimeoutMs })
    const api = yield* RuntimeApiClient.make(emulator.environment.AWS_LAMBDA_RUNTIME_API!)
    yield* Effect.forkScoped(Loop.loop(api, LambdaHandler.json(handler), { timeoutMarginMs: 200 }))
    return emulator
  })

/** A connection of the invocation: opened in its scope, closed with the exit the scope closes with. */
const connection = (events: Array<string>, released: Deferred.Deferred<Exit.Exit<unknown, unknown>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      events.push("opened")
      return { query: (sql: string) => Effect.sync(() => events.push(`query ${sql}`)) }
    }),
    (_, exit) => Effect.andThen(Effect.sync(() => events.push("closed")), Deferred.succeed(released, exit))
  )

describe("Effect 4: the invocation's Scope", () => {
  it.live("a resource of the handler is released after the answer and the detached work, before /next, with the handler's exit", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const gate = yield* Deferred.make<void>()
      const released = yield* Deferred.make<Exit.Exit<unknown, unknown>>()
      const emulator = yield* serving((event: { readonly orderId: string }) =>
        Effect.gen(function*() {
          const db = yield* connection(events, released)
          yield* db.query("insert")
          // Detached work still uses the connection after the answer.
          yield* LambdaContext.detach(Effect.andThen(Deferred.await(gate), db.query("audit")))
          return { accepted: event.orderId }
        })
      )
      const record = yield* emulator.invoke({ orderId: "o-1" })
      expect(record.outcome).toMatchObject({ _tag: "Response", text: `{"accepted":"o-1"}` })
      // Answered; the detached work waits, so the connection is still open.
      expect(events).toEqual(["opened", "query insert"])
      yield* Deferred.succeed(gate, undefined)
      const exit = yield* Deferred.await(released)
      expect(events).toEqual(["opened", "query insert", "query audit", "closed"])
      expect(Exit.isSuccess(exit)).toBe(true)
      yield* emulator.awaitNextRequest(2)
      // A second invocation gets a scope of its own.
      expect((yield* emulator.invoke({ orderId: "o-2" })).outcome).toMatchObject({ _tag: "Response" })
      expect(events.filter((event) => event === "opened")).toHaveLength(2)
    }))

  it.live("a handler that fails: its /error is posted, and its scope closes with the failure", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const released = yield* Deferred.make<Exit.Exit<unknown, unknown>>()
      const emulator = yield* serving(() =>
        Effect.andThen(connection(events, released), Effect.fail(new OrderRejected({ reason: "out of stock" })))
      )
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "OrderRejected" } })
      const exit = yield* Deferred.await(released)
      expect(exit).toMatchObject({ _tag: "Failure" })
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("OrderRejected")
      const nextAt = yield* emulator.awaitNextRequest(2)
      expect(nextAt).toBeGreaterThanOrEqual(record.resultAt!)
      expect(events).toEqual(["opened", "closed"])
    }))

  it.live("a handler cut off at its deadline: answered Runtime.HandlerTimeout, its scope closes with the timeout", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      const released = yield* Deferred.make<Exit.Exit<unknown, unknown>>()
      const emulator = yield* serving(() => Effect.andThen(connection(events, released), Effect.never), 1000)
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      const exit = yield* Deferred.await(released)
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("HandlerTimeout")
      yield* emulator.awaitNextRequest(2)
      expect(events).toEqual(["opened", "closed"])
    }))
})
