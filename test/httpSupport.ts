// Helpers of the LambdaHttp tests: the captured-style events, the emulator with a handler
// served in-process, and reading the integration's answer.
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaHttp, LambdaRuntime } from "../src/index.js"
import type { LambdaHandler } from "../src/index.js"
import type { Json } from "./httpFixtures.js"
import { inProcess, serveOn } from "./support.js"

export { decodedBody, fixture, v1Post, withPath } from "./httpFixtures.js"
export type { Json } from "./httpFixtures.js"

/** The buffered outcome of an invocation (failing the test when it is not one). */
export const asResponse = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Response")
  return record.outcome as Extract<Emulator.InvocationOutcome, { _tag: "Response" }>
}

/** The integration's JSON answer for a buffered invocation. */
export const answer = (record: Emulator.InvocationRecord): Json => JSON.parse(asResponse(record).text)

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
