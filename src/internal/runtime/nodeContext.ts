/**
 * Node's Lambda `context` object (the shape `@types/aws-lambda`'s `Context` describes), built
 * from what the runtime knows about an invocation. Shared by the Effect runtime's
 * `context.node` and by code that runs plain Node handlers.
 */
import type { LambdaContext, NodeClientContext, NodeCognitoIdentity, NodeContext } from "../../LambdaContext.js"

/**
 * What a Node context is made of: the invocation's context (its `getRemainingTimeInMillis` reads
 * the runtime's clock, which `LambdaTest` may simulate).
 *
 * @internal
 */
export type NodeContextSource = Omit<LambdaContext, "node" | "detachedScope" | "remainingTime">

/**
 * The deprecated `done`/`fail`/`succeed` of Node's context. A runner of callback-style handlers
 * passes its own; without them each throws {@link LegacyCallbackError}.
 *
 * @internal
 */
export interface LegacyCallbacks {
  readonly done: (error?: Error, result?: unknown) => void
  readonly fail: (error: Error | string) => void
  readonly succeed: (messageOrObject: unknown, object?: unknown) => void
}

/**
 * Thrown by `done`/`fail`/`succeed` of a context whose handler answers by returning an Effect.
 *
 * @internal
 */
export class LegacyCallbackError extends Error {
  constructor(method: string) {
    super(
      `context.${method}() is not supported here: this handler answers with the value (or failure) of its Effect; ` +
        `return the result instead`
    )
    this.name = "LegacyCallbackError"
  }
}

const object = (value: unknown): unknown => typeof value === "object" && value !== null ? value : undefined

const unsupported: LegacyCallbacks = {
  done: () => {
    throw new LegacyCallbackError("done")
  },
  fail: () => {
    throw new LegacyCallbackError("fail")
  },
  succeed: () => {
    throw new LegacyCallbackError("succeed")
  }
}

/**
 * A fresh Node context (a plain object, as the official runtime's: libraries may copy or spread
 * it, and `getRemainingTimeInMillis` works detached from it). `tenantId` is present only when
 * the invocation has one, as in the official runtime.
 *
 * @internal
 */
export const makeNodeContext = (source: NodeContextSource, legacy: LegacyCallbacks = unsupported): NodeContext => {
  const context: NodeContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: source.functionName,
    functionVersion: source.functionVersion,
    invokedFunctionArn: source.invokedFunctionArn,
    memoryLimitInMB: String(source.memoryLimitInMB),
    awsRequestId: source.requestId,
    logGroupName: source.logGroupName,
    logStreamName: source.logStreamName,
    identity: object(source.identity) as NodeCognitoIdentity | undefined,
    clientContext: object(source.clientContext) as NodeClientContext | undefined,
    getRemainingTimeInMillis: source.getRemainingTimeInMillis,
    done: legacy.done,
    fail: legacy.fail,
    succeed: legacy.succeed
  }
  if (source.tenantId !== undefined) (context as { tenantId?: string }).tenantId = source.tenantId
  return context
}
