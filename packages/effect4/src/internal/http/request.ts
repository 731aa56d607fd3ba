/**
 * The Effect 4 `HttpServerRequest` an HTTP event becomes. What the event says (headers, URL,
 * body, source IP, and the checks the web platform would make) is read by the shared core
 * (`core/httpRequest.ts`); this class only serves it the way `effect/http` asks. The body is in
 * memory already, so `text`, `json`, `arrayBuffer` and `urlParamsBody` never suspend.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Multipart from "effect/http/Multipart"
import * as UrlParams from "effect/http/UrlParams"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import type * as Path from "effect/Path"
import type { ReadonlyRecord } from "effect/Record"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import type { LambdaContextShape } from "../../LambdaContext.js"
import { HttpEvents, HttpRequest } from "../core.js"

/**
 * What LambdaHttp knows of one request: the `source` of its `HttpServerRequest`, which
 * `request.modify(...)` (routers, middleware) carries over, so that every route finds it. The
 * answer is left here too, by the response hook of `HttpEffect.toHandled` (handler.ts).
 *
 * @internal
 */
export class LambdaRequest {
  /** The integration's answer document, once the app has answered. */
  answer: Record<string, unknown> | undefined = undefined
  constructor(readonly http: HttpEvents.HttpEvent, readonly context: LambdaContextShape) {}
}

/** The request's own data, shared by the copies `modify` makes. */
interface Shared {
  readonly source: LambdaRequest
  readonly method: string
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

/** What `modify` may replace. */
interface Overrides {
  readonly remoteAddress: Option.Option<string>
  readonly peerAddress: Option.Option<string>
  readonly protocol: "http" | "https" | undefined
}

const parseError = (request: HttpServerRequest.HttpServerRequest, cause: unknown, description?: string) =>
  new HttpServerError.HttpServerError({
    reason: new HttpServerError.RequestParseError(
      description === undefined ? { request, cause } : { request, cause, description }
    )
  })

class ServerRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId] = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId] = HttpIncomingMessage.TypeId
  private cachedCookies: ReadonlyRecord<string, string> | undefined = undefined
  constructor(
    private readonly shared: Shared,
    readonly url: string,
    readonly headers: Headers.Headers,
    private readonly overrides: Overrides
  ) {
    super()
  }
  get source(): LambdaRequest {
    return this.shared.source
  }
  get method(): string {
    return this.shared.method
  }
  get originalUrl(): string {
    return this.shared.originalUrl
  }
  get remoteAddress(): Option.Option<string> {
    return this.overrides.remoteAddress
  }
  get peerAddress(): Option.Option<string> {
    return this.overrides.peerAddress
  }
  get protocol(): "http" | "https" | undefined {
    return this.overrides.protocol
  }
  get cookies(): ReadonlyRecord<string, string> {
    return this.cachedCookies ??= Cookies.parseHeader(this.headers.cookie ?? "")
  }
  modify(options: {
    readonly url?: string
    readonly headers?: Headers.Headers
    readonly remoteAddress?: Option.Option<string>
    readonly peerAddress?: Option.Option<string>
    readonly protocol?: "http" | "https"
  }): HttpServerRequest.HttpServerRequest {
    return new ServerRequest(this.shared, options.url ?? this.url, options.headers ?? this.headers, {
      remoteAddress: options.remoteAddress ?? this.overrides.remoteAddress,
      peerAddress: options.peerAddress ?? this.overrides.peerAddress,
      protocol: options.protocol ?? this.overrides.protocol
    })
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "HttpServerRequest",
      method: this.method,
      url: UrlParams.redactUrl(this.originalUrl)
    })
  }
  private readText(): string {
    const shared = this.shared
    return shared.text ??= shared.body === undefined ? "" : HttpRequest.bodyText(shared.body)
  }
  get text(): Effect.Effect<string, HttpServerError.HttpServerError> {
    return Effect.sync(() => this.readText())
  }
  get json(): Effect.Effect<Schema.Json, HttpServerError.HttpServerError> {
    return Effect.try({
      try: () => JSON.parse(this.readText()) as Schema.Json,
      catch: (cause) => parseError(this, cause)
    })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpServerError.HttpServerError> {
    return Effect.try({
      try: () => UrlParams.fromInput(new URLSearchParams(this.readText())),
      catch: (cause) => parseError(this, cause)
    })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.HttpServerError> {
    return Effect.sync(() => {
      const shared = this.shared
      if (shared.arrayBuffer === undefined) {
        const bytes = shared.body === undefined ? new Uint8Array(0) : HttpRequest.bodyBytes(shared.body)
        // A copy, as `Request.arrayBuffer()` gives: the bytes may sit in Buffer's shared pool.
        shared.arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      }
      return shared.arrayBuffer
    })
  }
  get stream(): Stream.Stream<Uint8Array, HttpServerError.HttpServerError> {
    const body = this.shared.body
    return body === undefined
      ? Stream.fail(parseError(this, undefined, "can not create stream from empty body"))
      : Stream.suspend(() => Stream.succeed(HttpRequest.bodyBytes(body)))
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
      Stream.mapError(this.stream, (cause) => Multipart.MultipartError.fromReason("InternalError", cause)),
      Multipart.makeChannel(this.headers)
    )
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpServerError.HttpServerError> {
    return this.upgradeWith({})
  }
  upgradeWith(_options: { readonly headers?: Headers.Input | undefined }) {
    // Lambda's integrations carry no connection to upgrade.
    return Effect.fail(parseError(this, undefined, "Not an upgradeable ServerRequest"))
  }
}

/** `effect/http`'s `Headers` prototype: the event's header record is made with it, not copied. */
const HeadersProto = Object.getPrototypeOf(Headers.empty) as object

/**
 * The `HttpServerRequest` an HTTP event describes; throws the core's `InvalidRequest` where
 * `new Request(...)` would throw (a header, method or URL the web platform refuses).
 *
 * @internal
 */
export const toServerRequest = (source: LambdaRequest): HttpServerRequest.HttpServerRequest => {
  const parts = HttpRequest.requestParts<Headers.Headers>(source.http, HeadersProto)
  const { body, method, originalUrl, url } = HttpRequest.resolveRequest(parts)
  const remoteAddress = Option.fromNullishOr(parts.sourceIp)
  return new ServerRequest({ source, method, originalUrl, body }, url, parts.headers, {
    remoteAddress,
    peerAddress: remoteAddress,
    protocol: originalUrl.startsWith("https:") ? "https" : "http"
  })
}
