/**
 * The emulator, on `node:http` directly rather than HttpRouter/NodeHttpServer: it parks long polls
 * for arbitrary times, reads chunked bodies with trailers, answers a request before or after its
 * body was read, and takes timestamps at the exact socket events.
 *
 * This module owns the server, the routing and the service; the endpoints live beside it
 * (`runtimeApiEndpoints.ts`, `invokeEndpoint.ts`, `extensions.ts`), on the state and
 * transitions of `state.ts`.
 *
 * @internal
 */
import { Context, Deferred, Effect, Layer, Option, Runtime } from "effect"
import type { Scope } from "effect"
import { randomBytes } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type * as Api from "../../../Emulator.js"
import { onExtensionNext, onRegister } from "./extensions.js"
import { onInvoke } from "./invokeEndpoint.js"
import { onInitError, onNext, onResult } from "./runtimeApiEndpoints.js"
import type { Config, EmulatorInstance } from "./state.js"
import {
  describeLastReset,
  enqueue,
  isDiscarded,
  makeState,
  recordNextRequest,
  runtimeExited,
  snapshot
} from "./state.js"
import { apiError, RESULT_PATH } from "./wire.js"
import * as P from "../../core/protocol.js"

/** The error type of the answer to a discarded runtime (emulator-specific: Lambda kills the process). */
const DISCARDED_ERROR_TYPE = "Emulator.EnvironmentReset"

/** Connections whose refusal was logged already (a runtime retries; one line is enough). */
const STALE_LOGGED = new WeakSet<object>()

/**
 * Answers a request of the runtime a reset discarded with `500`, the Runtime API's
 * "non-recoverable" status, on which a runtime exits (Lambda would have killed it).
 */
const refuseDiscarded = (
  emulator: EmulatorInstance,
  method: string,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse
) => {
  req.resume()
  if (path === P.paths.next) recordNextRequest(emulator.state)
  const reason = describeLastReset(emulator)
  if (!STALE_LOGGED.has(req.socket)) {
    STALE_LOGGED.add(req.socket)
    emulator.log(
      `${method} ${path} refused with 500: ${reason}, and this request came from the runtime that was running then. ` +
        `Lambda stops that process; stop it and start a fresh runtime (the next invocation waits for one)`
    )
  }
  apiError(res, 500, DISCARDED_ERROR_TYPE, `${reason}: this runtime must exit`)
}

const route = (emulator: EmulatorInstance, req: http.IncomingMessage, res: http.ServerResponse) => {
  req.on("error", () => {})
  const path = (req.url ?? "/").split("?")[0]!
  const method = req.method ?? "GET"
  // Results are checked by request id instead (a late one is a 400, as on Lambda).
  if (path !== P.paths.invoke && isDiscarded(emulator, req.socket) && !RESULT_PATH.test(path)) {
    return refuseDiscarded(emulator, method, path, req, res)
  }
  if (method === "GET" && path === P.paths.next) {
    req.resume()
    return onNext(emulator, res)
  }
  const result = method === "POST" ? RESULT_PATH.exec(path) : null
  if (result !== null) {
    let requestId: string
    try {
      requestId = decodeURIComponent(result[1]!)
    } catch {
      requestId = result[1]!
    }
    return onResult(emulator, result[2] as "response" | "error", requestId, req, res)
  }
  if (method === "POST" && path === P.paths.initError) return onInitError(emulator, req, res)
  if (method === "POST" && path === P.paths.extensionRegister) return onRegister(emulator, req, res)
  if (method === "GET" && path === P.paths.extensionNext) return onExtensionNext(emulator, req, res)
  if (method === "POST" && path === P.paths.invoke) return onInvoke(emulator, req, res)
  req.resume()
  apiError(res, 404, "NotFound", `No route for ${method} ${path}`)
}

/** The Lambda environment variables a runtime needs to talk to this emulator. */
const environmentOf = (config: Config, host: string): Record<string, string> => {
  const date = new Date().toISOString().slice(0, 10).replaceAll("-", "/")
  return {
    [P.env.runtimeApi]: host,
    [P.env.functionName]: config.functionName,
    [P.env.functionVersion]: config.functionVersion,
    [P.env.functionMemorySize]: String(config.memorySizeMb),
    [P.env.logGroupName]: `/aws/lambda/${config.functionName}`,
    [P.env.logStreamName]: `${date}/[${config.functionVersion}]${randomBytes(16).toString("hex")}`,
    [P.env.region]: config.region,
    [P.env.defaultRegion]: config.region,
    [P.env.initializationType]: "on-demand",
    ...(config.handler !== undefined ? { [P.env.handler]: config.handler } : {})
  }
}

