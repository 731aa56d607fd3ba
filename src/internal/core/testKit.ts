/**
 * What both lines' `LambdaTest` share, without Effect: the invocation a test describes (its
 * defaults are Lambda's), the Runtime API's answers held in memory (a buffered body, an error
 * document, a streamed body with its error trailers) and read back as the caller would see them,
 * and the drop-in context for calling a plain Node handler directly. Each line runs its own loop
 * over these; the time (the test's `Clock`) and the Effect wrapping are the line's.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type { FunctionFacts as NodeFunctionFacts, NodeHandlerContext } from "./nodeContext.js"
import { ignored, makeHandlerContext } from "./nodeContext.js"
import { callbacksRemoved, currentMajor } from "./nodeLine.js"
import { env } from "./protocol.js"
import type { ErrorDocument } from "./protocol.js"
import type { StreamWriter } from "./responseStream.js"
import type { Invocation } from "./runtimeApiRequests.js"

/**
 * What a test says about the invocation and the function, besides its timing (each line's
 * `InvokeOptions` adds `timeout` and `timeoutMargin` as its Effect's durations).
 *
 * @internal
 */
export interface InvocationOptions {
  /** Default: a random UUID. */
  readonly requestId?: string | undefined
  /** Default: an ARN made of the region and the function's name. */
  readonly functionArn?: string | undefined
  /** The X-Ray trace header (`Root=...;Parent=...;Sampled=...`). */
  readonly traceId?: string | undefined
  readonly tenantId?: string | undefined
  /** The client context, as a value (it travels as JSON, as on Lambda). */
  readonly clientContext?: unknown
  /** The Cognito identity, as a value (it travels as JSON, as on Lambda). */
  readonly identity?: unknown
  /** Default `"function"`. */
  readonly functionName?: string | undefined
  /** Default `"$LATEST"`. */
  readonly functionVersion?: string | undefined
  /** Default 128. */
  readonly memoryLimitInMB?: number | undefined
  /** Default `"us-east-1"`. */
  readonly region?: string | undefined
  readonly logGroupName?: string | undefined
  readonly logStreamName?: string | undefined
}

/**
 * Lambda's default function timeout, when the test names none.
 *
 * @internal
 */
export const DEFAULT_TIMEOUT_MS = 3000

/**
 * What the function is, with the defaults filled in.
 *
 * @internal
 */
export interface FunctionFacts extends NodeFunctionFacts {
  readonly region: string
  readonly functionArn: string
}

/**
 * The function's facts from the test's options.
 *
 * @internal
 */
export const factsOf = (options: InvocationOptions): FunctionFacts => {
  const functionName = options.functionName ?? "function"
  const region = options.region ?? "us-east-1"
  return {
    functionName,
    functionVersion: options.functionVersion ?? "$LATEST",
    memoryLimitInMB: options.memoryLimitInMB ?? 128,
    logGroupName: options.logGroupName ?? `/aws/lambda/${functionName}`,
    logStreamName: options.logStreamName ?? "test",
    region,
    functionArn: options.functionArn ?? `arn:aws:lambda:${region}:123456789012:function:${functionName}`
  }
}

/**
 * The facts as Lambda's environment variables (what a line that reads them through its `Config`
 * is given in a test).
 *
 * @internal
 */
export const environmentOf = (facts: FunctionFacts): Record<string, string> => ({
  [env.functionName]: facts.functionName,
  [env.functionVersion]: facts.functionVersion,
  [env.functionMemorySize]: String(facts.memoryLimitInMB),
  [env.logGroupName]: facts.logGroupName,
  [env.logStreamName]: facts.logStreamName,
  [env.region]: facts.region
})

const jsonText = (value: unknown): string | undefined => value === undefined ? undefined : JSON.stringify(value)

/**
 * The invocation `/next` would deliver: the event as JSON (a `Uint8Array` as it is), the
 * context's values as their headers carry them.
 *
 * @internal
 */
export const invocationOf = (options: InvocationOptions, deadlineMs: number, event: unknown): Invocation => ({
  requestId: options.requestId ?? randomUUID(),
  deadlineMs,
  functionArn: factsOf(options).functionArn,
  traceId: options.traceId,
  clientContext: jsonText(options.clientContext),
  cognitoIdentity: jsonText(options.identity),
  tenantId: options.tenantId,
  contentType: "application/json",
  body: event instanceof Uint8Array ? event : Buffer.from(JSON.stringify(event) ?? "null")
})

