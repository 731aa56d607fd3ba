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

/**
 * The stand-in function of a drop-in's training run: an ESM module, as most handlers now are, so
 * that the warm-up loads it as the drop-in loads the user's (the loader's `import()`), and uses
 * Node's context and a detached promise.
 */
const STAND_IN = `export const handler = async (event, context) => {
  context.detach(async (signal) => signal.aborted)
  return { echo: event, remaining: context.getRemainingTimeInMillis() > 0 }
}
`

/**
 * A drop-in's training run: the stand-in function written to a fresh temporary directory (the
 * user's module is never loaded at build time), the environment (`LAMBDA_TASK_ROOT`, `_HANDLER`)
 * that names it, and `hook` wrapped to remove the directory once the warm-up is over.
 *
 * @internal
 */
export const standInFunction = (
  hook: (done: Promise<unknown>) => void
): { readonly env: Record<string, string>; readonly hook: (done: Promise<unknown>) => void } => {
  const fs = process.getBuiltinModule("node:fs")
  const path = process.getBuiltinModule("node:path")
  const root = fs.mkdtempSync(path.join(process.getBuiltinModule("node:os").tmpdir(), "effect-lambda-drop-in-"))
  fs.writeFileSync(path.join(root, "warm-up.mjs"), STAND_IN)
  const cleanUp = () => fs.rmSync(root, { recursive: true, force: true })
  return {
    env: { [env.taskRoot]: root, [env.handler]: "warm-up.handler" },
    hook: (done) => hook(done.finally(cleanUp))
  }
}
