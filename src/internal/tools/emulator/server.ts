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
import { describeLastReset, isDiscarded, runtimeExited, shutdown } from "./environment.js"
import type { Config, EmulatorInstance } from "./state.js"
import { enqueue, isConcurrent, makeState, recordNextRequest, snapshot } from "./state.js"
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
      `${method} ${path} refused with 500: ${reason}, and this request came to the Runtime API address of the ` +
        `runtime that was running then. Lambda stops that process; stop it and start a fresh runtime with ` +
        `AWS_LAMBDA_RUNTIME_API=${emulator.runtimeApiHost()} (the next invocation waits for one)`
    )
  }
  apiError(res, 500, DISCARDED_ERROR_TYPE, `${reason}: this runtime must exit`)
}

const route = (
  emulator: EmulatorInstance,
  listenerGeneration: number,
  req: http.IncomingMessage,
  res: http.ServerResponse
) => {
  req.on("error", () => {})
  const path = (req.url ?? "/").split("?")[0]!
  const method = req.method ?? "GET"
  // Results are checked by request id instead (a late one is a 400, as on Lambda).
  if (path !== P.paths.invoke && isDiscarded(emulator, listenerGeneration) && !RESULT_PATH.test(path)) {
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

/**
 * The Lambda environment variables a runtime needs to talk to this emulator; in concurrent mode
 * also `AWS_LAMBDA_MAX_CONCURRENCY` and the Managed Instances initialization type.
 */
const environmentOf = (config: Config, host: string, logStreamName: string): Record<string, string> => ({
  [P.env.runtimeApi]: host,
  [P.env.functionName]: config.functionName,
  [P.env.functionVersion]: config.functionVersion,
  [P.env.functionMemorySize]: String(config.memorySizeMb),
  [P.env.logGroupName]: `/aws/lambda/${config.functionName}`,
  [P.env.logStreamName]: logStreamName,
  [P.env.region]: config.region,
  [P.env.defaultRegion]: config.region,
  [P.env.initializationType]: isConcurrent(config) ? "lambda-managed-instances" : "on-demand",
  ...(isConcurrent(config) ? { [P.env.maxConcurrency]: String(config.maxConcurrency) } : {}),
  ...(config.handler !== undefined ? { [P.env.handler]: config.handler } : {})
})

const logStreamNameOf = (config: Config) => {
  const date = new Date().toISOString().slice(0, 10).replaceAll("-", "/")
  return `${date}/[${config.functionVersion}]${randomBytes(16).toString("hex")}`
}

/**
 * A server for `127.0.0.1` whose runtime requests belong to `tag.generation` (see
 * `State.generation`; a spare listener gets its generation when a reset promotes it).
 */
const createListener = (emulator: EmulatorInstance, tag: { generation: number }) => {
  const server = http.createServer((req, res) => {
    try {
      route(emulator, tag.generation, req, res)
    } catch (error) {
      apiError(res, 500, "InternalServerError", String(error))
    }
  })
  // Long polls and long streams: no keep-alive or request timeouts (the platform has none either).
  server.keepAliveTimeout = 0
  server.requestTimeout = 0
  return server
}

/** How long closing waits for the shutdown answers to parked `/next` calls to be written. */
const SHUTDOWN_ANSWER_MS = 200

/** Answers the shutdown `500`s, waits (briefly) until they are written, then closes every listener. */
const closeAll = (emulator: EmulatorInstance, servers: ReadonlyArray<http.Server>) =>
  Effect.async<void>((resume) => {
    for (const invocation of emulator.state.all) if (invocation.timer !== undefined) clearTimeout(invocation.timer)
    const answering = shutdown(emulator).filter((res) => !res.writableFinished && !res.destroyed)
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      clearTimeout(bound)
      let open = servers.length
      for (const server of servers) {
        server.close(() => {
          if (--open === 0) resume(Effect.void)
        })
        server.closeAllConnections()
      }
    }
    const bound = setTimeout(close, SHUTDOWN_ANSWER_MS)
    let pending = answering.length
    const answered = () => {
      if (--pending === 0) close()
    }
    for (const res of answering) res.once("close", answered)
    if (pending === 0) close()
  })

/** @internal */
export const make = (options: Api.EmulatorOptions = {}): Effect.Effect<Api.EmulatorService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const functionName = options.functionName ?? "test_function"
    const region = options.region ?? "us-east-1"
    const maxConcurrency = options.concurrency ?? 1
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      return yield* Effect.dieMessage(`Emulator: concurrency must be a positive integer, got ${maxConcurrency}`)
    }
    const config: Config = {
      functionTimeoutMs: options.functionTimeoutMs ?? 3000,
      functionName,
      functionVersion: options.functionVersion ?? "$LATEST",
      functionArn: options.functionArn ?? `arn:aws:lambda:${region}:012345678912:function:${functionName}`,
      memorySizeMb: options.memorySizeMb ?? 3008,
      region,
      handler: options.handler,
      maxConcurrency
    }
    const runtime = yield* Effect.runtime<never>()
    /** Every listener, the first one (the invoke endpoint's) included; all closed with the scope. */
    const servers: Array<http.Server> = []
    /** The Runtime API address of the current generation. */
    let runtimeApiHost = ""
    /**
     * Classic mode: the listener the next reset moves the Runtime API to, bound in advance so that
     * `environment` names the fresh address as soon as the reset is known.
     */
    let spare: { readonly tag: { generation: number }; host: string | undefined; promoted: boolean } | undefined
    const bindSpare = () => {
      if (isConcurrent(config)) return
      const bound = {
        tag: { generation: Number.POSITIVE_INFINITY },
        host: undefined as string | undefined,
        promoted: false
      }
      spare = bound
      const server = createListener(emulator, bound.tag)
      servers.push(server)
      server.once(
        "error",
        (error) => emulator.log(`cannot listen for a fresh environment's Runtime API: ${error.message}`)
      )
      server.listen(0, "127.0.0.1", () => {
        bound.host = `127.0.0.1:${(server.address() as AddressInfo).port}`
        if (bound.promoted) promote(bound)
      })
    }
    const promote = (listener: NonNullable<typeof spare>) => {
      listener.tag.generation = emulator.state.generation
      runtimeApiHost = listener.host!
      bindSpare()
    }
    const emulator: EmulatorInstance = {
      config,
      state: makeState(),
      log: (message) => Runtime.runSync(runtime)(Effect.logWarning(`Emulator: ${message}`)),
      runtimeApiHost: () => runtimeApiHost,
      openRuntimeApi: () => {
        const listener = spare
        if (listener === undefined) return
        spare = undefined
        // Two resets within one tick: the spare becomes the Runtime API as soon as it listens.
        if (listener.host === undefined) listener.promoted = true
        else promote(listener)
      }
    }
    const { state } = emulator

    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server>((resume) => {
        const server = createListener(emulator, { generation: 0 })
        servers.push(server)
        server.once(
          "error",
          (error) =>
            resume(Effect.die(new Error(`Emulator: cannot listen on 127.0.0.1:${options.port ?? 0}: ${error.message}`)))
        )
        server.listen(options.port ?? 0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      () => closeAll(emulator, servers)
    )

    const port = (server.address() as AddressInfo).port
    const host = `127.0.0.1:${port}`
    runtimeApiHost = host
    bindSpare()
    const logStreamName = logStreamNameOf(config)

    const enqueueEffect = (event: unknown, invokeOptions?: Api.InvokeOptions): Effect.Effect<Api.PendingInvocation> =>
      Effect.sync(() => {
        const invocation = enqueue(emulator, event, invokeOptions)
        return { requestId: invocation.record.requestId, result: Deferred.await(invocation.done) }
      })

    const service: Api.EmulatorService = {
      host,
      port,
      get environment() {
        return environmentOf(config, runtimeApiHost, logStreamName)
      },
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
      runtimeExited: (exit) => Effect.sync(() => runtimeExited(emulator, exit)),
      shutdown: Effect.sync(() => void shutdown(emulator))
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
