/**
 * The emulator, on `node:http` directly rather than HttpRouter/NodeHttpServer: it parks long polls
 * for arbitrary times, reads chunked bodies with trailers, answers a request before or after its
 * body was read, and takes timestamps at the exact socket events.
 *
 * This module owns the server and the routing, and hands the running emulator out as an
 * `EmulatorEngine`: plain methods, waits as callbacks, `close` as a Promise, no Effect, so that
 * the Effect 3 and the Effect 4 `Emulator` are both thin façades over this one engine
 * (`service.ts` is the service they share). The endpoints live beside it
 * (`runtimeApiEndpoints.ts`, `invokeEndpoint.ts`, `extensions.ts`), on the state and
 * transitions of `state.ts`.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type * as Api from "./types.js"
import { onExtensionNext, onRegister } from "./extensions.js"
import { onInvoke } from "./invokeEndpoint.js"
import { onInitError, onNext, onResult } from "./runtimeApiEndpoints.js"
import { describeLastReset, isDiscarded, runtimeExited, shutdown } from "./environment.js"
import type { Config, EmulatorInstance } from "./state.js"
import { awaitEntry, enqueue, isConcurrent, makeState, recordNextRequest, snapshot } from "./state.js"
import { apiError, RESULT_PATH } from "./wire.js"
import * as P from "../protocol.js"

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
  new Promise<void>((resolve) => {
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
          if (--open === 0) resolve()
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

/**
 * Stops waiting: a wait's callback is dropped (an interrupted fiber no longer wants it).
 *
 * @internal
 */
export type Cancel = () => void

/**
 * A running emulator, without Effect: what each line's `EmulatorService` is made of (see
 * `service.ts`; the members are documented on the public `EmulatorService`). Reads are plain
 * methods; every wait takes a callback, called at most once, and returns its cancellation.
 *
 * @internal
 */
export interface EmulatorEngine {
  readonly host: string
  readonly port: number
  /** The environment of the current generation (a fresh Runtime API address after a reset). */
  readonly environment: () => Record<string, string>
  /** Queues an event; `onOutcome` calls `done` with the record once the outcome is known (at once if it is). */
  readonly enqueue: (event: unknown, options?: Api.InvokeOptions) => QueuedInvocation
  readonly invocations: () => ReadonlyArray<Api.InvocationRecord>
  readonly nextRequests: () => ReadonlyArray<number>
  readonly onNextRequest: (n: number, done: (at: number) => void) => Cancel
  readonly initError: () => Api.RecordedError | undefined
  readonly onInitError: (done: (error: Api.RecordedError) => void) => Cancel
  readonly extensions: () => ReadonlyArray<Api.RegisteredExtension>
  /** Calls `unknown` instead, with the error, for a request id the emulator never saw. */
  readonly onFirstByte: (requestId: string, done: (at: number) => void, unknown: (error: Error) => void) => Cancel
  readonly streamProgress: (requestId: string) => Api.StreamProgress
  readonly resets: () => ReadonlyArray<Api.EnvironmentReset>
  readonly onReset: (n: number, done: (reset: Api.EnvironmentReset) => void) => Cancel
  readonly runtimeExited: (exit: Api.RuntimeExit) => void
  readonly shutdown: () => void
  /** Shuts down (as `shutdown`), closes the server and destroys open connections; never hangs. */
  readonly close: () => Promise<void>
}

/**
 * An invocation the engine queued.
 *
 * @internal
 */
export interface QueuedInvocation {
  readonly requestId: string
  readonly onOutcome: (done: (record: Api.InvocationRecord) => void) => Cancel
}

/** Adds `item` to the list `get()` reads, and returns the removal (the list is replaced, never mutated in place). */
const waitIn = <A>(get: () => Array<A>, set: (list: Array<A>) => void, item: A): Cancel => {
  set([...get(), item])
  return () => set(get().filter((other) => other !== item))
}

