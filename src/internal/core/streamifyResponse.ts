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
 * How a streaming handler is called and its body taken ({@link callStreaming}) is plain code,
 * which each Effect line wraps in its own callback Effect and Stream.
 *
 * @internal
 */
import { PassThrough } from "node:stream"
import type { UserFunction } from "./handlerResolution.js"
import type { NodeHandlerContext } from "./nodeContext.js"
import { contentTypes } from "./protocol.js"

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

/**
 * Where the body of a started streamed response goes: its chunks, its end, or its failure (a
 * rejection after the first byte included).
 *
 * @internal
 */
export interface BodySink {
  readonly chunk: (chunk: Uint8Array) => void
  readonly end: () => void
  readonly fail: (error: unknown) => void
}

/**
 * A streamed response that has started: its content type is final, its body arrives once a sink
 * listens (what is written before waits in the stream's buffer).
 *
 * @internal
 */
export interface StartedStream {
  readonly contentType: string
  readonly listen: (sink: BodySink) => void
}

/**
 * Calls streaming handler `fn` for `event` with `context`. `start` is called at the first byte
 * written (or at the end of an empty body); `fail` with a failure before that (a throw or a
 * rejection), which is the invocation's `/error`. A failure after the start goes to the body's
 * sink. A settled promise ends the stream if the handler did not.
 *
 * @internal
 */
export const callStreaming = (
  fn: UserFunction,
  event: unknown,
  context: NodeHandlerContext,
  start: (started: StartedStream) => void,
  fail: (error: unknown) => void
): void => {
  const stream = new ResponseStream()
  let started = false
  let sink: BodySink | undefined
  let failedWith: { error: unknown } | undefined
  const failure = (error: unknown) => {
    if (!started) {
      started = true
      return fail(error)
    }
    if (sink !== undefined) sink.fail(error)
    else failedWith = { error }
  }
  const listen = (listener: BodySink) => {
    sink = listener
    if (failedWith !== undefined) return listener.fail(failedWith.error)
    stream.on("data", (chunk: Uint8Array) => listener.chunk(chunk))
    stream.on("end", () => listener.end())
    stream.on("error", (error) => listener.fail(error))
  }
  const begin = () => {
    if (started) return
    started = true
    start({ contentType: stream.contentType, listen })
  }
  stream.once("firstChunk", begin)
  stream.once("finish", begin)
  let result: unknown
  try {
    result = fn(event, stream, context)
  } catch (error) {
    return failure(error)
  }
  const thenable = result as PromiseLike<unknown> | undefined
  if (thenable !== undefined && thenable !== null && typeof thenable.then === "function") {
    thenable.then(() => {
      if (!stream.writableEnded) stream.end()
    }, (error: unknown) => failure(error ?? new Error("rejected")))
  }
}
