/**
 * What the runtime does in the build's code-cache training run (see codeCache.ts): instead of
 * starting for real, it serves a few invocations from a Runtime API of its own on loopback,
 * through the real client and loop, so that the functions on the start-up and per-invocation
 * paths are compiled before the loader writes V8's code cache. The user's handler and layer are
 * never run at build time: the warm-up uses a handler of its own.
 */
import * as Effect from "effect/Effect"
import * as LogLevel from "effect/LogLevel"
import type * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import { env, headers, paths } from "../core/protocol.js"

/**
 * Invocations served in the training run: enough to compile every function on the start-up and
 * per-invocation paths (the second carries a trace id, which the first does not).
 */
const WARM_UP_INVOCATIONS = 2

/** The runtime's own `serve`, passed in (this module is imported by the runtime). */
type Serve = (
  handler: LambdaHandler.LambdaHandler<unknown> | ((event: unknown, context: LambdaContext) => Effect.Effect<unknown>),
  options: { readonly logLevel: LogLevel.LogLevel }
) => Effect.Effect<never, unknown>

/**
 * A Runtime API that answers the extension registration, then `WARM_UP_INVOCATIONS` invocations,
 * and calls `done` at the next `/next` (left unanswered, as the process then exits).
 */
const serveWarmUp = (createServer: typeof http.createServer, done: () => void): http.Server => {
  let served = 0
  return createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      if (req.url === paths.extensionRegister) {
        res.writeHead(200, { [headers.extensionIdentifier]: "warm-up" }).end("{}")
      } else if (req.url === paths.next) {
        if (served === WARM_UP_INVOCATIONS) return done()
        served++
        res.writeHead(200, {
          [headers.requestId]: `warm-up-${served}`,
          [headers.deadlineMs]: String(Date.now() + 60_000),
          [headers.functionArn]: "arn:aws:lambda:us-east-1:000000000000:function:warm-up",
          ...(served % 2 === 0 ? { [headers.traceId]: "Root=1-00000000-000000000000000000000000" } : {}),
          [headers.contentType]: "application/json"
        }).end(`{"warm":true}`)
      } else if (req.url !== paths.extensionNext) {
        res.writeHead(202).end()
      }
    })
  })
}

/** The warm-up's own handler: it forks detached work, as handlers may. */
const standIn = (event: unknown, context: LambdaContext) =>
  Effect.as(Effect.forkIn(Effect.void, context.detachedScope), { echo: event })

/**
 * The training run: warms the runtime up, then lets the loader write the code cache. `handler`
 * is a stand-in of the runtime's own (never the user's), such as the drop-in's adapter around a
 * plain function, so that its code is compiled too.
 *
 * @internal
 */
export const train = (
  hook: (done: Promise<unknown>) => void,
  serve: Serve,
  handler: Parameters<Serve>[0] = standIn
): void => {
  hook(
    new Promise<void>((resolve, reject) => {
      // `node:http` is only loaded here, in the training run (never in a function's process).
      const { createServer } = process.getBuiltinModule("node:http")
      const server = serveWarmUp(createServer, resolve)
      server.on("error", reject)
      server.listen(0, "127.0.0.1", () => {
        process.env[env.runtimeApi] = `127.0.0.1:${(server.address() as AddressInfo).port}`
        // `serve` only ends when it fails (say, the stand-in's init): the training run ends then too.
        Effect.runFork(serve(handler, { logLevel: LogLevel.None })).addObserver(() =>
          reject(new Error("the warm-up stopped"))
        )
      })
    })
  )
}