/**
 * The options with their defaults applied; throws when `concurrency` is not a positive integer.
 *
 * @internal
 */
export const configOf = (options: Api.EmulatorOptions): Config => {
  const functionName = options.functionName ?? "test_function"
  const region = options.region ?? "us-east-1"
  const maxConcurrency = options.concurrency ?? 1
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new Error(`Emulator: concurrency must be a positive integer, got ${maxConcurrency}`)
  }
  return {
    functionTimeoutMs: options.functionTimeoutMs ?? 3000,
    functionName,
    functionVersion: options.functionVersion ?? "$LATEST",
    functionArn: options.functionArn ?? `arn:aws:lambda:${region}:012345678912:function:${functionName}`,
    memorySizeMb: options.memorySizeMb ?? 3008,
    region,
    handler: options.handler,
    maxConcurrency
  }
}

/**
 * Starts an emulator on `127.0.0.1`; `log` receives its warnings (each line's façade sends them to
 * its Effect logger). Rejects when the options are invalid or the port cannot be bound; call
 * `close` once done.
 *
 * @internal
 */
export const start = (options: Api.EmulatorOptions, log: (message: string) => void): Promise<EmulatorEngine> => {
  let config: Config
  try {
    config = configOf(options)
  } catch (error) {
    return Promise.reject(error)
  }
  /** Every listener, the first one (the invoke endpoint's) included; all closed by `close`. */
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
    log: (message) => log(`Emulator: ${message}`),
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
  return new Promise<EmulatorEngine>((resolve, reject) => {
    const server = createListener(emulator, { generation: 0 })
    servers.push(server)
    server.once("error", (error) => {
      reject(new Error(`Emulator: cannot listen on 127.0.0.1:${options.port ?? 0}: ${error.message}`))
    })
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      const host = `127.0.0.1:${port}`
      runtimeApiHost = host
      bindSpare()
      const logStreamName = logStreamNameOf(config)
      resolve({
        host,
        port,
        environment: () => environmentOf(config, runtimeApiHost, logStreamName),
        enqueue: (event, invokeOptions) => {
          const invocation = enqueue(emulator, event, invokeOptions)
          return {
            requestId: invocation.record.requestId,
            onOutcome: (done) => {
              if (invocation.done !== undefined) {
                done(invocation.done)
                return () => {}
              }
              return waitIn(() => invocation.listeners, (list) => (invocation.listeners = list), done)
            }
          }
        },
        invocations: () => state.all.map(snapshot),
        nextRequests: () => [...state.nextRequests.entries],
        onNextRequest: (n, done) => awaitEntry(state.nextRequests, n, done),
        initError: () => state.initError,
        onInitError: (done) => {
          if (state.firstInitError !== undefined) {
            done(state.firstInitError)
            return () => {}
          }
          return waitIn(() => state.initErrorWaiters, (list) => (state.initErrorWaiters = list), done)
        },
        extensions: () => [...state.extensions],
        onFirstByte: (requestId, done, unknown) => {
          const invocation = state.byId.get(requestId)
          if (invocation === undefined) {
            unknown(new Error(`Emulator: unknown request id ${requestId}`))
            return () => {}
          }
          if (invocation.record.firstByteAt !== undefined) {
            done(invocation.record.firstByteAt)
            return () => {}
          }
          return waitIn(() => invocation.firstByteWaiters, (list) => (invocation.firstByteWaiters = list), done)
        },
        streamProgress: (requestId) => {
          const invocation = state.byId.get(requestId)
          return {
            bytes: invocation?.progress.bytes ?? 0,
            chunks: invocation?.progress.chunks ?? 0,
            firstByteAt: invocation?.record.firstByteAt
          }
        },
        resets: () => [...state.resets.entries],
        onReset: (n, done) => awaitEntry(state.resets, n, done),
        runtimeExited: (exit) => runtimeExited(emulator, exit),
        shutdown: () => void shutdown(emulator),
        close: () => closeAll(emulator, servers)
      })
    })
  })
}
