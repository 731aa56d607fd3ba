/**
 * What a handler's context says about its invocation and its function, the same on both lines:
 * what `/next` said (ids, deadline, trace, the client context and Cognito identity headers
 * parsed), the function's settings from Lambda's environment, and Node's context built on first
 * access. Each line's `LambdaContext` extends it with what is Effect's (`remainingTime`, the
 * detached scope).
 *
 * @internal
 */
import { type FunctionFacts, makeNodeContext, type NodeContext, parseJsonText } from "./nodeContext.js"
import type { Invocation } from "./runtimeApiRequests.js"

/**
 * What the context says about the function itself, from Lambda's environment, read once.
 *
 * @internal
 */
export interface FunctionSettings extends FunctionFacts {
  /** `AWS_REGION` (else `AWS_DEFAULT_REGION`; empty outside Lambda). */
  readonly region: string
}

/**
 * The settings of a function started outside Lambda with none of its variables.
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
export class InvocationFacts {
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
  private nodeContext: NodeContext | undefined = undefined
  constructor(invocation: Invocation, settings: FunctionSettings, now: () => number) {
    const deadlineMs = invocation.deadlineMs
    this.requestId = invocation.requestId
    this.deadlineMs = deadlineMs
    this.invokedFunctionArn = invocation.functionArn
    this.traceId = invocation.traceId
    this.clientContext = parseJsonText(invocation.clientContext)
    this.identity = parseJsonText(invocation.cognitoIdentity)
    this.tenantId = invocation.tenantId
    this.functionName = settings.functionName
    this.functionVersion = settings.functionVersion
    this.memoryLimitInMB = settings.memoryLimitInMB
    this.logGroupName = settings.logGroupName
    this.logStreamName = settings.logStreamName
    this.region = settings.region
    this.getRemainingTimeInMillis = () => Math.max(0, deadlineMs - now())
  }
  get node(): NodeContext {
    return this.nodeContext ??= makeNodeContext(this)
  }
}
