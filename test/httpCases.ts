// The cases of the LambdaHttp tests that both lines pin alike: the events and what the app, or
// the caller, must see of them. Plain data (no Effect, no test runner): each line's tests send
// the events through the emulator and compare with these.
import type { Json } from "./httpFixtures.js"
import { fixture, v1Post, withPath } from "./httpFixtures.js"

const query = "?parameter1=value1&parameter1=value2&parameter2=value"
const v2 = fixture("apigw-v2")
const v1 = fixture("apigw-v1")
const functionUrl = fixture("function-url")

/** An event, and what the echo app (method, URL, headers...) and the answer document show of it. */
export interface EchoCase {
  readonly name: string
  readonly event: Json
  /** Matched against the echoed request. */
  readonly seen: Json
  /** Matched against the answer document, when given. */
  readonly answer?: Json
  /** Fields the answer document must not have. */
  readonly absent?: ReadonlyArray<string>
}

/** Every event shape, as the echo app sees it. */
export const echoCases: ReadonlyArray<EchoCase> = [
  {
    name: "API Gateway REST (1.0): method, stage-less path, multi-value query and headers, body, source IP",
    event: v1Post,
    seen: {
      source: "ApiGatewayV1",
      method: "POST",
      url: `/my/path${query}`,
      remoteAddress: "192.0.2.1",
      body: "Hello from Lambda!",
      headers: { header1: "value1", header2: "value1, value2" }
    }
  },
  {
    name: "HTTP API (2.0): raw query string, cookies array, body, source IP",
    event: { ...v2, cookies: ["a=1", "b=two"] },
    seen: {
      source: "ApiGatewayV2",
      method: "POST",
      url: `/my/path${query}`,
      cookies: { a: "1", b: "two" },
      remoteAddress: "192.0.2.1",
      body: "Hello from Lambda",
      headers: { header1: "value1", header2: "value1,value2", cookie: "a=1; b=two" }
    }
  },
  {
    name: "HTTP API (2.0): a named stage's prefix is removed from the path",
    event: { ...v2, rawPath: "/prod/my/path", requestContext: { ...v2.requestContext, stage: "prod" } },
    seen: { url: `/my/path${query}` }
  },
  {
    name: "HTTP API (2.0): the stage alone is the root",
    event: { ...v2, rawPath: "/prod", rawQueryString: "", requestContext: { ...v2.requestContext, stage: "prod" } },
    seen: { url: "/" }
  },
  {
    name: "Function URL: told apart from HTTP API by its domain, with its source IP",
    event: functionUrl,
    seen: {
      source: "FunctionUrl",
      method: "POST",
      url: `/my/path${query}`,
      remoteAddress: "123.123.123.123",
      body: "Hello from client!"
    }
  },
  {
    name: "ALB single-value: query passed verbatim, client IP from X-Forwarded-For",
    event: { ...fixture("alb"), queryStringParameters: { query: "1234ABCD", q: "a%20b" } },
    seen: {
      source: "Alb",
      method: "GET",
      url: "/lambda?query=1234ABCD&q=a%20b",
      remoteAddress: "72.12.164.125",
      headers: { host: "lambda-alb-123578498.us-east-1.elb.amazonaws.com" }
    },
    answer: { statusDescription: "200 OK" },
    absent: ["multiValueHeaders"]
  },
  {
    name: "ALB multi-value: every query value, cookies joined into one Cookie header",
    event: fixture("alb-multi-value"),
    seen: {
      source: "AlbMultiValue",
      url: "/lambda?myKey=val1&myKey=val2",
      cookies: { name1: "value1", name2: "value2" },
      remoteAddress: "72.12.164.125"
    },
    answer: { multiValueHeaders: { "content-type": ["application/json"] } },
    absent: ["headers"]
  }
]

/** The bytes 0 to 255, which `base64Events` carry. */
export const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i)

