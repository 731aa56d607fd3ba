/**
 * `effect-lambda serve`: real HTTP requests against the local server, a real function module
 * spawned under the emulator as `effect-lambda run` spawns it, and the CLI as a child process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as http from "node:http"
import type { EventShape } from "../src/internal/core/serve/frontDoor.js"
import * as Serve from "../src/internal/core/serve/server.js"
import { projectFile, spawnFunction } from "./process.js"

const ECHO = projectFile("test/fixtures/serve/echo.ts")
const STREAM = projectFile("test/fixtures/serve/stream.ts")
const PLATFORM_TEXT = projectFile("test/fixtures/serve/platform-text.ts")

/** Starts the server (the CLI's `serve`) with a capturing log for the scope; `logs()` is what it logged so far. */
const serve = (
  file: string,
  shape: EventShape,
  options: { readonly timeoutMs?: number; readonly albMultiValueHeaders?: boolean } = {}
) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const capture = (message: string) => void lines.push(message)
    const server = yield* Effect.acquireRelease(
      Effect.promise(() =>
        Serve.start(
          {
            file,
            shape,
            port: 0,
            functionTimeoutMs: options.timeoutMs ?? 5000,
            albMultiValueHeaders: options.albMultiValueHeaders
          },
          { info: capture, warn: capture, error: capture },
          (line) => process.stderr.write(`${line}\n`)
        )
      ),
      (server) => Effect.promise(server.close)
    )
    return { ...server, logs: () => lines.join("\n") }
  })

interface Reply {
  readonly status: number
  readonly statusMessage: string
  readonly rawHeaders: ReadonlyArray<string>
  readonly body: Buffer
}

/** One request with node:http, so that a header can be sent as several lines. */
const request = (
  url: string,
  options: {
    readonly method?: string
    readonly headers?: http.OutgoingHttpHeaders
    readonly body?: string | Uint8Array
  } = {}
) =>
  Effect.async<Reply>((resume) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resume(
          Effect.succeed({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? "",
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks)
          })
        ))
    })
    req.on("error", (error) => resume(Effect.die(error)))
    req.end(options.body)
  })

/** Every value of a response header, one per header line. */
const headerLines = (reply: Reply, name: string) => {
  const values: Array<string> = []
  for (let i = 0; i + 1 < reply.rawHeaders.length; i += 2) {
    if (reply.rawHeaders[i]!.toLowerCase() === name) values.push(reply.rawHeaders[i + 1]!)
  }
  return values
}

type Json = Record<string, any>

/** The event the echo fixture received. */
const echoed = (reply: Reply): Json => {
  expect(reply.status).toBe(200)
  return JSON.parse(reply.body.toString("utf8")) as Json
}

/** Polls the emulator's recorded state (it has no event for "delivered" or "finished" without a caller). */
const waitFor = <A>(probe: Effect.Effect<A | undefined>): Effect.Effect<A> =>
  Effect.flatMap(
    probe,
    (found) => found !== undefined ? Effect.succeed(found) : Effect.zipRight(Effect.sleep("10 millis"), waitFor(probe))
  )

const BINARY = Uint8Array.from([0, 1, 2, 0xff, 0xfe])

/** Asks the echo fixture to answer with `response` verbatim. */
const respond = (url: string, response: unknown) =>
  request(`${url}/respond`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(response)
  })

