/**
 * Node's Lambda `context` object (the shape `@types/aws-lambda`'s `Context` describes), built
 * from what a runtime knows about an invocation, and the drop-in's variant of it (with `detach`,
 * and without the members Lambda's `nodejs24.x` removed). Both lines build it from here: the
 * Effect 3 line's `context.node` and each line's drop-in for plain Node handlers.
 *
 * @internal
 */

/**
 * The Cognito identity of Node's Lambda context.
 *
 * @internal
 */
export interface NodeCognitoIdentity {
  readonly cognitoIdentityId: string
  readonly cognitoIdentityPoolId: string
}

/**
 * The mobile client context of Node's Lambda context.
 *
 * @internal
 */
export interface NodeClientContext {
  readonly client: {
    readonly installationId: string
    readonly appTitle: string
    readonly appVersionName: string
    readonly appVersionCode: string
    readonly appPackageName: string
  }
  readonly custom?: unknown
  readonly env: {
    readonly platformVersion: string
    readonly platform: string
    readonly make: string
    readonly model: string
    readonly locale: string
  }
}

/**
 * Node's Lambda `context`, field for field as the official Node.js runtime passes it (and as
 * `@types/aws-lambda` declares `Context`), so that libraries typed against it accept it.
 *
 * @internal
 */
export interface NodeContext {
  /** Kept for compatibility; this runtime never waits for Node's event loop to empty. */
  callbackWaitsForEmptyEventLoop: boolean
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  /** The memory size, as a string (`"128"`), as in Node's runtime. */
  readonly memoryLimitInMB: string
  readonly awsRequestId: string
  readonly logGroupName: string
  readonly logStreamName: string
  readonly identity?: NodeCognitoIdentity | undefined
  readonly clientContext?: NodeClientContext | undefined
  /** Present only when the invocation was made for a tenant. */
  readonly tenantId?: string | undefined
  /** Milliseconds left until the deadline (never negative). */
  getRemainingTimeInMillis(): number
  /** @deprecated Node's pre-promise API: return the result instead. Throws for Effect handlers. */
  done(error?: Error, result?: unknown): void
  /** @deprecated Node's pre-promise API: fail instead. Throws for Effect handlers. */
  fail(error: Error | string): void
  /** @deprecated Node's pre-promise API: return the result instead. Throws for Effect handlers. */
  succeed(messageOrObject: unknown, object?: unknown): void
}

/**
 * What Node's context says about the function itself (Lambda's environment describes it).
 *
 * @internal
 */
export interface FunctionFacts {
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
}

/**
 * What a Node context is made of: the invocation's facts and the function's configuration (its
 * `getRemainingTimeInMillis` reads the runtime's clock, which a test may simulate).
 *
 * @internal
 */
export interface NodeContextSource extends FunctionFacts {
  readonly requestId: string
  readonly invokedFunctionArn: string
  readonly clientContext: unknown
  readonly identity: unknown
  readonly tenantId: string | undefined
  readonly getRemainingTimeInMillis: () => number
}

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

/**
 * A JSON header's value (`Lambda-Runtime-Client-Context`, `Lambda-Runtime-Cognito-Identity`)
 * parsed, or its raw text if it is not JSON.
 *
 * @internal
 */
export const parseJsonText = (text: string | undefined): unknown => {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
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

/**
 * A detached promise: started now, awaited after the response, aborted at `deadline - margin`.
 *
 * @internal
 */
export type DetachedPromise = (signal: AbortSignal) => PromiseLike<unknown>

/**
 * Node's Lambda `Context`, with `detach` for promises that outlive the response (the drop-in's
 * context; the public `DropInContext` of each line).
 *
 * @internal
 */
export interface NodeHandlerContext extends NodeContext {
  /**
   * Runs `work` as detached work of this invocation: it starts now, may go on after the response
   * is posted, and the runtime waits for it before asking for the next invocation. At
   * `deadline - timeoutMargin` its `signal` aborts and the runtime stops waiting (a promise cannot
   * be stopped: it is abandoned). A rejection is logged with the request id and never changes the
   * response.
   */
  readonly detach: (work: DetachedPromise) => void
}

/**
 * How a callback-style invocation completes: called at most once (later calls are ignored by the caller).
 *
 * @internal
 */
export type Complete = (error: unknown, result?: unknown) => void

/**
 * The legacy `done`/`fail`/`succeed` that complete a callback-style invocation through `complete`.
 *
 * @internal
 */
export const legacyOf = (complete: Complete): LegacyCallbacks => ({
  done: (error, result) => complete(error ?? null, result),
  fail: (error) => complete(error),
  succeed: (result) => complete(null, result)
})

/**
 * The legacy callbacks of a promise (or streaming) handler: they have nothing to complete.
 *
 * @internal
 */
export const ignored: LegacyCallbacks = legacyOf(() => {})

/**
 * `context` without `callbackWaitsForEmptyEventLoop`, `done`, `fail` and `succeed`, the members
 * Lambda's `nodejs24.x` runtime removed (nodeLine.ts): a copy of its other fields (a rest copy, not
 * `delete`, which would leave V8 a slow dictionary object). Its type keeps them: it is still
 * `@types/aws-lambda`'s `Context`, which declares them.
 *
 * @internal
 */
export const withoutLegacy = <C extends NodeContext>(context: C): C => {
  const { callbackWaitsForEmptyEventLoop, done, fail, succeed, ...rest } = context
  return rest as unknown as C
}

/**
 * The drop-in's context for one invocation: Node's context from `source`, with `detach` (each
 * line forks the promise into its invocation's detached work). `legacy` are the deprecated
 * `done`/`fail`/`succeed` ({@link ignored} for promise handlers); `undefined` leaves them and
 * `callbackWaitsForEmptyEventLoop` out, as on Node 24 and later.
 *
 * @internal
 */
export const makeHandlerContext = (
  source: NodeContextSource,
  legacy: LegacyCallbacks | undefined,
  detach: (work: DetachedPromise) => void
): NodeHandlerContext => {
  const made = makeNodeContext(source, legacy ?? ignored)
  const node = (legacy === undefined ? withoutLegacy(made) : made) as {
    -readonly [K in keyof NodeHandlerContext]: NodeHandlerContext[K]
  }
  node.detach = detach
  return node
}