/** Every shape carrying {@link allBytes} as a base64 body, with a method that has a body. */
export const base64Events: ReadonlyArray<Json> = ["apigw-v1", "apigw-v2", "function-url", "alb", "alb-multi-value"].map(
  (name) => {
    const base = fixture(name)
    const event: Json = {
      ...base,
      httpMethod: "POST",
      body: Buffer.from(allBytes).toString("base64"),
      isBase64Encoded: true
    }
    if (base.requestContext.http !== undefined) {
      event.requestContext = { ...base.requestContext, http: { ...base.requestContext.http, method: "PUT" } }
    }
    return event
  }
)

/**
 * What the `responses` app of each line's test answers (GET /my/path: `created`, 201, two
 * cookies; /lambda: HTML and two cookies; PUT: JSON; /svg; /png; POST: 204), shape by shape.
 */
const cookies = ["session=abc; Path=/; HttpOnly", "theme=dark"]
const createdHeaders = { "x-multi": "a, b", "content-type": "text/plain", "content-length": "7" }

/** Events and the exact answer documents (`toEqual`). */
export const exactAnswers: ReadonlyArray<readonly [Json, Json]> = [
  [withPath(v2, "/my/path"), {
    statusCode: 201,
    headers: createdHeaders,
    cookies,
    body: "created",
    isBase64Encoded: false
  }],
  [withPath(v1, "/my/path"), {
    statusCode: 201,
    headers: createdHeaders,
    multiValueHeaders: { "set-cookie": cookies },
    body: "created",
    isBase64Encoded: false
  }]
]

/** Events and what their answer documents hold (`toMatchObject`). */
export const partialAnswers: ReadonlyArray<readonly [Json, Json]> = [
  [withPath(functionUrl, "/my/path"), { cookies }],
  [fixture("alb-multi-value"), { multiValueHeaders: { "set-cookie": ["a=1", "b=2"], "content-type": ["text/html"] } }],
  [withPath(v2, "/my/path", "PUT"), {
    body: `{"ok":true}`,
    isBase64Encoded: false,
    headers: { "content-type": "application/json" }
  }],
  [withPath(v2, "/svg"), { body: "<svg/>", isBase64Encoded: false }],
  [withPath(v2, "/png"), { body: Buffer.from([137, 80, 78, 71, 0, 255]).toString("base64"), isBase64Encoded: true }],
  [withPath(v2, "/my/path", "POST"), { statusCode: 204, body: "", isBase64Encoded: false }],
  // HEAD: the GET route's status and headers, no body.
  [withPath(v1, "/lambda", "HEAD"), {
    statusCode: 200,
    body: "",
    isBase64Encoded: false,
    headers: { "content-type": "text/html" }
  }]
]

/** The `Set-Cookie` values of a single-value ALB answer: one per capitalisation of the name. */
export const albSetCookies = (doc: Json): Array<string> =>
  Object.entries(doc.headers as Record<string, string>).filter(([key]) => key.toLowerCase() === "set-cookie").map((
    [, value]
  ) => value)

/** An event whose header names and values, path and cookies the web platform normalises. */
export const messyEvent: Json = {
  ...v1Post,
  path: "/a/../my/path with space",
  multiValueHeaders: {
    "X-Padded": ["  a b\t"],
    accept: ["text/html"],
    Accept: ["application/json"],
    Cookie: ["a=1", "b=2"]
  }
}

/** What the echo app sees of {@link messyEvent}. */
export const messySeen: Json = {
  url: `/my/path%20with%20space${query}`,
  headers: { "x-padded": "a b", accept: "text/html, application/json", cookie: "a=1; b=2" },
  cookies: { a: "1", b: "2" }
}

/** Events the web platform refuses (each is answered 400). */
export const refusedEvents: ReadonlyArray<Json> = [
  { ...v2, headers: { "x-evil": "a\r\nb" } },
  { ...v1, httpMethod: "GE T", multiValueHeaders: undefined },
  { ...v1, httpMethod: "trace" },
  { ...v2, headers: { "bad header name": "x" } }
]

const urlIdSample = "<url-id>.lambda-url.us-west-2.on.aws"