describe("effect-lambda serve: events", () => {
  it.scopedLive("apigw-v1: REST proxy event with multi-value headers and query, stage, source IP and a base64 binary body", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v1")
      const event = echoed(
        yield* request(`${server.url}/orders/42?tag=a&tag=b&q=x%20y`, {
          method: "POST",
          headers: { "X-Multi": ["one", "two"], "Content-Type": "application/octet-stream", Cookie: "a=1; b=2" },
          body: BINARY
        })
      )
      expect(event.httpMethod).toBe("POST")
      expect(event.path).toBe("/orders/42")
      expect(event.resource).toBe("/{proxy+}")
      expect(event.pathParameters).toEqual({ proxy: "orders/42" })
      expect(event.multiValueHeaders["X-Multi"]).toEqual(["one", "two"])
      expect(event.headers["X-Multi"]).toBe("two")
      expect(event.headers["Cookie"]).toBe("a=1; b=2")
      expect(event.multiValueQueryStringParameters).toEqual({ tag: ["a", "b"], q: ["x y"] })
      expect(event.queryStringParameters).toEqual({ tag: "b", q: "x y" })
      expect(event.requestContext.stage).toBe("prod")
      expect(event.requestContext.path).toBe("/prod/orders/42")
      expect(event.requestContext.httpMethod).toBe("POST")
      expect(event.requestContext.identity.sourceIp).toBe("127.0.0.1")
      expect(event.requestContext.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/)
      expect(event.isBase64Encoded).toBe(true)
      expect(Buffer.from(event.body as string, "base64")).toEqual(Buffer.from(BINARY))
      // no body: null, as API Gateway sends it
      const empty = echoed(yield* request(`${server.url}/`))
      expect(empty.body).toBeNull()
      expect(empty.queryStringParameters).toBeNull()
      expect(empty.isBase64Encoded).toBe(false)
    }))

  it.scopedLive("apigw-v2: HTTP API event with rawPath, rawQueryString, cookies, comma-joined headers and a text body", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v2")
      const event = echoed(
        yield* request(`${server.url}/my/path?p=1&p=2&s=a%2Bb`, {
          method: "PUT",
          headers: { "X-Multi": ["one", "two"], "Content-Type": "application/json", Cookie: "a=1; b=2" },
          body: `{"name":"Zoë"}`
        })
      )
      expect(event.version).toBe("2.0")
      expect(event.routeKey).toBe("$default")
      expect(event.rawPath).toBe("/my/path")
      expect(event.rawQueryString).toBe("p=1&p=2&s=a%2Bb")
      expect(event.queryStringParameters).toEqual({ p: "1,2", s: "a+b" })
      expect(event.cookies).toEqual(["a=1", "b=2"])
      expect(event.headers["x-multi"]).toBe("one,two")
      expect(event.headers.cookie).toBeUndefined()
      expect(event.headers["x-forwarded-for"]).toBe("127.0.0.1")
      expect(event.requestContext.http).toMatchObject({ method: "PUT", path: "/my/path", sourceIp: "127.0.0.1" })
      expect(event.requestContext.stage).toBe("$default")
      expect(event.requestContext.domainName).toMatch(/\.execute-api\.us-east-1\.amazonaws\.com$/)
      expect(event.isBase64Encoded).toBe(false)
      expect(event.body).toBe(`{"name":"Zoë"}`)
    }))

  it.scopedLive("function-url: the 2.0 shape with a lambda-url domain, no stage routing, and a base64 binary body", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "function-url")
      const event = echoed(
        yield* request(`${server.url}/prod/items`, {
          method: "POST",
          headers: { "content-type": "image/png" },
          body: BINARY
        })
      )
      expect(event.version).toBe("2.0")
      expect(event.rawPath).toBe("/prod/items")
      expect(event.requestContext.http.path).toBe("/prod/items")
      expect(event.requestContext.domainName).toMatch(/^[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws$/)
      expect(event.requestContext.domainPrefix).toBe(event.requestContext.domainName.split(".")[0])
      expect(event.requestContext.stage).toBe("$default")
      expect(event.cookies).toBeUndefined()
      expect(event.queryStringParameters).toBeUndefined()
      expect(event.isBase64Encoded).toBe(true)
      expect(Buffer.from(event.body as string, "base64")).toEqual(Buffer.from(BINARY))
    }))

  it.scopedLive("alb: target group ARN, single-value lower-case headers (the last value), the query string as sent", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "alb")
      const event = echoed(
        yield* request(`${server.url}/lambda?q=x%20y&q=2`, { headers: { "X-Multi": ["one", "two"] } })
      )
      expect(event.requestContext.elb.targetGroupArn).toMatch(
        /^arn:aws:elasticloadbalancing:us-east-1:\d{12}:targetgroup\//
      )
      expect(event.httpMethod).toBe("GET")
      expect(event.path).toBe("/lambda")
      expect(event.headers["x-multi"]).toBe("two")
      expect(event.queryStringParameters).toEqual({ q: "2" })
      expect(event.multiValueHeaders).toBeUndefined()
      expect(event.body).toBe("")
      expect(event.isBase64Encoded).toBe(false)
    }))

  it.scopedLive("alb with multi-value headers: multiValueHeaders and multiValueQueryStringParameters, not decoded", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "alb", { albMultiValueHeaders: true })
      const event = echoed(
        yield* request(`${server.url}/lambda?q=x%20y&q=2`, { headers: { "X-Multi": ["one", "two"] } })
      )
      expect(event.multiValueHeaders["x-multi"]).toEqual(["one", "two"])
      expect(event.multiValueQueryStringParameters).toEqual({ q: ["x%20y", "2"] })
      expect(event.headers).toBeUndefined()
    }))
})

