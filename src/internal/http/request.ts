/**
 * The `HttpServerRequest` an HTTP event becomes, built from the event directly.
 *
 * Going through a web `Request` (`HttpServerRequest.fromWeb`) cost more than the app itself on a
 * small `HttpApi`: undici's `Request` (an `AbortSignal`, a `ReadableStream` for the body), then
 * a promise to read the body back, which suspended every request with a body. Here the body is
 * already in memory, so `text`, `json`, `arrayBuffer` and `urlParamsBody` are synchronous.
 * What the web platform did is kept: the same header and method validation (an event it would
 * refuse is still a 400), WHATWG URL normalisation, header names lower-cased with repeated
 * values joined by `, `, and UTF-8 decoding that drops a leading byte-order mark.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type * as FileSystem from "@effect/platform/FileSystem"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import type * as Path from "@effect/platform/Path"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Cookies from "@effect/platform/Cookies"
import * as Multipart from "@effect/platform/Multipart"
import type * as Socket from "@effect/platform/Socket"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { LambdaContext } from "../../LambdaContext.js"
import type { HttpEvent } from "../core/httpEvents.js"
import { bodyBytes, bodyText, requestParts, resolveRequest } from "../core/httpRequest.js"

/**
 * What LambdaHttp knows about one request: the `source` of its `HttpServerRequest`, which
 * `request.modify(...)` (routers, middleware) carries over, so every route finds it.
 *
 * @internal
 */
export class LambdaRequest {
  constructor(readonly http: HttpEvent, readonly context: LambdaContext) {}
}

/** The request's own data, shared by the copies `modify` makes. */
interface Shared {
  readonly source: LambdaRequest
  readonly method: HttpMethod
  readonly originalUrl: string
  /** The body as the event carried it (text, or bytes for base64 events); `undefined` for none. */
  readonly body: string | Uint8Array | undefined
  text?: string
  arrayBuffer?: ArrayBuffer
  multipart?: Effect.Effect<
    Multipart.Persisted,
    Multipart.MultipartError,
    Scope.Scope | FileSystem.FileSystem | Path.Path
  >
}

class ServerRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId]: HttpServerRequest.TypeId = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private cachedCookies: Record<string, string> | undefined = undefined
  constructor(
    private readonly shared: Shared,
    readonly url: string,
    readonly headers: Headers.Headers,
    private readonly remoteAddressOverride: string | undefined
  ) {
    super()
  }
  get source(): LambdaRequest {
    return this.shared.source
  }
  get method(): HttpMethod {
    return this.shared.method
  }
  get originalUrl(): string {
    return this.shared.originalUrl
  }
  get remoteAddress(): Option.Option<string> {
    return this.remoteAddressOverride ? Option.some(this.remoteAddressOverride) : Option.none()
  }
  get cookies(): Record<string, string> {
    return this.cachedCookies ??= Cookies.parseHeader(this.headers.cookie ?? "")
  }
  modify(
    options: { readonly url?: string; readonly headers?: Headers.Headers; readonly remoteAddress?: string }
  ): HttpServerRequest.HttpServerRequest {
    return new ServerRequest(
      this.shared,
      options.url ?? this.url,
      options.headers ?? this.headers,
      options.remoteAddress ?? this.remoteAddressOverride
    )
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpServerRequest",
      method: this.method,
      url: this.originalUrl
    })
  }
  private readText(): string {
    const shared = this.shared
    return shared.text ??= shared.body === undefined ? "" : bodyText(shared.body)
  }
  get text(): Effect.Effect<string, HttpServerError.RequestError> {
    return Effect.sync(() => this.readText())
  }
  get json(): Effect.Effect<unknown, HttpServerError.RequestError> {
    return Effect.try({
      try: () => JSON.parse(this.readText()) as unknown,
      catch: (cause) => new HttpServerError.RequestError({ request: this, reason: "Decode", cause })
    })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpServerError.RequestError> {
    return Effect.try({
      try: () => UrlParams.fromInput(new URLSearchParams(this.readText())),
      catch: (cause) => new HttpServerError.RequestError({ request: this, reason: "Decode", cause })
    })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.RequestError> {
    return Effect.sync(() => {
      const shared = this.shared
      if (shared.arrayBuffer === undefined) {
        const bytes = shared.body === undefined ? new Uint8Array(0) : bodyBytes(shared.body)
        // A copy, as `Request.arrayBuffer()` gives: the bytes may sit in Buffer's shared pool.
        shared.arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      }
      return shared.arrayBuffer
    })
  }
  get stream(): Stream.Stream<Uint8Array, HttpServerError.RequestError> {
    const body = this.shared.body
    return body === undefined
      ? Stream.fail(
        new HttpServerError.RequestError({
          request: this,
          reason: "Decode",
          description: "can not create stream from empty body"
        })
      )
      : Stream.suspend(() => Stream.succeed(bodyBytes(body)))
  }
  get multipart(): Effect.Effect<
    Multipart.Persisted,
    Multipart.MultipartError,
    Scope.Scope | FileSystem.FileSystem | Path.Path
  > {
    return this.shared.multipart ??= Effect.runSync(Effect.cached(Multipart.toPersisted(this.multipartStream)))
  }
  get multipartStream(): Stream.Stream<Multipart.Part, Multipart.MultipartError> {
    return Stream.pipeThroughChannel(
      Stream.mapError(this.stream, (cause) => new Multipart.MultipartError({ reason: "InternalError", cause })),
      Multipart.makeChannel(this.headers)
    )
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpServerError.RequestError> {
    return Effect.fail(
      new HttpServerError.RequestError({
        request: this,
        reason: "Decode",
        description: "Not an upgradeable ServerRequest"
      })
    )
  }
}

/** `@effect/platform`'s `Headers` prototype: the event's header record is made with it, not copied. */
const HeadersProto = Object.getPrototypeOf(Headers.empty) as object

/**
 * The `HttpServerRequest` an HTTP event describes; throws `InvalidRequest` (core/httpRequest.ts)
 * where `new Request(...)` would throw (a header, method or URL the web platform refuses).
 *
 * @internal
 */
export const toServerRequest = (http: HttpEvent, source: LambdaRequest): HttpServerRequest.HttpServerRequest => {
  const parts = requestParts<Headers.Headers>(http, HeadersProto)
  const { body, method, originalUrl, url } = resolveRequest(parts)
  return new ServerRequest(
    { source, method: method as HttpMethod, originalUrl, body },
    url,
    parts.headers,
    parts.sourceIp
  )
}
