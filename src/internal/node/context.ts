/**
 * The `context` a plain Node handler receives: the fields of Node's Lambda `Context` (as
 * `@types/aws-lambda` declares them) built from this runtime's `LambdaContext`, plus
 * `detach`, which runs a promise as detached work of the invocation.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type { LambdaContext } from "../../LambdaContext.js"

/** Node's `context.identity` (`CognitoIdentity`). */
export interface NodeCognitoIdentity {
  readonly cognitoIdentityId: string
  readonly cognitoIdentityPoolId: string
}

/** Node's `context.clientContext` (`ClientContext`). */
export interface NodeClientContext {
  readonly client: {
    readonly installationId: string
    readonly appTitle: string
    readonly appVersionName: string
    readonly appVersionCode: string
    readonly appPackageName: string
  }
  readonly Custom?: unknown
  readonly env: {
    readonly platformVersion: string
    readonly platform: string
    readonly make: string
    readonly model: string
    readonly locale: string
  }
}

/** A detached promise: started now, awaited after the response, aborted at `deadline - margin`. */
export type DetachedPromise = (signal: AbortSignal) => PromiseLike<unknown>

/** Node's Lambda `Context`, with `detach` for promises that outlive the response. */
export interface NodeHandlerContext {
  callbackWaitsForEmptyEventLoop: boolean
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  readonly memoryLimitInMB: string
  readonly awsRequestId: string
  readonly logGroupName: string
  readonly logStreamName: string
  readonly identity?: NodeCognitoIdentity | undefined
  readonly clientContext?: NodeClientContext | undefined
  readonly tenantId?: string | undefined
  readonly getRemainingTimeInMillis: () => number
  /** @deprecated Node's legacy completion: prefer returning a promise. */
  readonly done: (error?: Error, result?: unknown) => void
  /** @deprecated Node's legacy completion: prefer throwing. */
  readonly fail: (error: Error | string) => void
  /** @deprecated Node's legacy completion: prefer returning the result. */
  readonly succeed: (messageOrObject: unknown) => void
  /**
   * Runs `fn` as detached work of this invocation: it starts now, may go on after the
   * response is posted, and is awaited before the next invocation is asked for. At
   * `deadline - timeoutMargin` its `signal` aborts and the runtime stops waiting for it
   * (the promise itself cannot be stopped: it is abandoned, and whatever it does later
   * happens in a frozen or reused environment). A rejection is logged with the request id
   * and never changes the response.
   */
  readonly detach: (fn: DetachedPromise) => void
}

/** How a callback-style invocation completes: called at most once (later calls are ignored by the caller). */
export type Complete = (error: unknown, result?: unknown) => void

/** The promise of `fn` as an Effect: interruption aborts its signal and abandons the promise. */
export const detachedEffect = (fn: DetachedPromise): Effect.Effect<unknown, unknown> =>
  Effect.tryPromise({ try: (signal) => fn(signal) as Promise<unknown>, catch: (error) => error })

/**
 * Node's context for one invocation. `runtime` is the handler fiber's runtime: detached
 * promises forked with it inherit the invocation's log annotations (its request id).
 */
export const make = (
  context: LambdaContext,
  runtime: Runtime.Runtime<never>,
  complete: Complete
): NodeHandlerContext => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: String(context.memoryLimitInMB),
  awsRequestId: context.requestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  identity: context.identity as NodeCognitoIdentity | undefined,
  clientContext: context.clientContext as NodeClientContext | undefined,
  tenantId: context.tenantId,
  getRemainingTimeInMillis: context.getRemainingTimeInMillis,
  done: (error, result) => complete(error ?? null, result),
  fail: (error) => complete(error),
  succeed: (result) => complete(null, result),
  detach: (fn) => {
    Runtime.runSync(runtime)(Effect.forkIn(detachedEffect(fn), context.detachedScope))
  }
})
