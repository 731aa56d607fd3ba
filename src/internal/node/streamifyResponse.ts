/**
 * Streaming Node handlers (`awslambda.streamifyResponse`, core/streamifyResponse.ts) on the
 * Effect 3 line's streamed responses: the call's start is the handler's answer, its body a
 * `Stream`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import type { Response } from "../../RuntimeApi.js"
import { failureOf } from "../core/errorDocument.js"
import type { UserFunction } from "../core/handlerResolution.js"
import type { LegacyCallbacks } from "../core/nodeContext.js"
import { callStreaming } from "../core/streamifyResponse.js"
import { UnmarshalError } from "../runtime/errors.js"
import { raw, streamed } from "../runtime/handler.js"
import * as NodeContext from "./dropInContext.js"

const decoder = new TextDecoder()

/**
 * The runtime's handler for a streaming Node function. `legacy` is what its context's
 * `succeed`/`fail`/`done` are (`ignored`: a streaming handler answers through its stream), or
 * `undefined` on Node 24 and later, whose context has none of them (core/nodeLine.ts).
 *
 * @internal
 */
export const fromStreamingFunction = (
  fn: UserFunction,
  legacy: LegacyCallbacks | undefined
): LambdaHandler.LambdaHandler<unknown> =>
  raw((invocation, context: LambdaContext) =>
    Effect.withFiberRuntime<Response, unknown>((fiber, status) =>
      Effect.async<Response, unknown>((resume) => {
        let event: unknown
        try {
          event = invocation.body.byteLength === 0 ? null : JSON.parse(decoder.decode(invocation.body))
        } catch (cause) {
          return resume(
            Effect.fail(new UnmarshalError({ detail: `the body is not valid JSON (${String(cause)})`, cause }))
          )
        }
        callStreaming(
          fn,
          event,
          NodeContext.make(context, fiber, status.runtimeFlags, legacy),
          (started) => {
            const body = Stream.async<Uint8Array, unknown>((emit) =>
              started.listen({
                chunk: (chunk) => void emit.single(chunk),
                end: () => void emit.end(),
                fail: (error) => void emit.fail(failureOf(error))
              })
            )
            resume(Effect.succeed(streamed(body, started.contentType)))
          },
          (error) => resume(Effect.fail(failureOf(error)))
        )
      })
    )
  )
