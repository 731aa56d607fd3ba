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
  /** The integration's answer (its document, or its stream), once the app has answered. */
  answer: unknown = undefined
  constructor(readonly http: HttpEvents.HttpEvent, readonly context: LambdaContextShape) {}
}

/** The body, read once whichever copy `modify` made reads it. */
interface BodyCache {
  /** As the event carried it (text, or bytes for base64 events); `undefined` for none. */
  readonly raw: string | Uint8Array | undefined
  /** `text`, `json` and `urlParamsBody` read this. */
  decoded?: string
  /** What `arrayBuffer` gives. */
  copy?: ArrayBuffer
  persisted?: Effect.Effect<
    Multipart.Persisted,
    Multipart.MultipartError,
    Scope.Scope | FileSystem.FileSystem | Path.Path
  >
}

/** What a request is, kept by the copies `modify` makes (the URL and headers aside). */
interface Identity {
  readonly source: LambdaRequest
  readonly method: string
  readonly originalUrl: string
  readonly body: BodyCache
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
  readonly source: LambdaRequest
  readonly method: string
  readonly originalUrl: string
  private readonly cache: BodyCache
  private cachedCookies: ReadonlyRecord<string, string> | undefined = undefined
  constructor(
    private readonly identity: Identity,
    readonly url: string,
    readonly headers: Headers.Headers,
    private readonly overrides: Overrides
  ) {
    super()
    this.source = identity.source
    this.method = identity.method
    this.originalUrl = identity.originalUrl
    this.cache = identity.body
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
    return new ServerRequest(this.identity, options.url ?? this.url, options.headers ?? this.headers, {
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
    const cache = this.cache
    return cache.decoded ??= cache.raw === undefined ? "" : HttpRequest.bodyText(cache.raw)
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
      const cache = this.cache
      if (cache.copy === undefined) {
        const bytes = cache.raw === undefined ? new Uint8Array(0) : HttpRequest.bodyBytes(cache.raw)
        // A copy, as `Request.arrayBuffer()` gives: the bytes may sit in Buffer's shared pool.
        cache.copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      }
      return cache.copy
    })
  }
  get stream(): Stream.Stream<Uint8Array, HttpServerError.HttpServerError> {
    const body = this.cache.raw
    return body === undefined
      ? Stream.fail(parseError(this, undefined, "can not create stream from empty body"))
      : Stream.suspend(() => Stream.succeed(HttpRequest.bodyBytes(body)))
  }
  get multipart() {
    // Parsed once, whichever copy asks first; the files it writes live in the caller's scope.
    return this.cache.persisted ??= Multipart.toPersisted(this.multipartStream).pipe(Effect.cached, Effect.runSync)
  }
  get multipartStream(): Stream.Stream<Multipart.Part, Multipart.MultipartError> {
    const parse = Multipart.makeChannel<Multipart.MultipartError>(this.headers)
    return this.stream.pipe(
      Stream.mapError((cause) => Multipart.MultipartError.fromReason("InternalError", cause)),
      Stream.pipeThroughChannel(parse)
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
  return new ServerRequest({ source, method, originalUrl, body: { raw: body } }, url, parts.headers, {
    remoteAddress,
    peerAddress: remoteAddress,
    protocol: originalUrl.startsWith("https:") ? "https" : "http"
  })
}