describe("effect-lambda serve: responses", () => {
  it.scopedLive("apigw-v2: status, headers, cookies as set-cookie lines, a base64 body decoded; the inferred format", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v2")
      const reply = yield* respond(server.url, {
        statusCode: 404,
        headers: { "x-a": "b", "x-n": 7 },
        cookies: ["c=1; Path=/", "d=2"],
        body: Buffer.from(BINARY).toString("base64"),
        isBase64Encoded: true
      })
      expect(reply.status).toBe(404)
      expect(headerLines(reply, "x-a")).toEqual(["b"])
      expect(headerLines(reply, "x-n")).toEqual(["7"])
      expect(headerLines(reply, "set-cookie")).toEqual(["c=1; Path=/", "d=2"])
      expect(reply.body).toEqual(Buffer.from(BINARY))
      // JSON without a statusCode: 200, the JSON itself as an application/json body
      const inferred = yield* respond(server.url, { hello: "world" })
      expect(inferred.status).toBe(200)
      expect(headerLines(inferred, "content-type")).toEqual(["application/json"])
      expect(JSON.parse(inferred.body.toString())).toEqual({ hello: "world" })
    }))

  it.scopedLive("apigw-v1: multiValueHeaders (set-cookie and others) merged with headers; a missing statusCode is a 502", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v1")
      const reply = yield* respond(server.url, {
        statusCode: 201,
        headers: { "X-Single": "s", "X-Multi": "dropped" },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"], "X-Multi": ["1", "2"] },
        body: "created"
      })
      expect(reply.status).toBe(201)
      expect(headerLines(reply, "x-single")).toEqual(["s"])
      expect(headerLines(reply, "x-multi")).toEqual(["1", "2"])
      expect(headerLines(reply, "set-cookie")).toEqual(["a=1", "b=2"])
      expect(reply.body.toString()).toBe("created")
      const malformed = yield* respond(server.url, { body: "no status" })
      expect(malformed.status).toBe(502)
      expect(JSON.parse(malformed.body.toString())).toEqual({ message: "Internal server error" })
      expect(server.logs()).toContain("malformed response: the function's response has no statusCode")
    }))

  it.scopedLive("alb: status and statusDescription, single-value headers, an empty body", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "alb")
      const reply = yield* respond(server.url, {
        statusCode: 302,
        statusDescription: "302 Moved Elsewhere",
        headers: { location: "/elsewhere" }
      })
      expect(reply.status).toBe(302)
      expect(reply.statusMessage).toBe("Moved Elsewhere")
      expect(headerLines(reply, "location")).toEqual(["/elsewhere"])
      expect(reply.body.byteLength).toBe(0)
    }))
})