/**
 * The answer as Lambda's caller sees it: the response's bytes (and their text), or the error
 * document; a streamed response that ended with an error carries it in `streamError`.
 *
 * @internal
 */
export type Result =
  | {
    readonly _tag: "Success"
    readonly body: Uint8Array
    readonly text: string
    readonly contentType: string
    /** The error a streamed response ended with (its trailers), if any. */
    readonly streamError: ErrorDocument | undefined
  }
  | { readonly _tag: "Failure"; readonly error: ErrorDocument }

const bytes = (body: Uint8Array | string): Uint8Array => typeof body === "string" ? Buffer.from(body) : body

const success = (body: Uint8Array, contentType: string, streamError: ErrorDocument | undefined): Result => ({
  _tag: "Success",
  body,
  text: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"),
  contentType,
  streamError
})

/**
 * The response's body parsed as JSON; throws if the invocation failed.
 *
 * @internal
 */
export const json = (result: Result): unknown => {
  if (result._tag === "Failure") {
    throw new Error(`The invocation failed: ${result.error.errorType}: ${result.error.errorMessage}`)
  }
  return JSON.parse(result.text) as unknown
}

/**
 * The error document of a failed invocation, `undefined` if it succeeded.
 *
 * @internal
 */
export const error = (result: Result): ErrorDocument | undefined => result._tag === "Failure" ? result.error : undefined

/**
 * The Runtime API's three ways of answering, held in memory: each hands the invocation's
 * {@link Result} to `onResult`.
 *
 * @internal
 */
export interface MemoryAnswers {
  readonly respond: (body: Uint8Array | string, contentType: string) => void
  readonly fail: (error: ErrorDocument) => void
  /** A streamed POST that never waits: the body is collected, its end (and trailers) is the result. */
  readonly openStream: (contentType: string) => StreamWriter
}

/**
 * The answers of one invocation.
 *
 * @internal
 */
export const memoryAnswers = (onResult: (result: Result) => void): MemoryAnswers => ({
  respond: (body, contentType) => onResult(success(bytes(body), contentType, undefined)),
  fail: (error) => onResult({ _tag: "Failure", error }),
  openStream: (contentType) => {
    const chunks: Array<Uint8Array> = []
    let ended = false
    return {
      write: (chunk) => {
        chunks.push(bytes(chunk))
        return true
      },
      ready: () => !ended,
      whenDrained: (done) => {
        done(undefined)
        return () => {}
      },
      end: (streamError, done) => {
        if (!ended) {
          ended = true
          onResult(success(Buffer.concat(chunks), contentType, streamError))
        }
        done(undefined)
        return () => {}
      }
    }
  }
})

/**
 * A drop-in context made for a test, and the detached work it started.
 *
 * @internal
 */
export interface TestDropInContext extends NodeHandlerContext {
  /** Waits for all detached work (work detached meanwhile included) and gives each outcome. */
  readonly settled: () => Promise<ReadonlyArray<PromiseSettledResult<unknown>>>
  /** Aborts the detached work's signal, as the deadline would. */
  readonly abort: () => void
}

/**
 * A drop-in context for calling a plain Node handler directly: Node's context fields from the
 * options, a deadline `timeoutMs` from now (real time: no runtime is involved), and a `detach`
 * that starts the work at once. By the rules of Node `major` (the running Node's by default):
 * from Node 24 on it has no `callbackWaitsForEmptyEventLoop`, `done`, `fail` or `succeed`.
 *
 * @internal
 */
export const makeDropInContext = (
  options: InvocationOptions,
  timeoutMs: number,
  major: number = currentMajor()
): TestDropInContext => {
  const facts = factsOf(options)
  const deadlineMs = Date.now() + timeoutMs
  const controller = new AbortController()
  const work: Array<Promise<unknown>> = []
  const context = makeHandlerContext(
    {
      ...facts,
      requestId: options.requestId ?? randomUUID(),
      invokedFunctionArn: facts.functionArn,
      clientContext: options.clientContext,
      identity: options.identity,
      tenantId: options.tenantId,
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now())
    },
    callbacksRemoved(major) ? undefined : ignored,
    (fn) => {
      work.push(Promise.resolve().then(() => fn(controller.signal)))
    }
  )
  return Object.assign(context, {
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
