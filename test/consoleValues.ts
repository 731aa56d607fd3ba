/**
 * What both lines' console fixtures log (test/consoleCases.ts checks the lines): the lines of each
 * place an invocation's code runs, and the single-argument values of Lambda's JSON format. Apart
 * from the cases so that a function's process can load it without vitest.
 */
import { setTimeout as sleep } from "node:timers/promises"

/** An `Error` subclass with an own field, which the JSON format serialises inside `message`. */
export class BadInput extends Error {
  code = "E_BAD"
}

/**
 * Calls `console.*` with one argument of each kind (and two multi-argument calls), in the order
 * `expectJsonValues` (test/consoleCases.ts) reads the lines back.
 */
export const logJsonValues = (error: Error): void => {
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  console.log({ a: 1, nested: { b: [true, null] } })
  console.info([1, "two"])
  console.warn(42)
  console.error(error)
  console.log("plain %s text")
  console.log("several", { a: 1 }, error)
  console.log(10n)
  console.log(cycle)
}

/**
 * What both lines' console fixtures (test/fixtures/console.ts, packages/effect4/test/fixtures/
 * consoleLines.ts) write from the places an invocation's code runs; each fixture strings them
 * together with its own Effect's fibers, callbacks and detached work.
 */
export const consoleSteps = {
  /** The handler's first lines, one of each level (a formatted one, a multi-line one, an Error). */
  handler: (tag: string): void => {
    console.log("handler %s %d", tag, 1)
    console.info(`info ${tag}`)
    console.warn(`warn ${tag}`)
    console.debug(`debug ${tag}`)
    console.trace(`trace ${tag}`)
    console.error(`multi ${tag}\nline two`)
    console.error(new Error(`boom ${tag}`))
  },
  /** Promise code: after an await, then after a timer. */
  promise: async (tag: string): Promise<void> => {
    await sleep(5)
    console.log(`after await ${tag}`)
    await new Promise<void>((resolve) => setTimeout(resolve, 5))
    console.log(`after timer ${tag}`)
  },
  /** Promise code started by a fiber that a foreign callback resumed. */
  afterForeignCallback: async (tag: string): Promise<void> => {
    await sleep(5)
    console.log(`promise after foreign callback ${tag}`)
  },
  /** Promise code of detached work. */
  detached: async (tag: string): Promise<void> => {
    await sleep(5)
    console.log(`detached promise ${tag}`)
  }
}

/**
 * Calls what is registered from an interval started outside any invocation (as a connection
 * pool's socket events would be): a fiber resumed from one of them runs from that foreign async
 * context.
 */
export const foreignCallbacks = (): (resume: () => void) => void => {
  const waiting: Array<() => void> = []
  setInterval(() => {
    for (const resume of waiting.splice(0)) resume()
  }, 2).unref()
  return (resume) => void waiting.push(resume)
}