describe("effect-lambda serve: streaming", () => {
  it.scopedLive("a streamed HTTP response: prelude status, headers and cookies, the first chunk before the stream ends", () =>
    Effect.gen(function*() {
      const server = yield* serve(STREAM, "function-url")
      const response = yield* Effect.promise(() => fetch(`${server.url}/stream`))
      expect(response.status).toBe(201)
      expect(response.headers.get("x-streamed")).toBe("yes")
      expect(response.headers.getSetCookie()).toEqual(["session=abc; Path=/; HttpOnly", "theme=dark"])
      const reader = response.body!.getReader()
      const first = yield* Effect.promise(() => reader.read())
      const text = Buffer.from(first.value!).toString("utf8")
      // The function cannot end its stream before it gets this signal, sent only now.
      const pid = Number(/first chunk from (\d+)/.exec(text)![1])
      process.kill(pid, "SIGUSR2")
      let rest = ""
      while (true) {
        const next = yield* Effect.promise(() => reader.read())
        if (next.done) break
        rest += Buffer.from(next.value).toString("utf8")
      }
      expect(text + rest).toBe(`first chunk from ${pid}\nsecond chunk\n`)
    }))

  it.scopedLive("a streamed @effect/platform text response (a content-length in the prelude) is delivered, chunked; the next request is served", () =>
    Effect.gen(function*() {
      const server = yield* serve(PLATFORM_TEXT, "function-url")
      for (let i = 0; i < 2; i++) {
        const reply = yield* request(`${server.url}/text`)
        expect(reply.status).toBe(200)
        expect(reply.body.toString("utf8")).toBe("hi")
        expect(headerLines(reply, "content-length")).toEqual([])
        expect(headerLines(reply, "transfer-encoding")).toEqual(["chunked"])
      }
    }))

  it.scopedLive("a stream that fails after its first byte: the client gets that byte, then a cut body; the error is logged", () =>
    Effect.gen(function*() {
      const server = yield* serve(STREAM, "function-url")
      const response = yield* Effect.promise(() => fetch(`${server.url}/fail-mid`))
      expect(response.status).toBe(201)
      const outcome = yield* Effect.promise(async () => {
        let received = ""
        const reader = response.body!.getReader()
        try {
          while (true) {
            const next = await reader.read()
            if (next.done) return { received, ended: "cleanly" }
            received += Buffer.from(next.value).toString("utf8")
          }
        } catch {
          return { received, ended: "cut" }
        }
      })
      expect(outcome.ended).toBe("cut")
      expect(outcome.received).toMatch(/^first chunk from \d+\n$/)
      expect(server.logs()).toContain("failed mid-stream")
      expect(server.logs()).toContain("the stream broke")
    }))

  it.scopedLive("a client that disconnects mid-stream: the invocation runs to its end and the next request is served", () =>
    Effect.gen(function*() {
      const server = yield* serve(STREAM, "function-url")
      const controller = new AbortController()
      const response = yield* Effect.promise(() => fetch(`${server.url}/stream`, { signal: controller.signal }))
      const first = yield* Effect.promise(() => response.body!.getReader().read())
      const pid = Number(/first chunk from (\d+)/.exec(Buffer.from(first.value!).toString("utf8"))![1])
      controller.abort()
      process.kill(pid, "SIGUSR2")
      const next = yield* Effect.promise(() => fetch(`${server.url}/stream`))
      expect(next.status).toBe(201)
      const reader = next.body!.getReader()
      const text = Buffer.from((yield* Effect.promise(() => reader.read())).value!).toString("utf8")
      // the same runtime process served it: the disconnect did not reset the environment
      expect(text).toBe(`first chunk from ${pid}\n`)
      process.kill(pid, "SIGUSR2")
      yield* Effect.promise(() => reader.cancel())
      expect(server.logs()).not.toContain("cannot invoke the function")
    }))
})

