// Helpers of the LambdaHttp tests: the captured-style events, the emulator with a handler
// served in-process, and reading the integration's answer.
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import * as Emulator from "../src/Emulator.js"
import { LambdaHttp, LambdaRuntime } from "../src/index.js"
import type { LambdaHandler } from "../src/index.js"
import { inProcess, serveOn } from "./support.js"

/** A JSON document as the tests read it. */
export type Json = Record<string, any>

/** One of the captured-style events in test/fixtures/http. */
export const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`fixtures/http/${name}.json`, import.meta.url), "utf8"))

/** The buffered outcome of an invocation (failing the test when it is not one). */
export const asResponse = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Response")
  return record.outcome as Extract<Emulator.InvocationOutcome, { _tag: "Response" }>
}

/** The integration's JSON answer for a buffered invocation. */
export const answer = (record: Emulator.InvocationRecord): Json => JSON.parse(asResponse(record).text)

/** The body of an integration answer, base64-decoded when it says so. */
export const decodedBody = (doc: Json): Buffer => Buffer.from(doc.body, doc.isBase64Encoded ? "base64" : "utf8")

/** Echoes what the app saw of the request, and which integration it came from. */
export const echo = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const { source } = yield* LambdaHttp.event
  const body = yield* request.text
  return yield* HttpServerResponse.json({
    source,
    method: request.method,
    url: request.url,
    headers: request.headers,
    cookies: request.cookies,
    remoteAddress: Option.getOrNull(request.remoteAddress),
    body
  })
})

/** The emulator with `handler` served in this process, and the log lines it writes. */
export const start = <E, R extends LambdaHandler.Provided>(handler: LambdaHandler.LambdaHandler<E, R>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const { logs } = yield* serveOn(emulator, LambdaRuntime.serve(handler, inProcess) as Effect.Effect<never, unknown>)
    return { emulator, logs }
  })

/** The REST (1.0) fixture as a POST. */
export const v1Post = { ...fixture("apigw-v1"), httpMethod: "POST" }

/** `event` with another path and method, in its own shape. */
export const withPath = (event: Json, path: string, method = "GET"): Json =>
  event.version === "2.0"
    ? {
      ...event,
      rawPath: path,
      rawQueryString: "",
      requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method } }
    }
    : { ...event, path, httpMethod: method }
