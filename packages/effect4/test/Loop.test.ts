/**
 * The Effect 4 line's loop through the real protocol: the project's emulator (this line's
 * `Emulator`) on loopback, the shared core's HTTP/1.1 client, an Effect 4 handler. The response is posted before the detached work ends, and the next `/next` waits for it.
 *
 * The invocation's `Scope`: what a handler acquires with `Effect.acquireRelease` is released when
 * its invocation ends, as on the Effect 3 line (`LambdaHandler.Provided`): after the answer was
 * posted and the detached work ended, before the next `/next`, closed with the handler's exit. A
 * finalizer that does not end (test/Deadlines.test.ts) and a shutdown (test/Shutdown.test.ts)
 * are tested in a child process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Data, Deferred, Duration, Effect, Exit } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"
import { linesAt, loopOn } from "./support.js"

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

describe("Effect 4: the loop", () => {
  it.live("posts the response, then runs the detached work; /next comes once it is done", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      let detachedDoneAt = 0
      const emulator = yield* serving((event) =>
        Effect.gen(function*() {
          const context = yield* LambdaContext
          yield* Effect.forkIn(
            Deferred.await(release).pipe(Effect.andThen(Effect.sync(() => (detachedDoneAt = Date.now())))),
            context.detachedScope
          )
          return { echo: event, requestId: context.requestId }
        })
      )
      const record = yield* emulator.invoke({ orderId: "o-1" })
      expect(record.outcome).toMatchObject({ _tag: "Response" })
      const body = record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : undefined
      expect(body).toEqual({ echo: { orderId: "o-1" }, requestId: record.requestId })
      // The caller has its answer while the detached fiber still waits.
      expect(detachedDoneAt).toBe(0)
      yield* Deferred.succeed(release, undefined)
      const secondNext = yield* emulator.awaitNextRequest(2)
      expect(detachedDoneAt).toBeGreaterThan(0)
      expect(secondNext).toBeGreaterThanOrEqual(detachedDoneAt)
    }))

  it.live("LambdaContext.detach forks into the detached scope and remainingTime reads the invocation's deadline", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      let detachedDoneAt = 0
      const emulator = yield* serving(() =>
        Effect.gen(function*() {
          yield* LambdaContext.detach(
            Deferred.await(release).pipe(Effect.andThen(Effect.sync(() => (detachedDoneAt = Date.now()))))
          )
          return { remainingMs: Duration.toMillis(yield* LambdaContext.remainingTime) }
        }), 3_000)
      const record = yield* emulator.invoke({})
      const body = record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : undefined
      // The emulator's function timeout is 3 s: what is left is within it, and not nothing.
      expect(body.remainingMs).toBeGreaterThan(0)
      expect(body.remainingMs).toBeLessThanOrEqual(3_000)
      expect(detachedDoneAt).toBe(0)
      yield* Deferred.succeed(release, undefined)
      expect(yield* emulator.awaitNextRequest(2)).toBeGreaterThanOrEqual(detachedDoneAt)
      expect(detachedDoneAt).toBeGreaterThan(0)
    }))

  it.live("a typed failure is posted as /error under its _tag; a bad event as Runtime.UnmarshalError", () =>
    Effect.gen(function*() {
      const emulator = yield* serving(() => Effect.fail(new OrderRejected({ reason: "out of stock" })))
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "OrderRejected" } })
      const bad = yield* emulator.invoke(Buffer.from("{not json"))
      expect(bad.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.UnmarshalError" } })
    }))

  it.live("a handler that does not end is interrupted at deadline - margin and answered Runtime.HandlerTimeout", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const emulator = yield* serving(
        () => Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))),
        1000
      )
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Error", document: { errorType: "Runtime.HandlerTimeout" } })
      yield* Deferred.await(interrupted)
    }))

  it.live("interrupts detached fibers at deadline - margin and runs their finalizers before /next", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
      const finalized = yield* Deferred.make<number>()
      const { lines } = yield* loopOn(
        emulator.environment.AWS_LAMBDA_RUNTIME_API!,
        LambdaHandler.json(() =>
          Effect.gen(function*() {
            const context = yield* LambdaContext
            yield* Effect.forkIn(
              Effect.never.pipe(
                Effect.onInterrupt(() => Effect.suspend(() => Deferred.succeed(finalized, Date.now())))
              ),
              context.detachedScope
            )
            return "ok"
          })
        )
      )
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Response", text: `"ok"` })
      const finalizedAt = yield* Deferred.await(finalized)
      const nextAt = yield* emulator.awaitNextRequest(2)
      expect(finalizedAt).toBeGreaterThanOrEqual(record.deadlineMs - 200)
      expect(nextAt).toBeGreaterThanOrEqual(finalizedAt)
      expect(nextAt).toBeLessThan(record.deadlineMs)
      expect(linesAt(lines, "DEBUG").some((line) => line.includes("1 interrupted"))).toBe(true)
    }))
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
