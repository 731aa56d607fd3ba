/**
 * A plain Node handler (`async (event, context)`, `(event, context, callback)` or a streaming
 * `awslambda.streamifyResponse` handler) as a `LambdaHandler` of the Effect 4 line. The user's
 * function is called inside the invocation's fiber, so the loop's deadline, single answer, error
 * documents, log annotations and detached work apply to it unchanged. What the function is, how
 * each form is called and how a streamed body is taken are the core's (core/nodeLine.ts,
 * core/streamifyResponse.ts); here they are wrapped in Effect 4's `Effect.callback` and
 * `Stream.callback`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { LambdaContextShape } from "../../LambdaContext.js"
import * as LambdaHandler from "../../LambdaHandler.js"
import { ErrorDocument, HandlerResolution, NodeContext, NodeLine, Protocol, StreamifyResponse } from "../core.js"
import { eventJson, resultJson } from "../handler.js"

/**
 * What Node's context says about the function itself, read from Lambda's environment at init
 * (with the Effect 3 line's defaults, for a process started outside Lambda).
 *
 * @internal
 */
export type FunctionFacts = NodeContext.FunctionFacts

/**
 * The promise of `work` as an Effect: interruption (the deadline's cut-off) aborts its signal
 * and abandons the promise; a rejection is the fiber's failure, which the loop logs.
 */
const detachedEffect = (work: NodeContext.DetachedPromise): Effect.Effect<unknown, unknown> =>
  Effect.tryPromise({ try: (signal) => Promise.resolve(work(signal)), catch: (error) => error })

/**
 * The drop-in's context of one invocation. `detach` forks the promise into the invocation's
 * detached scope with the handler fiber's services (its log annotations, the request id among
 * them), synchronously, so that the loop waits for it before the next `/next`.
 */
const contextOf = (
  facts: FunctionFacts,
  invocation: LambdaHandler.Invocation,
  context: LambdaContextShape,
  services: Context.Context<never>,
  legacy: NodeContext.LegacyCallbacks | undefined
): NodeContext.NodeHandlerContext =>
  NodeContext.makeHandlerContext(
    {
      ...facts,
      requestId: context.requestId,
      invokedFunctionArn: context.invokedFunctionArn,
      tenantId: context.tenantId,
      clientContext: NodeContext.parseJsonText(invocation.clientContext),
      identity: NodeContext.parseJsonText(invocation.cognitoIdentity),
      getRemainingTimeInMillis: context.getRemainingTimeInMillis
    },
    legacy,
    (work) => void Effect.runSyncWith(services)(Effect.forkIn(detachedEffect(work), context.detachedScope))
  )

/** A thrown or rejected value as the invocation's failure (a non-`Error` is described as Node's client does). */
const failure = (error: unknown): Effect.Effect<never, unknown> => Effect.fail(ErrorDocument.failureOf(error))

/** A function called in `form` (promise or callback), its result answered as JSON. */
const called = (fn: HandlerResolution.UserFunction, form: NodeLine.Form, facts: FunctionFacts) =>
  LambdaHandler.raw((invocation, context) =>
    Effect.flatMap(
      Effect.all([eventJson(invocation.body), Effect.context<never>()]),
      ([event, services]) =>
        Effect.flatMap(
          Effect.callback<unknown, unknown>((resume) =>
            form(fn, event, (legacy) => contextOf(facts, invocation, context, services, legacy), {
              succeed: (value) => resume(Effect.succeed(value)),
              fail: (error) => resume(failure(error))
            })
          ),
          (value) => Effect.map(resultJson(value), (text) => LambdaHandler.buffered(text, Protocol.contentTypes.json))
        )
    )
  )

/** A streaming function: its response starts at the first byte, its body is a Stream. */
const streaming = (
  fn: HandlerResolution.UserFunction,
  legacy: NodeContext.LegacyCallbacks | undefined,
  facts: FunctionFacts
) =>
  LambdaHandler.raw((invocation, context) =>
    Effect.flatMap(
      Effect.all([eventJson(invocation.body), Effect.context<never>()]),
      ([event, services]) =>
        Effect.callback<LambdaHandler.Response, unknown>((resume) =>
          StreamifyResponse.callStreaming(
            fn,
            event,
            contextOf(facts, invocation, context, services, legacy),
            (started) => {
              const body = Stream.callback<Uint8Array, unknown>((queue) =>
                Effect.sync(() =>
                  started.listen({
                    chunk: (chunk) => void Queue.offerUnsafe(queue, chunk),
                    end: () => void Queue.endUnsafe(queue),
                    fail: (error) => void Queue.failCauseUnsafe(queue, Cause.fail(ErrorDocument.failureOf(error)))
                  })
                )
              )
              resume(Effect.succeed(LambdaHandler.streamed(body, started.contentType)))
            },
            (error) => resume(failure(error))
          )
        )
    )
  )

/**
 * The `LambdaHandler` for plain Node function `fn`, by the rules of the managed runtime of Node
 * `major` (core/nodeLine.ts): on Node 24 and later a callback handler fails with
 * `Runtime.CallbackHandlerDeprecated` (the drop-in's init error), and the context has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`.
 *
 * @internal
 */
export const fromFunction = (
  fn: HandlerResolution.UserFunction,
  facts: FunctionFacts,
  major: number
): Effect.Effect<LambdaHandler.LambdaHandler<unknown>, NodeLine.CallbackHandlerDeprecated> => {
  const kind = NodeLine.classify(fn, major)
  switch (kind._tag) {
    case "Deprecated":
      return Effect.fail(kind.error)
    case "Streaming":
      return Effect.succeed(streaming(fn, kind.legacy, facts))
    case "Call":
      return Effect.succeed(called(fn, kind.form, facts))
  }
}