describe("effect-lambda serve: failures", () => {
  it.scopedLive("a function error is a 502 with API Gateway's message, logged with the error document", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v2")
      const reply = yield* request(`${server.url}/fail`)
      expect(reply.status).toBe(502)
      expect(JSON.parse(reply.body.toString())).toEqual({ message: "Internal Server Error" })
      expect(server.logs()).toContain("GET /fail -> 502")
      expect(server.logs()).toContain(`"errorMessage":"the order cannot be found"`)
    }))

  it.scopedLive("timeouts (the runtime's and the platform's) and a runtime exit are 502s; a fresh runtime serves the next request", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v2", { timeoutMs: 1000 })
      const handlerTimeout = yield* request(`${server.url}/hang`)
      expect(handlerTimeout.status).toBe(502)
      expect(server.logs()).toContain("Runtime.HandlerTimeout")
      const timedOut = yield* request(`${server.url}/block`)
      expect(timedOut.status).toBe(502)
      expect(JSON.parse(timedOut.body.toString())).toEqual({ message: "Internal Server Error" })
      expect(server.logs()).toContain("Task timed out after 1.00 seconds")
      expect((yield* request(`${server.url}/echo`)).status).toBe(200)
      const exited = yield* request(`${server.url}/exit`)
      expect(exited.status).toBe(502)
      expect(server.logs()).toContain("Runtime exited with error: exit status 3")
      expect((yield* request(`${server.url}/echo`)).status).toBe(200)
    }))

  it.scopedLive("a client that goes away before the answer: logged as such, not as a 502; the invocation runs to its end", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v2", { timeoutMs: 1000 })
      const controller = new AbortController()
      const pending = fetch(`${server.url}/hang`, { signal: controller.signal }).catch((error: unknown) => error)
      // wait until the function has the event (it then hangs until its own timeout)
      const delivered = yield* waitFor(
        Effect.sync(() => server.emulator.invocations().find((record) => record.nextAnsweredAt !== undefined))
      )
      controller.abort()
      expect(yield* Effect.promise(() => pending)).toBeInstanceOf(Error)
      const record = yield* waitFor(
        Effect.sync(() =>
          server.emulator.invocations().find((r) => r.requestId === delivered.requestId && r.outcome !== undefined)
        )
      )
      expect(record.outcome?._tag).toBe("Error")
      expect(server.logs()).toContain("GET /hang: the client went away; the invocation goes on")
      expect(server.logs()).not.toContain("cannot invoke the function")
      expect((yield* request(`${server.url}/echo`)).status).toBe(200)
    }))

  it.scopedLive("a request over Lambda's 6 MB invocation payload is a 413, raw or once base64-encoded into the event", () =>
    Effect.gen(function*() {
      const server = yield* serve(ECHO, "apigw-v2")
      const raw = yield* request(`${server.url}/echo`, { method: "POST", body: Buffer.alloc(7 * 1024 * 1024, 0x61) })
      expect(raw.status).toBe(413)
      expect(JSON.parse(raw.body.toString())).toEqual({ message: "Request Entity Too Large" })
      const encoded = yield* request(`${server.url}/echo`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.alloc(5 * 1024 * 1024, 0xff)
      })
      expect(encoded.status).toBe(413)
      expect((yield* request(`${server.url}/echo`)).status).toBe(200)
    }))
})

describe("effect-lambda serve: CLI", () => {
  const CLI = "src/bin/effect-lambda.ts"

  it.scopedLive("serve: answers real HTTP requests with the module, exits 130 on SIGINT", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, [
        "serve",
        "test/fixtures/serve/echo.ts",
        "--port",
        "0",
        "--event",
        "apigw-v1"
      ])
      yield* cli.awaitOutput("Press Ctrl+C")
      const url = /on (http:\/\/\S+)/.exec(cli.stdout())![1]!
      const response = yield* Effect.promise(() => fetch(`${url}/hello?name=curl`))
      expect(response.status).toBe(200)
      const event = (yield* Effect.promise(() => response.json())) as Json
      expect(event.httpMethod).toBe("GET")
      expect(event.queryStringParameters).toEqual({ name: "curl" })
      const failed = yield* Effect.promise(() => fetch(`${url}/fail`))
      expect(failed.status).toBe(502)
      cli.child.kill("SIGINT")
      expect(yield* cli.exited).toBe(130)
      expect(cli.stdout() + cli.stderr()).toContain("GET /fail -> 502")
    }))

  it.scopedLive("serve: an unknown --event is a usage error (exit 2)", () =>
    Effect.gen(function*() {
      const cli = yield* spawnFunction(CLI, {}, ["serve", "test/fixtures/serve/echo.ts", "--event", "sqs"])
      expect(yield* cli.exited).toBe(2)
      expect(cli.stderr()).toContain("--event expects one of apigw-v1, apigw-v2, function-url, alb")
    }))
})