/** Events whose host is no host name, and the host their URL gets; the path and query stay. */
export const placeholderHostCases: ReadonlyArray<readonly [Json, string]> = [
  // AWS's documented Function URL sample: the placeholder in the host header and domainName.
  [{
    ...functionUrl,
    headers: { ...functionUrl.headers, host: urlIdSample },
    requestContext: { ...functionUrl.requestContext, domainName: urlIdSample }
  }, "localhost"],
  [{ ...v2, requestContext: { ...v2.requestContext, domainName: "<url-id>" } }, "localhost"],
  [{ ...v1, httpMethod: "POST", requestContext: { ...v1.requestContext, domainName: "<url-id>" } }, "localhost"],
  // An unusable host header falls back to a usable domainName.
  [{ ...v2, headers: { host: "bad host" } }, "id.execute-api.us-east-1.amazonaws.com"],
  [{ ...v2, headers: { host: "user:secret@example.com" } }, "id.execute-api.us-east-1.amazonaws.com"],
  // A host that would move the path is no host either.
  [{ ...v2, headers: { host: "example.com/elsewhere" } }, "id.execute-api.us-east-1.amazonaws.com"],
  // Refused by `new URL` only (a port out of range): the placeholder.
  [{ ...v2, headers: { host: "example.com:99999" } }, "localhost"]
]

/** The path and query every placeholder case keeps. */
export const placeholderPath = `/my/path${query}`

const v2With = (path: string, method: string, body: string, extra: Json = {}): Json => ({
  ...withPath(v2, path, method),
  body,
  ...extra
})

const multipart = [
  "--XyZ",
  `Content-Disposition: form-data; name="title"`,
  "",
  "hello",
  "--XyZ",
  `Content-Disposition: form-data; name="count"`,
  "",
  "3",
  "--XyZ--",
  ""
].join("\r\n")

/**
 * Bodies and what the `reader` app (routes /text, /json, /form, /multipart, /stream, each
 * answering what it read) answers: as the web platform reads them. Failures are each line's own.
 */
export const bodyReads: ReadonlyArray<readonly [Json, unknown]> = [
  [v2With("/text", "POST", "\ufeffhé ✓"), { text: "hé ✓", first: 104 }],
  // A lone surrogate cannot be UTF-8: it arrives as U+FFFD, as `Request.text()` gives it.
  [v2With("/text", "POST", "\ud800x"), { text: "\ufffdx", first: 0xfffd }],
  [
    v2With(
      "/text",
      "POST",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("día", "utf8")]).toString("base64"),
      { isBase64Encoded: true }
    ),
    { text: "día", first: 100 }
  ],
  [v2With("/json", "POST", `{"a":[1,2]}`), { value: { a: [1, 2] } }],
  [v2With("/form", "POST", "a=1&b=x%20y&a=2"), [["a", "1"], ["b", "x y"], ["a", "2"]]],
  [
    v2With("/multipart", "POST", multipart, { headers: { "content-type": "multipart/form-data; boundary=XyZ" } }),
    { title: "hello", count: "3" }
  ],
  [v2With("/stream", "POST", "AQL/", { isBase64Encoded: true }), { bytes: [1, 2, 255] }]
]

/** Bodies the `reader` app fails to read: not JSON; a GET's body (GET carries none, whatever the event says). */
export const unreadable = { json: v2With("/json", "POST", "{nope"), get: v2With("/stream", "GET", "ignored") }

/**
 * The items `HttpApi` of each line's test: GET /items/:id (`ItemNotFound`, 404, for `missing`;
 * else the item with the request id, source and REST stage), POST /items of `{ name }` (201).
 */
const postItem = (body: unknown): Json => ({
  ...withPath(v2, "/items", "POST"),
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body)
})

/**
 * Events, the status the items API answers them with and its JSON body (typed errors with their
 * status and schema, decoded payloads); `undefined` where the body is each line's own.
 */
export const itemAnswers: ReadonlyArray<readonly [Json, number, unknown]> = [
  [withPath(v2, "/items/missing"), 404, { _tag: "ItemNotFound", id: "missing" }],
  [postItem({ name: "pen" }), 201, { name: "pen" }],
  [postItem({ nom: "pen" }), 400, undefined]
]

/** A read of item 42 from a REST API's `prod` stage, and the item the API answers. */
export const itemRead = {
  event: withPath(v1, "/items/42"),
  item: (requestId: string): Json => ({ id: "42", requestId, source: "ApiGatewayV1", stage: "prod" })
}
