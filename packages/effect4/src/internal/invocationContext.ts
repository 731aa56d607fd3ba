/**
 * The handler's `LambdaContext` of one invocation: what `/next` said about it, the function's
 * settings (read once at init), and the scope its detached work is forked into.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { LambdaContextShape } from "../LambdaContext.js"
import { NodeContext, Protocol, type Requests } from "./core.js"

/**
 * What the context says about the function itself, from Lambda's environment.
 *
 * @internal
 */
export interface FunctionSettings extends NodeContext.FunctionFacts {
  /** `AWS_REGION` (else `AWS_DEFAULT_REGION`; empty outside Lambda). */
  readonly region: string
}

/**
 * The function's settings from `AWS_LAMBDA_FUNCTION_NAME`, `..._VERSION`, `..._MEMORY_SIZE`,
 * `AWS_LAMBDA_LOG_GROUP_NAME`, `AWS_LAMBDA_LOG_STREAM_NAME` and `AWS_REGION`, with the Effect 3
 * line's defaults for a process started outside Lambda.
 *
 * @internal
 */
export const functionSettings: Config.Config<FunctionSettings> = Config.all({
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
 * The settings of a loop started without any (a test of the loop itself).
 *
 * @internal
 */
export const defaultSettings: FunctionSettings = {
  functionName: "function",
  functionVersion: "$LATEST",
  memoryLimitInMB: 128,
  logGroupName: "",
  logStreamName: "",
  region: ""
}

/**
 * A class, so that `node` is a getter on the prototype: Node's context object costs nothing
 * until a handler asks for it. The function's settings are own fields, so that a context spread
 * or logged shows them.
 *
 * @internal
 */
export class InvocationContext implements LambdaContextShape {
  readonly requestId: string
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  readonly traceId: string | undefined
  readonly clientContext: unknown
  readonly identity: unknown
  readonly tenantId: string | undefined
  readonly functionName: string
  readonly functionVersion: string
  readonly memoryLimitInMB: number
  readonly logGroupName: string
  readonly logStreamName: string
  readonly region: string
  readonly getRemainingTimeInMillis: () => number
  readonly remainingTime: Effect.Effect<Duration.Duration>
  private nodeContext: NodeContext.NodeContext | undefined = undefined
  constructor(
    invocation: Requests.Invocation,
    settings: FunctionSettings,
    now: () => number,
    readonly detachedScope: Scope.Scope
  ) {
    const deadlineMs = invocation.deadlineMs
    this.requestId = invocation.requestId
    this.deadlineMs = deadlineMs
    this.invokedFunctionArn = invocation.functionArn
    this.traceId = invocation.traceId
    this.clientContext = NodeContext.parseJsonText(invocation.clientContext)
    this.identity = NodeContext.parseJsonText(invocation.cognitoIdentity)
    this.tenantId = invocation.tenantId
    this.functionName = settings.functionName
    this.functionVersion = settings.functionVersion
    this.memoryLimitInMB = settings.memoryLimitInMB
    this.logGroupName = settings.logGroupName
    this.logStreamName = settings.logStreamName
    this.region = settings.region
    this.getRemainingTimeInMillis = () => Math.max(0, deadlineMs - now())
    this.remainingTime = Effect.sync(() => Duration.millis(this.getRemainingTimeInMillis()))
  }
  get node(): NodeContext.NodeContext {
    return this.nodeContext ??= NodeContext.makeNodeContext(this)
  }
}
