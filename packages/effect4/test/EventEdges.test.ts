/**
 * Invocations the platform delivers oddly, on the Effect 4 line, against a scripted Runtime API
 * (the Effect 3 line's test/RuntimeApi.test.ts cases of these rules): one without a request id
 * cannot be answered, so the loop stops; a request id with characters a path cannot hold is
 * url-encoded in the result's path.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { invocationHeaders, scriptedServer } from "./process.js"
import { inProcess, linesAt, loopOn, serveOn } from "./support.js"

describe("Effect 4: event edge cases", () => {
  it.live("exits when /next delivers an invocation without a request id", () =>
    Effect.gen(function*() {
      const server = yield* scriptedServer((_request, _body, response) => {
        response.writeHead(200, { "lambda-runtime-deadline-ms": String(Date.now() + 1000) }).end("{}")
      })
      // The loop `serve` runs, with the lines it logs.
      const { fiber, lines } = yield* loopOn(server.host, LambdaHandler.json(() => Effect.succeed("ok")))
      expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
      expect(linesAt(lines, "FATAL").join("\n")).toContain("MalformedInvocation")
    }))

  it.live("url-encodes request ids in result paths", () =>
    Effect.gen(function*() {
      const paths: Array<string> = []
      const posted = yield* Deferred.make<void>()
      const server = yield* scriptedServer((request, _body, response) => {
        if (request.url!.endsWith("/next")) {
          if (paths.length > 0) return
          paths.push(request.url!)
          return void response.writeHead(200, invocationHeaders("a/b c")).end("{}")
        }
        paths.push(request.url!)
        response.writeHead(202).end(`{"status":"OK"}`)
        Deferred.doneUnsafe(posted, Exit.void)
      })
      yield* serveOn(
        { environment: { AWS_LAMBDA_RUNTIME_API: server.host } },
        LambdaRuntime.serve(() => Effect.succeed("ok"), inProcess)
      )
      yield* Deferred.await(posted)
      expect(paths[1]).toBe("/2018-06-01/runtime/invocation/a%2Fb%20c/response")
    }))
})
