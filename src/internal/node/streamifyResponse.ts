/**
 * `awslambda.streamifyResponse` and `awslambda.HttpResponseStream`, the global the official
 * Node.js runtime gives streaming handlers, on this runtime's streamed responses.
 *
 * A streaming handler is `(event, responseStream, context)`: what it writes to
 * `responseStream` is the body, `responseStream.end()` (or its promise settling) ends it. The
 * content type is read when the first byte is written (or the stream ends): set it before, as
 * the official runtime requires. A rejection before the first byte is posted as `/error`,
 * after it as the stream's error trailers. Writes are not back-pressured by the Runtime API
 * connection: chunks wait in memory until they are sent.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { PassThrough } from "node:stream"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import type { Response } from "../../RuntimeApi.js"
import { failureOf } from "../core/errorDocument.js"
import { contentTypes } from "../core/protocol.js"
import { UnmarshalError } from "../runtime/errors.js"
import { raw, streamed } from "../runtime/handler.js"
import type { LegacyCallbacks } from "../runtime/nodeContext.js"
import * as NodeContext from "./dropInContext.js"
import type { UserFunction } from "./resolve.js"

/**
 * The mark `streamifyResponse` puts on a handler (the official runtime's symbol).
 *
 * @internal
 */
export const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming")

/**
 * The stream a streaming handler writes its body to.
 *
 * @internal
 */
export class ResponseStream extends PassThrough {
  contentType: string = contentTypes.octetStream
  private written = false
  override _transform(
    chunk: unknown,
    encoding: BufferEncoding,
    callback: (error?: Error | null, data?: unknown) => void
  ): void {
    if (!this.written) {
      this.written = true
      // The content type is final now: the runtime starts the response.
      this.emit("firstChunk")
    }
    super._transform(chunk, encoding, callback)
  }
  /** Sets the response's content type; only before the first write. */
  setContentType(contentType: string): void {
    this.contentType = contentType
  }
}

/**
 * `awslambda.HttpResponseStream`: a response with a status, headers and cookies (function URLs).
 *
 * @internal
 */
export const HttpResponseStream = {
  from(stream: ResponseStream, prelude: Record<string, unknown>): ResponseStream {
    stream.setContentType(contentTypes.httpIntegration)
    stream.write(JSON.stringify(prelude))
    // Eight NUL bytes separate the prelude from the body.
    stream.write(new Uint8Array(8))
    return stream
  }
}

/**
 * `awslambda.streamifyResponse`: marks `handler` as a streaming handler.
 *
 * @internal
 */
export const streamifyResponse = <F extends object>(handler: F): F => {
  Object.defineProperty(handler, STREAMING, { value: "response", configurable: true })
  return handler
}

/**
 * Installs the `awslambda` global, before the user's module is loaded (it uses it at its top level).
 * Added to the object already there, never replacing it: it also holds the `InvokeStore`.
 *
 * @internal
 */
export const installGlobal = (): void => {
  const global = globalThis as { awslambda?: Record<string, unknown> }
  const awslambda = global.awslambda ??= {}
  awslambda.streamifyResponse = streamifyResponse
  awslambda.HttpResponseStream = HttpResponseStream
}

/**
 * Whether `fn` was passed to `streamifyResponse`.
 *
 * @internal
 */
export const isStreaming = (fn: UserFunction): boolean => (fn as { [STREAMING]?: unknown })[STREAMING] === "response"

const decoder = new TextDecoder()

/**
 * The runtime's handler for a streaming Node function. `legacy` is what its context's
 * `succeed`/`fail`/`done` are ({@link NodeContext.ignored}: a streaming handler answers through its
 * stream), or `undefined` on Node 24 and later, whose context has none of them (nodeLine.ts).
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
        const stream = new ResponseStream()
        let started = false
        let failure: ((error: unknown) => void) | undefined
        let failedWith: { error: unknown } | undefined
        const fail = (thrown: unknown) => {
          const error = failureOf(thrown)
          if (!started) {
            started = true
            return resume(Effect.fail(error))
          }
          if (failure !== undefined) failure(error)
          else failedWith = { error }
        }
        const body = Stream.async<Uint8Array, unknown>((emit) => {
          failure = (error) => void emit.fail(error)
          if (failedWith !== undefined) return void emit.fail(failedWith.error)
          stream.on("data", (chunk: Uint8Array) => void emit.single(chunk))
          stream.on("end", () => void emit.end())
          stream.on("error", (error) => void emit.fail(error))
        })
        const start = () => {
          if (started) return
          started = true
          // What is written until the body stream listens waits in the PassThrough's buffer.
          resume(Effect.succeed(streamed(body, stream.contentType)))
        }
        stream.once("firstChunk", start)
        stream.once("finish", start)
        let result: unknown
        try {
          result = fn(event, stream, NodeContext.make(context, fiber, status.runtimeFlags, legacy))
        } catch (error) {
          return fail(error)
        }
        const thenable = result as PromiseLike<unknown> | undefined
        if (thenable !== undefined && thenable !== null && typeof thenable.then === "function") {
          thenable.then(() => {
            if (!stream.writableEnded) stream.end()
          }, (error: unknown) => fail(error ?? new Error("rejected")))
        }
      })
    )
  )
