/**
 * Detached work through the Effect 4 line's loop and the project's emulator: the Effect 3 line's
 * cases (test/LambdaRuntime.test.ts "detached work" and "logging"), so that both lines pin the
 * same rules. Fibers forked into the invocation's detached scope hold back `/next`, daemons and
 * a closed scope do not; plain children end with the handler. The lines a function logs are read
 * from a real child process (test/fixtures/detached.ts), where the runtime writes them.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext } from "../src/LambdaContext.js"
import type { LambdaContextShape } from "../src/LambdaContext.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { emulator as emulatorBridge, responseOf, spawnFunction } from "./process.js"
import { errorDocument, inProcess, responseJson, serveOn } from "./support.js"

const now = () => performance.timeOrigin + performance.now()

const DETACHED = "test/fixtures/detached.ts"

/** The lines of `stdout` that carry `requestId` and say `text`. */
const linesOf = (stdout: string, requestId: string, text: string) =>
  stdout.split("\n").filter((line) => line.includes(`\t${requestId}\t`) && line.includes(text))

describe("Effect 4: detached work through the loop", () => {
  it.live("does not ask for /next while detached fibers (and their late forks) run", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const finished: Array<{ readonly name: string; readonly at: number }> = []
      // Work that takes a while, so that the handler's answer can come before any of it ends.
      const work = (name: string, ms: number) =>
        Effect.sleep(ms).pipe(Effect.andThen(Effect.sync(() => finished.push({ name, at: now() }))))
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(() =>
          Effect.gen(function*() {
            const context = yield* LambdaContext
            yield* Effect.forkIn(
              Effect.gen(function*() {
                yield* work("outer", 30)
                // A fork made late, from inside a detached fiber, into the same scope.
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

  it.live("does not wait for forkDetach (daemon) fibers started by the handler", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const never = yield* Deferred.make<void>()
      const daemons: Array<Fiber.Fiber<void>> = []
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(() =>
          Effect.gen(function*() {
            daemons.push(yield* Effect.forkDetach(Deferred.await(never)))
            return "ok"
          }), inProcess)
      )
      yield* emulator.invoke({})
      yield* emulator.invoke({})
      yield* emulator.awaitNextRequest(3)
      expect(daemons).toHaveLength(2)
      for (const fiber of daemons) expect(fiber.pollUnsafe()).toBeUndefined()
      yield* Effect.forEach(daemons, Fiber.interrupt)
    }))

  it.live("gives detached fibers their window when the handler fails", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const doneAt = yield* Deferred.make<number>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(() =>
          Effect.gen(function*() {
            yield* LambdaContext.detach(
              Effect.sleep("50 millis").pipe(Effect.andThen(Effect.suspend(() => Deferred.succeed(doneAt, now()))))
            )
            return yield* Effect.fail(new Error("handler failed"))
          }), inProcess)
      )
      const record = yield* emulator.invoke({})
      expect(errorDocument(record).errorMessage).toBe("handler failed")
      const finishedAt = yield* Deferred.await(doneAt)
      expect(yield* emulator.awaitNextRequest(2)).toBeGreaterThanOrEqual(finishedAt)
    }))

  it.live("interrupts plain forkChild children when the handler ends", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const interruptedAt = yield* Deferred.make<number>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(() =>
          Effect.gen(function*() {
            // The child must have started: a fiber interrupted before it runs never enters its onInterrupt.
            const started = yield* Deferred.make<void>()
            yield* Effect.forkChild(
              Deferred.succeed(started, undefined).pipe(
                Effect.andThen(Effect.never),
                Effect.onInterrupt(() => Effect.suspend(() => Deferred.succeed(interruptedAt, now())))
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

  it.live("interrupts at once a fiber forked into a closed detached scope", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      let previous: LambdaContextShape | undefined
      let ran = false
      const lateExit = yield* Deferred.make<Exit.Exit<void>>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(() =>
          Effect.gen(function*() {
            const context = yield* LambdaContext
            const old = previous
            previous = context
            if (old !== undefined) {
              const fiber = yield* Effect.forkIn(Effect.sync(() => void (ran = true)), old.detachedScope)
              yield* Deferred.succeed(lateExit, yield* Fiber.await(fiber))
            }
            return "ok"
          }), inProcess)
      )
      yield* emulator.invoke({})
      yield* emulator.invoke({})
      const exit = yield* Deferred.await(lateExit)
      expect(Exit.hasInterrupts(exit)).toBe(true)
      expect(ran).toBe(false)
    }))
})

describe("Effect 4: detached work through the loop, as a process", () => {
  it.live("logs a detached failure with the request id and keeps the posted response", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulatorBridge()
      const fn = yield* spawnFunction(DETACHED, { ...api.environment, AWS_LAMBDA_LOG_LEVEL: "DEBUG" })
      const failed = yield* Effect.promise(() => api.invoke({ mode: "fail" }))
      expect(responseOf(failed)).toEqual({ served: true })
      const second = yield* Effect.promise(() => api.invoke({ mode: "ok" }))
      expect(responseOf(second)).toEqual({ served: true })
      expect(failed.posts.filter((post) => post.status === 202)).toHaveLength(1)
      // written before the second /next; the pipe from the child may deliver them after that request
      yield* fn.awaitOutput("span flush crashed")
      yield* fn.awaitOutput("\tDEBUG\tDetached work: 0 completed, 2 failed")
      const stdout = fn.stdout()
      const errors = linesOf(stdout, failed.requestId, "\tERROR\tDetached fiber #")
      expect(errors).toHaveLength(2)
      expect(stdout).toContain("metrics backend down")
      expect(stdout).toContain("span flush crashed")
      expect(linesOf(stdout, failed.requestId, "\tDEBUG\tDetached work: 0 completed, 2 failed")).toHaveLength(1)
    })))

  it.live("annotates every line of an invocation, detached fibers included, with its request id", () =>
    Effect.scoped(Effect.gen(function*() {
      const api = yield* emulatorBridge()
      const fn = yield* spawnFunction(DETACHED, api.environment)
      const record = yield* Effect.promise(() => api.invoke({ mode: "log" }))
      expect(responseOf(record)).toEqual({ served: true })
      yield* Effect.promise(() => api.awaitNextRequest(2))
      for (const message of ["in handler", "in detached", "in nested detached", "in detached child"]) {
        // written before the second /next; the pipe from the child may deliver it after that request
        yield* fn.awaitOutput(`\tINFO\t${message}`)
        const lines = linesOf(fn.stdout(), record.requestId, `\tINFO\t${message}`)
        expect({ message, lines: lines.filter((line) => line.endsWith(`\t${message}`)) }).toEqual({
          message,
          lines: [expect.any(String)]
        })
      }
    })))
})
