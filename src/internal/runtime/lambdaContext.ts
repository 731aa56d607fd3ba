/**
 * The `LambdaContext` tag and its shorthands (documented in LambdaContext.ts), here so that the
 * runtime's modules reach the tag without importing the public module. The `LambdaContext`
 * type is the public interface.
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Api from "../../LambdaContext.js"

/**
 * What the runtime knows about the current invocation (the public interface).
 *
 * @internal
 */
export type LambdaContext = Api.LambdaContext

const Tag = Context.GenericTag<LambdaContext>("effect-lambda-runtime/LambdaContext")

/** @internal */
export const detach = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Fiber.RuntimeFiber<A, E>, never, R | LambdaContext> =>
  Effect.flatMap(Tag, (context) => Effect.forkIn(effect, context.detachedScope))

/** @internal */
export const remainingTime: Effect.Effect<Duration.Duration, never, LambdaContext> = Effect.flatMap(
  Tag,
  (context) => context.remainingTime
)

/**
 * The tag of the current invocation's context, with `detach` and `remainingTime` attached.
 *
 * @internal
 */
export const LambdaContext: Context.Tag<LambdaContext, LambdaContext> & {
  readonly detach: typeof detach
  readonly remainingTime: typeof remainingTime
} = Object.assign(Tag, { detach, remainingTime })
