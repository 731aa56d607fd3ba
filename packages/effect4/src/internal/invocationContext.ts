/**
 * The handler's `LambdaContext` of one invocation (the core's `InvocationFacts`, with what is
 * Effect's), and the function's settings it carries, read once at init with `Config`.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { LambdaContextShape } from "../LambdaContext.js"
import { InvocationContext as InvocationContextCore, Protocol, type Requests } from "./core.js"

/**
 * The function's settings from `AWS_LAMBDA_FUNCTION_NAME`, `..._VERSION`, `..._MEMORY_SIZE`,
 * `AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_LOG_STREAM_NAME` and `AWS_REGION`, with the Effect 3
 * line's defaults for a process started outside Lambda.
 *
 * @internal
 */
export const functionSettings: Config.Config<InvocationContextCore.FunctionSettings> = Config.all({
  functionName: Config.String(Protocol.env.functionName).pipe(Config.withDefault("function")),
  functionVersion: Config.String(Protocol.env.functionVersion).pipe(Config.withDefault("$LATEST")),
  memoryLimitInMB: Config.Int(Protocol.env.functionMemorySize).pipe(Config.withDefault(128)),
  logGroupName: Config.String(Protocol.env.logGroupName).pipe(Config.withDefault("")),
  logStreamName: Config.String(Protocol.env.logStreamName).pipe(Config.withDefault("")),
  region: Config.String(Protocol.env.region).pipe(
    Config.orElse(() => Config.String(Protocol.env.defaultRegion)),
    Config.withDefault("")
  )
})

/**
 * The handler's context of one invocation: the core's facts, with Effect's `remainingTime` and
 * the scope its detached work is forked into.
 *
 * @internal
 */
export class InvocationContext extends InvocationContextCore.InvocationFacts implements LambdaContextShape {
  readonly remainingTime: Effect.Effect<Duration.Duration>
  constructor(
    invocation: Requests.Invocation,
    settings: InvocationContextCore.FunctionSettings,
    now: () => number,
    readonly detachedScope: Scope.Scope
  ) {
    super(invocation, settings, now)
    this.remainingTime = Effect.sync(() => Duration.millis(this.getRemainingTimeInMillis()))
  }
}
