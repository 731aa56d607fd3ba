/**
 * A drop-in context for calling a plain Node handler directly in a unit test, without the
 * runtime: Node's context fields from the test's options, and `detach` that starts the work at
 * once and remembers it until the test settles it. As the drop-in's, it follows the Node line
 * (core/nodeLine.ts): from Node 24 on it has no `callbackWaitsForEmptyEventLoop`, `done`, `fail`
 * or `succeed`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import { randomUUID } from "node:crypto"
import type { DropInContext } from "../../DropIn.js"
import { ignored, makeNodeContext, withoutLegacy } from "../core/nodeContext.js"
import { callbacksRemoved, currentMajor } from "../core/nodeLine.js"
import type { InvokeOptions } from "../../LambdaTest.js"

/** @internal */
export interface TestDropInContext extends DropInContext {
  readonly settled: () => Promise<ReadonlyArray<PromiseSettledResult<unknown>>>
  readonly abort: () => void
}

/**
 * The context, by the rules of Node `major` (the running Node's by default).
 *
 * @internal
 */
export const make = (options: InvokeOptions = {}, major: number = currentMajor()): TestDropInContext => {
  const functionName = options.functionName ?? "function"
  const region = options.region ?? "us-east-1"
  const timeoutMs = Duration.toMillis(Duration.decode(options.timeout ?? Duration.seconds(3)))
  const deadlineMs = Date.now() + timeoutMs
  const controller = new AbortController()
  const work: Array<Promise<unknown>> = []
  const made = makeNodeContext({
    requestId: options.requestId ?? randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    invokedFunctionArn: options.functionArn ?? `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
    clientContext: options.clientContext,
    identity: options.identity,
    tenantId: options.tenantId,
    functionName,
    functionVersion: options.functionVersion ?? "$LATEST",
    memoryLimitInMB: options.memoryLimitInMB ?? 128,
    logGroupName: options.logGroupName ?? `/aws/lambda/${functionName}`,
    logStreamName: options.logStreamName ?? "test"
  }, ignored)
  const node = callbacksRemoved(major) ? withoutLegacy(made) : made
  return Object.assign(node, {
    detach: (fn: (signal: AbortSignal) => PromiseLike<unknown>) => {
      work.push(Promise.resolve().then(() => fn(controller.signal)))
    },
    // Work detached while earlier work settles is waited for too, as the runtime does.
    settled: async () => {
      let seen = 0
      let results: Array<PromiseSettledResult<unknown>> = []
      while (seen < work.length) {
        seen = work.length
        results = await Promise.allSettled(work.slice())
      }
      return results
    },
    abort: () => controller.abort()
  })
}
