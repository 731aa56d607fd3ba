/**
 * The loop's scheduler. A fiber suspended on I/O is resumed from a callback outside any fiber: a
 * Runtime API answer read off the socket, or the promise a plain Node handler returned settling.
 * Effect's default scheduler queues that resumption for a later microtask (a promise, a
 * microtask, and the async hooks' work on both when an `AsyncLocalStorage` is in use). Those
 * callbacks resume their fiber through {@link resumeNow}, and this scheduler then runs it at once
 * on the callback's stack, which is already the top of a stack. Everything else (a fiber
 * rescheduling itself after yielding, a fork, a fiber resumed by another's completion, and
 * whatever the resumed fiber schedules while it runs) goes to the base scheduler as before, so
 * yielding and fairness are unchanged.
 *
 * @internal
 */
import * as Fiber from "effect/Fiber"
import type * as Scheduler from "effect/Scheduler"

/** Set by {@link resumeNow} for the one task its resumption schedules. */
let immediate = false

/**
 * Calls `resume` (an `Effect.async` callback's), letting the task it schedules run at once when
 * the caller is outside any fiber and the fiber's scheduler is a {@link ResumeNowScheduler}.
 *
 * @internal
 */
export const resumeNow = (resume: () => void): void => {
  immediate = true
  try {
    resume()
  } finally {
    immediate = false
  }
}

/**
 * Runs the task a {@link resumeNow} resumption schedules at once; hands every other to `base`.
 *
 * @internal
 */
export class ResumeNowScheduler implements Scheduler.Scheduler {
  constructor(readonly base: Scheduler.Scheduler) {}
  scheduleTask(task: Scheduler.Task, priority: number, fiber?: Fiber.RuntimeFiber<unknown, unknown>): void {
    if (immediate && Fiber.getCurrentFiber()._tag === "None") {
      // Only this task: what the fiber schedules while it runs (a yield) goes to `base`.
      immediate = false
      try {
        task()
      } catch (error) {
        // Never into the I/O callback that resumed the fiber (http1.ts would take it for its own):
        // thrown outside any caller, as the base scheduler's task would have thrown it.
        queueMicrotask(() => {
          throw error
        })
      }
    } else {
      this.base.scheduleTask(task, priority, fiber)
    }
  }
  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return this.base.shouldYield(fiber)
  }
}
