/**
 * The loop's scheduler (src/internal/runtime/scheduler.ts): a fiber resumed through `resumeNow`
 * from outside any fiber (an I/O callback, a promise's continuation) runs at once; everything
 * else (a yield, a fork, a resumption without `resumeNow`) goes to the base scheduler.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Scheduler } from "effect"
import { resumeNow, ResumeNowScheduler } from "../src/internal/runtime/scheduler.js"

/** A base scheduler that counts the tasks handed to it. */
const counting = () => {
  let handed = 0
  const base: Scheduler.Scheduler = {
    scheduleTask: (task, priority, fiber) => {
      handed++
      Scheduler.defaultScheduler.scheduleTask(task, priority, fiber)
    },
    shouldYield: (fiber) => Scheduler.defaultScheduler.shouldYield(fiber)
  }
  return { base, handed: () => handed }
}

/** A fiber on a ResumeNowScheduler over `base`, suspended until `resume` is called, then running `then`. */
const suspended = <A>(base: Scheduler.Scheduler, then: (n: number) => Effect.Effect<A>) => {
  let resume: ((effect: Effect.Effect<number>) => void) | undefined
  const fiber = Effect.runFork(
    Effect.withScheduler(
      Effect.flatMap(Effect.async<number>((cb) => void (resume = cb)), then),
      new ResumeNowScheduler(base)
    )
  )
  return { fiber, resume: (n: number) => resume!(Effect.succeed(n)) }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

describe("ResumeNowScheduler", () => {
  it("runs a fiber resumed through resumeNow from outside any fiber on the caller's stack", async () => {
    const { base, handed } = counting()
    let after = 0
    const { fiber, resume } = suspended(base, (n) => Effect.sync(() => (after = n)))
    await tick()
    const before = handed()
    resumeNow(() => resume(7))
    expect(after).toBe(7)
    expect(handed()).toBe(before)
    expect(await Effect.runPromise(Fiber.join(fiber))).toBe(7)
  })

  it("hands a resumption without resumeNow to the base scheduler", async () => {
    const { base, handed } = counting()
    let after = 0
    const { fiber, resume } = suspended(base, (n) => Effect.sync(() => (after = n)))
    await tick()
    const before = handed()
    resume(8)
    expect(after).toBe(0)
    expect(handed()).toBe(before + 1)
    expect(await Effect.runPromise(Fiber.join(fiber))).toBe(8)
  })

  it("still yields: a fiber resumed at once that yields goes back to the base scheduler", async () => {
    const { base, handed } = counting()
    const order: Array<string> = []
    const { fiber, resume } = suspended(base, () =>
      Effect.gen(function*() {
        order.push("resumed")
        yield* Effect.yieldNow()
        order.push("after yield")
      }))
    await tick()
    const before = handed()
    resumeNow(() => resume(1))
    order.push("caller")
    expect(handed()).toBe(before + 1)
    await Effect.runPromise(Fiber.join(fiber))
    expect(order).toEqual(["resumed", "caller", "after yield"])
  })

  it("keeps the base scheduler's order for forks and yields", async () => {
    const { base } = counting()
    const order: Array<string> = []
    const program = Effect.gen(function*() {
      const child = yield* Effect.fork(Effect.sync(() => order.push("child")))
      order.push("parent")
      yield* Effect.yieldNow()
      order.push("after yield")
      yield* Fiber.join(child)
    })
    await Effect.runPromise(Effect.withScheduler(program, new ResumeNowScheduler(base)))
    expect(order).toEqual(["parent", "child", "after yield"])
  })
})
