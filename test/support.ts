/**
 * Test helpers: run the runtime in-process against a Runtime API on loopback, capture what
 * it logs, and script a Runtime API for faults the emulator does not produce.
 */
import { Cause, ConfigProvider, Effect, Layer, Logger, LogLevel } from "effect"
import type { Fiber, Scope } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { EmulatorService } from "../src/Emulator.js"
import type { RuntimeOptions } from "../src/LambdaRuntime.js"

export const now = () => performance.timeOrigin + performance.now()

/** A config provider with the Lambda environment of a Runtime API at `host`. */
export const lambdaEnv = (host: string, extra: Record<string, string> = {}) =>
  ConfigProvider.fromMap(
    new Map(Object.entries({
      AWS_LAMBDA_RUNTIME_API: host,
      AWS_LAMBDA_FUNCTION_NAME: "test-fn",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/test-fn",
      AWS_LAMBDA_LOG_STREAM_NAME: "stream",
      ...extra
    }))
  )

export interface LogEntry {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
  readonly cause: string
}

/**
 * Starts `LambdaRuntime.serve(handler, options)` against the emulator and returns the fiber
 * plus the log lines it produces (captured next to the Lambda-format logger).
 */
export const serveOn = (
  emulator: EmulatorService,
  serve: Effect.Effect<never, unknown, never>,
  env: Record<string, string> = {}
): Effect.Effect<
  { readonly fiber: Fiber.RuntimeFiber<never, unknown>; readonly logs: Array<LogEntry> },
  never,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const logs: Array<LogEntry> = []
    const capture = Logger.make(({ annotations, cause, logLevel, message }) => {
      const record: Record<string, unknown> = {}
      for (const [key, value] of annotations) record[key] = value
      logs.push({
        level: logLevel.label,
        message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
        annotations: record,
        cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause)
      })
    })
    const fiber = yield* serve.pipe(
      Effect.provide(Layer.merge(Logger.add(capture), Logger.minimumLogLevel(LogLevel.All))),
      Effect.withConfigProvider(lambdaEnv(emulator.host, { ...emulator.environment, ...env })),
      Effect.forkScoped
    )
    return { fiber, logs }
  })

/** Default options for in-process runs: no SIGTERM extension (the process is the test runner). */
export const inProcess: RuntimeOptions = { registerExtension: false, logLevel: LogLevel.All }

/** A scripted Runtime API: `behaviour` answers each request (body already read). */
export const scriptedServer = (
  behaviour: (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void
): Effect.Effect<{ readonly host: string; readonly connections: () => number }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: http.Server; host: string; connections: () => number }>((resume) => {
      let connections = 0
      const server = http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => behaviour(req, Buffer.concat(chunks), res))
      })
      server.on("connection", () => connections++)
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, host: `127.0.0.1:${port}`, connections: () => connections }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/** The headers of an invocation, for scripted servers. */
export const invocationHeaders = (requestId: string, deadlineInMs = 3000) => ({
  "lambda-runtime-aws-request-id": requestId,
  "lambda-runtime-deadline-ms": String(Date.now() + deadlineInMs),
  "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:test-fn",
  "content-type": "application/json"
})

export interface Reply {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
  readonly text: string
  readonly trailers: Record<string, string | undefined>
}

export interface RequestOptions {
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array
  /** Sent with chunked transfer encoding, one write each. */
  readonly chunks?: ReadonlyArray<string>
  readonly trailers?: Record<string, string>
  /** Called with the answer's head, before its body. */
  readonly onResponse?: (res: http.IncomingMessage) => void
  /** Called with every chunk of the answer's body as it arrives. */
  readonly onData?: (chunk: Buffer, res: http.IncomingMessage) => void
}

/** A plain `node:http` request on its own connection; interrupting it destroys the socket. */
export const request = (host: string, method: string, path: string, options: RequestOptions = {}) =>
  Effect.async<Reply>((resume) => {
    const [hostname, port] = host.split(":")
    const req = http.request(
      { host: hostname, port: Number(port), method, path, headers: options.headers, agent: false },
      (res) => {
        options.onResponse?.(res)
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk)
          options.onData?.(chunk, res)
        })
        res.on("end", () => {
          const body = Buffer.concat(chunks)
          resume(Effect.succeed({
            status: res.statusCode!,
            headers: res.headers,
            body,
            text: body.toString(),
            trailers: { ...res.trailers }
          }))
        })
        res.on("error", (error) => resume(Effect.die(error)))
      }
    )
    req.on("error", (error) => resume(Effect.die(error)))
    if (options.chunks !== undefined) {
      for (const chunk of options.chunks) req.write(chunk)
      if (options.trailers !== undefined) req.addTrailers(options.trailers)
    } else if (options.body !== undefined) {
      req.write(options.body)
    }
    req.end()
    return Effect.sync(() => req.destroy())
  })

/** A request on `agent`'s connection (a keep-alive agent reuses its socket, as a runtime does). */
export const onConnection = (
  agent: http.Agent,
  emulator: { readonly host: string },
  method: string,
  path: string,
  body?: string
) =>
  Effect.async<Reply>((resume) => {
    const [host, port] = emulator.host.split(":")
    const req = http.request({ host, port: Number(port), method, path, agent }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        const data = Buffer.concat(chunks)
        resume(
          Effect.succeed({
            status: res.statusCode!,
            headers: res.headers,
            body: data,
            text: data.toString(),
            trailers: {}
          })
        )
      })
    })
    req.on("error", (error) => resume(Effect.die(error)))
    req.end(body)
  })
