/**
 * The invocation's context on the Effect 4 line: what `/next` said about the invocation, the
 * function's settings, and the scope its detached work is forked into. The same fields as the
 * Effect 3 line's `LambdaContext`; a service as Effect 4 declares them (`Context.Service`).
 *
 * @example
 * ```ts no-check
 * import { Effect } from "effect"
 * import { LambdaContext } from "effect-lambda-runtime/LambdaContext"
 *
 * const handler = (event: { readonly id: string }) =>
 *   Effect.gen(function*() {
 *     const context = yield* LambdaContext
 *     // After the response, before the next invocation:
 *     yield* Effect.forkIn(Effect.log(`audit ${event.id}`), context.detachedScope)
 *     return { requestId: context.requestId }
 *   })
 * ```
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import type { NodeContext as NodeContextCore } from "./internal/core.js"

/**
 * What the handler knows about its invocation.
 *
 * @since 1.0.0
 * @category models
 */
export interface LambdaContextShape {
  readonly requestId: string
  /** When the invocation times out, epoch milliseconds. */
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  /** `Lambda-Runtime-Trace-Id`, when the platform sent one. */
  readonly traceId: string | undefined
  /** The mobile client's context (`Lambda-Runtime-Client-Context`, parsed), when sent. */
  readonly clientContext: unknown
  /** The Cognito identity (`Lambda-Runtime-Cognito-Identity`, parsed), when sent. */
  readonly identity: unknown
  /** `Lambda-Runtime-Aws-Tenant-Id`, when the invocation has one. */
  readonly tenantId: string | undefined
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  /** The AWS region the function runs in (`AWS_REGION`). */
  readonly region: string
  /**
   * Fibers forked here with `Effect.forkIn` run after the response is posted and are finished
   * (or interrupted at the deadline, their finalizers run) before the next invocation.
   */
  readonly detachedScope: Scope.Scope
  /** Milliseconds left before the deadline (never negative). */
  readonly getRemainingTimeInMillis: () => number
  /** Time left before the deadline, when the Effect runs. */
  readonly remainingTime: Effect.Effect<Duration.Duration>
  /**
   * This invocation as Node's Lambda `context` object, for libraries written for the official
   * Node.js runtime (`logger.addContext(context.node)` with Powertools Logger). Built on first
   * access, once per invocation. Its `done`, `fail` and `succeed` throw: an Effect handler
   * answers with its Effect's result.
   */
  readonly node: NodeContext
}

/**
 * Node's Lambda `context`, field for field as the official Node.js runtime passes it (and as
 * `@types/aws-lambda` declares `Context`), so that libraries typed against it accept it.
 * Declared in this package so that its types do not depend on `@types/aws-lambda`.
 *
 * @since 1.0.0
 * @category models
 */
export type NodeContext = NodeContextCore.NodeContext

/**
 * The current invocation's context, with the `detach` and `remainingTime` shorthands the Effect 3
 * line's `LambdaContext` has, so that `LambdaContext.detach(effect)` reads the same on both lines.
 *
 * @since 1.0.0
 * @category services
 */
export class LambdaContext extends Context.Service<LambdaContext, LambdaContextShape>()(
  "effect-lambda-runtime/LambdaContext"
) {
  /**
   * Forks `effect` into the current invocation's detached scope: it runs after the response and
   * is finished (or interrupted at the deadline) before the next invocation.
   */
  static readonly detach = <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ): Effect.Effect<Fiber.Fiber<A, E>, never, R | LambdaContext> =>
    LambdaContext.use((context) => Effect.forkIn(effect, context.detachedScope))

  /** Time left until the current invocation's deadline. */
  static readonly remainingTime: Effect.Effect<Duration.Duration, never, LambdaContext> = LambdaContext.useSync((
    context
  ) => Duration.millis(context.getRemainingTimeInMillis()))
}
