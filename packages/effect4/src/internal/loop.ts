/**
 * The invocation loop of the Effect 4 line: `/next` -> the handler's fiber under its deadline
 * -> exactly one `/response` or `/error` -> the detached window -> `/next` (inFlight.ts), in one
 * lane, or in N lanes at once on Lambda Managed Instances (lanes.ts). This module decides how an
 * event is decoded and how an answer is posted; the lifecycle rules (deadlines, cut-offs,
 * shutdown, errors outside Effect) are the Effect 3 line's, in inFlight.ts and lifecycle.ts.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { LambdaContext } from "../LambdaContext.js"
import type { LambdaContextShape } from "../LambdaContext.js"
import { fromCause } from "./causeDocument.js"
import type { InvokeStore, Requests } from "./core.js"
import { Protocol } from "./core.js"
import type { Answer, Lane } from "./inFlight.js"
import * as Lanes from "./lanes.js"
import { Lifecycle } from "./lifecycle.js"
import type { FatalRuntimeError } from "./lifecycle.js"
import type { RuntimeApiClient, RuntimeApiError } from "./runtimeApiClient.js"

/**
 * A handler of JSON events: the event, the context; its success is posted as JSON.
 *
 * @internal
 */
export type Handler<R> = (event: unknown, context: LambdaContextShape) => Effect.Effect<unknown, unknown, R>

/** @internal */
export interface LoopOptions {
  /** How long before the deadline the handler and its detached work are interrupted. */
  readonly timeoutMarginMs: number
  /** `globalThis.awslambda.InvokeStore` (core/invokeStore.ts), told about each invocation. */
  readonly invokeStore?: InvokeStore.Store | undefined
  /** The store is the async-context form (Managed Instances): entered around the handler's fiber. */
  readonly asyncInvokeStore?: boolean | undefined
  /** The process-level state (shutdown, errors outside Effect); one of the loop's own when absent. */
  readonly life?: Lifecycle | undefined
  /** Lambda Managed Instances: the clients of the lanes besides the first, one lane each. */
  readonly lanes?: ReadonlyArray<RuntimeApiClient> | undefined
  /** Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY` above 1), whatever the number of lanes. */
  readonly managed?: boolean | undefined
}

const parseEvent = (invocation: Requests.Invocation): Exit.Exit<unknown, Protocol.ErrorDocument> => {
  const text = Buffer.from(invocation.body).toString("utf8")
  try {
    return Exit.succeed(text.length === 0 ? undefined : JSON.parse(text))
  } catch (error) {
    return Exit.fail({
      errorType: Protocol.errorTypes.unmarshal,
      errorMessage: `The event is not JSON: ${error instanceof Error ? error.message : String(error)}`,
      stackTrace: []
    })
  }
}

/**
 * Posts an answer: the one place that turns it into `/response` or `/error`.
 *
 * @internal
 */
export const postAnswer =
  (api: RuntimeApiClient) => (requestId: string, answer: Answer): Effect.Effect<void, RuntimeApiError> =>
    Effect.suspend(() =>
      answer._tag === "Document"
        ? api.fail(requestId, answer.document)
        : Exit.isSuccess(answer.exit)
        ? api.respond(requestId, JSON.stringify(answer.exit.value) ?? "null", Protocol.contentTypes.json)
        : api.fail(requestId, fromCause(answer.exit.cause))
    )

/**
 * Asks for invocations until the runtime must exit (a Runtime API call that cannot be retried,
 * work that would not stop by its deadline); on interruption the invocations in flight are
 * stopped within the shutdown budget.
 *
 * @internal
 */
export const loop = <R>(
  api: RuntimeApiClient,
  handler: Handler<R | LambdaContext>,
  options: LoopOptions
): Effect.Effect<never, FatalRuntimeError, Exclude<R, LambdaContext>> =>
  Effect.flatMap(Effect.context<Exclude<R, LambdaContext>>(), (services) => {
    const life = options.life ?? new Lifecycle()
    const clients = [api, ...(options.lanes ?? [])]
    const lanes = clients.map((api): Lane<Exclude<R, LambdaContext>> => ({
      api,
      life,
      services,
      decode: parseEvent,
      handler: handler as Lane<Exclude<R, LambdaContext>>["handler"],
      post: postAnswer(api),
      retry: Lanes.retryTransport,
      timeoutMarginMs: options.timeoutMarginMs,
      invokeStore: options.invokeStore,
      asyncInvokeStore: options.asyncInvokeStore === true,
      managed: options.managed ?? clients.length > 1,
      concurrency: clients.length
    }))
    return Lanes.serve(lanes, life)
  })