/** @internal */
export const make = (options: Api.EmulatorOptions = {}): Effect.Effect<Api.EmulatorService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const functionName = options.functionName ?? "test_function"
    const region = options.region ?? "us-east-1"
    const config: Config = {
      functionTimeoutMs: options.functionTimeoutMs ?? 3000,
      functionName,
      functionVersion: options.functionVersion ?? "$LATEST",
      functionArn: options.functionArn ?? `arn:aws:lambda:${region}:012345678912:function:${functionName}`,
      memorySizeMb: options.memorySizeMb ?? 3008,
      region,
      handler: options.handler
    }
    const runtime = yield* Effect.runtime<never>()
    const emulator: EmulatorInstance = {
      config,
      state: makeState(),
      log: (message) => Runtime.runSync(runtime)(Effect.logWarning(`Emulator: ${message}`))
    }
    const { state } = emulator

    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server>((resume) => {
        const server = http.createServer((req, res) => {
          try {
            route(emulator, req, res)
          } catch (error) {
            apiError(res, 500, "InternalServerError", String(error))
          }
        })
        // Long polls and long streams: no keep-alive or request timeouts (the platform has none either).
        server.keepAliveTimeout = 0
        server.requestTimeout = 0
        server.once(
          "error",
          (error) =>
            resume(Effect.die(new Error(`Emulator: cannot listen on 127.0.0.1:${options.port ?? 0}: ${error.message}`)))
        )
        server.listen(options.port ?? 0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          for (const invocation of state.all) if (invocation.timer !== undefined) clearTimeout(invocation.timer)
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )

    const port = (server.address() as AddressInfo).port
    const host = `127.0.0.1:${port}`

    const enqueueEffect = (event: unknown, invokeOptions?: Api.InvokeOptions): Effect.Effect<Api.PendingInvocation> =>
      Effect.sync(() => {
        const invocation = enqueue(emulator, event, invokeOptions)
        return { requestId: invocation.record.requestId, result: Deferred.await(invocation.done) }
      })

    const service: Api.EmulatorService = {
      host,
      port,
      environment: environmentOf(config, host),
      enqueue: enqueueEffect,
      invoke: (event, invokeOptions) =>
        Effect.flatMap(enqueueEffect(event, invokeOptions), (pending) => pending.result),
      invocations: Effect.sync(() => state.all.map(snapshot)),
      nextRequests: Effect.sync(() => [...state.nextRequests]),
      awaitNextRequest: (n) =>
        Effect.async<number>((resume) => {
          if (state.nextRequests.length >= n) return resume(Effect.succeed(state.nextRequests[n - 1]!))
          const waiter = { n, resume: (at: number) => resume(Effect.succeed(at)) }
          state.nextWaiters.push(waiter)
          return Effect.sync(() => {
            state.nextWaiters = state.nextWaiters.filter((w) => w !== waiter)
          })
        }),
      initError: Effect.sync(() => Option.fromNullable(state.initError)),
      awaitInitError: Deferred.await(state.initErrorDone),
      extensions: Effect.sync(() => [...state.extensions]),
      awaitFirstByte: (requestId) =>
        Effect.async<number>((resume) => {
          const invocation = state.byId.get(requestId)
          if (invocation === undefined) return resume(Effect.dieMessage(`Emulator: unknown request id ${requestId}`))
          if (invocation.record.firstByteAt !== undefined) return resume(Effect.succeed(invocation.record.firstByteAt))
          const wake = (at: number) => resume(Effect.succeed(at))
          invocation.firstByteWaiters.push(wake)
          return Effect.sync(() => {
            invocation.firstByteWaiters = invocation.firstByteWaiters.filter((w) => w !== wake)
          })
        }),
      streamProgress: (requestId) =>
        Effect.sync(() => {
          const invocation = state.byId.get(requestId)
          return {
            bytes: invocation?.progress.bytes ?? 0,
            chunks: invocation?.progress.chunks ?? 0,
            firstByteAt: invocation?.record.firstByteAt
          }
        }),
      resets: Effect.sync(() => [...state.resets]),
      awaitReset: (n) =>
        Effect.async<Api.EnvironmentReset>((resume) => {
          if (state.resets.length >= n) return resume(Effect.succeed(state.resets[n - 1]!))
          const waiter = { n, resume: (reset: Api.EnvironmentReset) => resume(Effect.succeed(reset)) }
          state.resetWaiters.push(waiter)
          return Effect.sync(() => {
            state.resetWaiters = state.resetWaiters.filter((w) => w !== waiter)
          })
        }),
      runtimeExited: (exit) => Effect.sync(() => runtimeExited(emulator, exit))
    }
    return service
  })

/**
 * The emulator as a service (documented in Emulator.ts).
 *
 * @internal
 */
export class Emulator extends Context.Tag("effect-lambda-runtime/Emulator")<Emulator, Api.EmulatorService>() {}

/**
 * A scoped layer providing {@link Emulator}.
 *
 * @internal
 */
export const layer = (options?: Api.EmulatorOptions): Layer.Layer<Emulator> => Layer.scoped(Emulator, make(options))
