/**
 * The cases both lines' `LambdaTest` suites pin that need no Effect (test/LambdaTest.test.ts on
 * Effect 3, packages/effect4/test/LambdaTest.test.ts on Effect 4), written once: plain Node
 * handlers, and a direct call with a drop-in context made for the test.
 */
import { expect } from "@effect/vitest"
import type { InvocationOptions, TestDropInContext } from "../src/internal/core/testKit.js"
import type { NodeHandlerContext } from "../src/internal/core/nodeContext.js"
import { sqsRecord } from "./eventRecords.js"

/**
 * A Node handler that detaches a promise (20 ms of real time) recording which event and
 * invocation it served into `flushed`; it answers with the event's id and whether time was left.
 */
export const detachingHandler =
  (flushed: Array<string>) => async (event: { readonly id: string }, context: NodeHandlerContext) => {
    context.detach(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      flushed.push(`${event.id} for ${context.awsRequestId}`)
    })
    return { id: event.id, remaining: context.getRemainingTimeInMillis() > 0 }
  }

/**
 * Calls a Node handler directly with the line's `LambdaTest.dropInContext`: the context has the
 * options' values and time left, detached work (work detached by detached work included) runs
 * only when started and `settled()` waits for all of it.
 */
export const directCall = async (
  dropInContext: (options: InvocationOptions & { readonly timeout: number }) => TestDropInContext
): Promise<void> => {
  const audited: Array<string> = []
  const handler = async (event: { readonly id: string }, context: NodeHandlerContext) => {
    context.detach(async (signal) => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      // Work detached by detached work is waited for too.
      context.detach(async () => audited.push(`late ${event.id} aborted=${signal.aborted}`))
      audited.push(`${event.id} by ${context.awsRequestId} in ${context.functionName}`)
    })
    return { id: event.id, tenant: context.tenantId, remaining: context.getRemainingTimeInMillis() }
  }
  const context = dropInContext({ requestId: "r-7", tenantId: "t-1", functionName: "audit", timeout: 5000 })
  const result = await handler({ id: "a" }, context)
  expect(result).toMatchObject({ id: "a", tenant: "t-1" })
  expect(result.remaining).toBeGreaterThan(4000)
  expect(result.remaining).toBeLessThanOrEqual(5000)
  expect(audited).toEqual([])
  const outcomes = await context.settled()
  expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "fulfilled"])
  expect(audited).toEqual(["a by r-7 in audit", "late a aborted=false"])
}

/**
 * An SQS batch cut off on the TestClock: three jobs, the second never ends (`hang`). With a 3 s
 * timeout the cut-off is 700 ms before the deadline (LambdaEvents' default margin): nothing is
 * answered at `beforeCutOff`, and one millisecond later the hanging job and the one after it
 * (not started at concurrency 1) are reported.
 */
export const batchCutOff = {
  event: {
    Records: [
      sqsRecord("m1", JSON.stringify({ hang: false })),
      sqsRecord("m2", JSON.stringify({ hang: true })),
      sqsRecord("m3", JSON.stringify({ hang: false }))
    ]
  },
  options: { timeout: "3 seconds", timeoutMargin: "200 millis" },
  beforeCutOff: "2299 millis",
  answer: { batchItemFailures: [{ itemIdentifier: "m2" }, { itemIdentifier: "m3" }] }
} as const
