/**
 * The per-invocation context: what Lambda says about the invocation (request id, deadline,
 * ARN, trace id, client context, identity) and the `detachedScope` that outlives the response.
 *
 * It is both the handler's second argument and a `Context.Tag`, so code deep in a call stack
 * can reach it with `yield* LambdaContext`.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/runtime/lambdaContext.js"
import type * as NodeContextCore from "./internal/core/nodeContext.js"

/**
 * What the runtime knows about the current invocation.
 *
 * @since 0.1.0
 * @category models
 */
export interface LambdaContext {
  /** The invocation's request id (`Lambda-Runtime-Aws-Request-Id`). */
  readonly requestId: string
  /** Absolute deadline of the invocation, Unix epoch milliseconds. */
  readonly deadlineMs: number
  /** Time left until the deadline, measured with Effect's `Clock`. */
  readonly remainingTime: Effect.Effect<Duration.Duration>
  /** Milliseconds left until the deadline, for code written against Node's `context`. */
  readonly getRemainingTimeInMillis: () => number
  /** The ARN the caller used (may carry a version or alias qualifier). */
  readonly invokedFunctionArn: string
  /** The X-Ray trace header, when tracing is active. */
  readonly traceId: string | undefined
  /** The mobile client context, parsed from JSON (its raw text if it is not JSON). */
  readonly clientContext: unknown
  /** The Cognito identity, parsed from JSON (its raw text if it is not JSON). */
  readonly identity: unknown
  /** The tenant the invocation was made for, for functions using tenant isolation. */
  readonly tenantId: string | undefined
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  /** The AWS region the function runs in (`AWS_REGION`). */
  readonly region: string
  /**
   * Work forked into this scope outlives the response: the runtime posts the handler's
   * result, then waits for every fiber forked here (and every fiber those fork here) to
   * finish, or interrupts them at `deadline - timeoutMargin`, before it asks for the next
   * invocation. Fork into it with `Effect.forkIn(effect, context.detachedScope)` or
   * {@link detach}.
   */
  readonly detachedScope: Scope.Scope
  /**
   * This invocation as Node's Lambda `context` object, for libraries written for the official
   * Node.js runtime (`logger.addContext(context.node)` with Powertools Logger). Built on first
   * access, once per invocation. Its `done`, `fail` and `succeed` throw: an Effect handler
   * answers with its Effect's result.
   */
  readonly node: NodeContext
}

/**
 * The Cognito identity of Node's Lambda context.
 *
 * @since 0.1.0
 * @category models
 */
export type NodeCognitoIdentity = NodeContextCore.NodeCognitoIdentity

/**
 * The mobile client context of Node's Lambda context.
 *
 * @since 0.1.0
 * @category models
 */
export type NodeClientContext = NodeContextCore.NodeClientContext

/**
 * Node's Lambda `context`, field for field as the official Node.js runtime passes it (and as
 * `@types/aws-lambda` declares `Context`), so that libraries typed against it accept it: its
 * `callbackWaitsForEmptyEventLoop`, `functionName`, `functionVersion`, `invokedFunctionArn`,
 * `memoryLimitInMB` (a string, `"128"`), `awsRequestId`, `logGroupName`, `logStreamName`,
 * `identity`, `clientContext`, `tenantId` (only when the invocation has one),
 * `getRemainingTimeInMillis()` and the deprecated `done`, `fail` and `succeed` (which throw for
 * Effect handlers). Declared in this package so that its types do not depend on `@types/aws-lambda`.
 *
 * @since 0.1.0
 * @category models
 */
export type NodeContext = NodeContextCore.NodeContext

/**
 * Runs `effect` after the response: equivalent to
 * `Effect.forkIn(effect, context.detachedScope)` for the current invocation.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LambdaContext } from "effect-lambda-runtime"
 *
 * const handler = (event: { id: string }) =>
 *   Effect.gen(function*() {
 *     yield* LambdaContext.detach(Effect.log(`processed ${event.id}`))
 *     return { ok: true }
 *   })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 * @function
 */
export const detach: <A, E, R>(
  effect: Effect.Effect<A, E, R>
) => Effect.Effect<Fiber.RuntimeFiber<A, E>, never, R | LambdaContext> = internal.detach

/**
 * Time left until the current invocation's deadline.
 *
 * @since 0.1.0
 * @category accessors
 */
export const remainingTime: Effect.Effect<Duration.Duration, never, LambdaContext> = internal.remainingTime

/**
 * The tag of the current invocation's {@link LambdaContext}, with the {@link detach} and
 * {@link remainingTime} shorthands attached, so that `LambdaContext.detach(effect)` reads
 * naturally after `import { LambdaContext } from "effect-lambda-runtime"`.
 *
 * @since 0.1.0
 * @category tags
 */
export const LambdaContext: Context.Tag<LambdaContext, LambdaContext> & {
  readonly detach: typeof detach
  readonly remainingTime: typeof remainingTime
} = internal.LambdaContext
