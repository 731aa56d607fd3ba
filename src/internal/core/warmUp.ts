/**
 * The build's code-cache training run (codeCache.ts), the part that does not depend on Effect:
 * instead of starting for real, a runtime serves a few invocations from a Runtime API of its own
 * on loopback, through its real client and loop, so that the functions on the start-up and
 * per-invocation paths are compiled before the loader writes V8's code cache. The user's handler
 * and layer are never run at build time: each line of the runtime warms up with a stand-in handler
 * of its own.
 *
 * @internal
 */
import type * as http from "node:http"
import type { AddressInfo } from "node:net"
import { env, headers, paths } from "./protocol.js"

/**
 * Invocations served in the training run: enough to compile every function on the start-up and
 * per-invocation paths (the second carries a trace id, which the first does not).
 */
const WARM_UP_INVOCATIONS = 2

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

/**
 * The training run: starts the warm-up's Runtime API, points `AWS_LAMBDA_RUNTIME_API` at it, then
 * calls `start`, which starts the runtime with its stand-in handler and calls `stopped` if the
 * runtime ends (it only ends when it fails: the training run fails then too). The loader writes the
 * code cache once the warm-up's invocations are served (`hook`).
 *
 * @internal
 */
export const train = (hook: (done: Promise<unknown>) => void, start: (stopped: () => void) => void): void => {
  hook(
    new Promise<void>((resolve, reject) => {
      // `node:http` is only loaded here, in the training run (never in a function's process).
      const { createServer } = process.getBuiltinModule("node:http")
      const server = serveWarmUp(createServer, resolve)
      server.on("error", reject)
      server.listen(0, "127.0.0.1", () => {
        process.env[env.runtimeApi] = `127.0.0.1:${(server.address() as AddressInfo).port}`
        start(() => reject(new Error("the warm-up stopped")))
      })
    })
  )
}
