/**
 * Helpers of the Effect 4 line's LambdaHttp tests: the emulator (test/toolBridge.ts) with the loop
 * serving a handler in this process and the lines it logs, reading the integration's answer,
 * and an app that echoes the request. The events are the shared fixtures (test/httpFixtures.ts).
 */
import { expect } from "@effect/vitest"
import { Cause, Effect, Layer, Logger, Option, References } from "effect"
import type { LogLevel } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Json } from "../../../test/httpFixtures.js"
import { startEmulator } from "../../../test/toolBridge.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"
import type { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaHttp from "../src/LambdaHttp.js"
import { LogLine } from "../src/internal/core.js"
import * as Loop from "../src/internal/loop.js"
import * as RuntimeApiClient from "../src/internal/runtimeApiClient.js"

/** What the emulator recorded of one invocation. */
export type InvocationRecord = Awaited<ReturnType<EmulatorBridge["invoke"]>>

/** A line the app logged. */
export interface LogEntry {
  readonly level: LogLevel.LogLevel
  readonly message: string
  /** `Cause.pretty` of the line's cause, empty without one. */
  readonly cause: string
  readonly requestId: unknown
}

/** The integration's JSON answer for a buffered invocation. */
export const answer = (record: InvocationRecord): Json => {
  expect(record.outcome?._tag).toBe("Response")
  return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null")
}

/** The emulator for the test's scope (the function's timeout 10 s unless given). */
export const emulatorScoped = (functionTimeoutMs = 10_000) =>
  Effect.acquireRelease(
    Effect.promise(() => startEmulator({ functionTimeoutMs })),
    (emulator) => Effect.promise(() => emulator.close())
  )

/** The emulator, the loop serving `handler` on it in this process, and the lines it logs. */
export const start = <R>(handler: Loop.Handler<R | LambdaContext>, functionTimeoutMs?: number) =>
  Effect.gen(function*() {
    const emulator = yield* emulatorScoped(functionTimeoutMs)
    const logs: Array<LogEntry> = []
    const capture = Logger.make(({ cause, fiber, logLevel, message }) => {
      logs.push({
        level: logLevel,
        message: Array.isArray(message) ? message.map(String).join(" ") : String(message),
        cause: cause.reasons.length === 0 ? "" : Cause.pretty(cause),
        requestId: fiber.getRef(References.CurrentLogAnnotations)[LogLine.REQUEST_ID]
      })
    })
    const api = yield* RuntimeApiClient.make(emulator.environment.AWS_LAMBDA_RUNTIME_API!)
    yield* Loop.loop(api, handler, { timeoutMarginMs: 200 }).pipe(
      Effect.provideService(References.CurrentLoggers, new Set([capture])),
      Effect.forkScoped
    )
    const invoke = (event: unknown) => Effect.promise(() => emulator.invoke(event))
    return { emulator, invoke, logs }
  })

/** A router's app, built in the test's scope. */
export const router = <E, R>(routes: Layer.Layer<never, E, R>) => HttpRouter.toHttpEffect(routes)

/** Echoes what the app saw of the request, and which integration it came from. */
export const echo = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const { source } = yield* LambdaHttp.event
  const body = yield* request.text
  return HttpServerResponse.jsonUnsafe({
    source,
    method: request.method,
    url: request.url,
    // A copy: `Headers` redacts the cookie header when written as JSON.
    headers: { ...request.headers },
    cookies: request.cookies,
    remoteAddress: Option.getOrNull(request.remoteAddress),
    body
  })
})

/** Routes answering each kind of response (text with cookies, empty, JSON, HTML, SVG, PNG, a defect). */
export const responses = router(Layer.mergeAll(
  HttpRouter.add(
    "GET",
    "/my/path",
    HttpServerResponse.text("created", { status: 201, headers: { "x-multi": "a, b" } }).pipe(
      HttpServerResponse.setCookieUnsafe("session", "abc", { path: "/", httpOnly: true }),
      HttpServerResponse.setCookieUnsafe("theme", "dark")
    )
  ),
  HttpRouter.add("POST", "/my/path", HttpServerResponse.empty({ status: 204 })),
  HttpRouter.add("PUT", "/my/path", HttpServerResponse.jsonUnsafe({ ok: true })),
  HttpRouter.add(
    "GET",
    "/lambda",
    HttpServerResponse.html("<p>hi</p>").pipe(
      HttpServerResponse.setCookieUnsafe("a", "1"),
      HttpServerResponse.setCookieUnsafe("b", "2")
    )
  ),
  HttpRouter.add("GET", "/svg", HttpServerResponse.text("<svg/>", { contentType: "image/svg+xml" })),
  HttpRouter.add(
    "GET",
    "/png",
    HttpServerResponse.uint8Array(new Uint8Array([137, 80, 78, 71, 0, 255]), { contentType: "image/png" })
  ),
  HttpRouter.add("GET", "/boom", Effect.die(new Error("secret detail of the failure")))
))
