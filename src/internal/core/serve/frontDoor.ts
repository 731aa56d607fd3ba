/**
 * `effect-lambda serve`'s front door: the local HTTP server in front of the emulator, for development.
 * Each real HTTP request becomes the event of one integration (API Gateway REST or HTTP API,
 * Function URL, ALB), the function runs under the emulator as `effect-lambda emulator <module>`
 * runs it, and its answer is written back as the integration would: a buffered response decoded
 * from its JSON, a streamed one (HTTP integration prelude) passed through as it arrives, a
 * failure as a `502`.
 *
 * The server is `node:http`, as the emulator's: it must pass a streamed body on chunk by chunk
 * with the client's read pace (backpressure) and end it abruptly when the function fails
 * mid-stream, which is a few lines on the raw streams. Invocations go through the emulator's
 * invoke endpoint over loopback rather than its in-process API: that endpoint already decodes
 * the prelude and forwards streamed responses live, so a streamed answer arrives here as an
 * ordinary chunked response (marked by its `Trailer` header) and a buffered one as the payload.
 *
 * No Effect here: the emulator, the runtime process and the logger are the caller's (each line's
 * `serve` starts them and passes the invoke endpoint's address and two log functions).
 *
 * @internal
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as P from "../protocol.js"
import type { EventShape, IncomingRequest } from "./eventFromRequest.js"
import { buildEvent } from "./eventFromRequest.js"
import type { HttpAnswer } from "./responseFromAnswer.js"
import { badGateway, decodeResponse, passesThrough } from "./responseFromAnswer.js"

/** @internal */
export type { EventShape } from "./eventFromRequest.js"
/** @internal */
export { eventShapes } from "./eventFromRequest.js"

/**
 * Where the front door's lines go (each line's logger: one line a request, failures as errors).
 *
 * @internal
 */
export interface FrontDoorLog {
  readonly info: (message: string) => void
  readonly error: (message: string) => void
}

/**
 * Options of {@link start}.
 *
 * @internal
 */
export interface FrontDoorOptions {
  readonly shape: EventShape
  /** Port on `127.0.0.1`; `0` picks a free one. */
  readonly port: number
  /** The emulator's `host` (`127.0.0.1:port`), whose invoke endpoint each request goes to. */
  readonly invokeHost: string
  /** ALB with multi-value headers enabled on the target group (`multiValueHeaders` and `multiValueQueryStringParameters`). */
  readonly albMultiValueHeaders?: boolean | undefined
}

/**
 * The running front door; `close` stops listening and destroys open connections.
 *
 * @internal
 */
export interface FrontDoor {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

const headerText = (value: string | Array<string> | undefined) => (Array.isArray(value) ? value.join(", ") : value)

/** An error document as text for the console: JSON when it is JSON. */
const describeDocument = (text: string) => {
  try {
    return JSON.stringify(JSON.parse(text))
  } catch {
    return text
  }
}

const sourceIpOf = (req: http.IncomingMessage) => (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "")

/**
 * Serves HTTP on `127.0.0.1`, each request invoked through the emulator at `options.invokeHost`.
 * Rejects when the port cannot be bound.
 *
 * @internal
 */
export const start = (options: FrontDoorOptions, log: FrontDoorLog): Promise<FrontDoor> => {
  // Keep-alive to the invoke endpoint: one connection a concurrent request, reused.
  const agent = new http.Agent({ keepAlive: true })
  const invokeUrl = `http://${options.invokeHost}${P.paths.invoke}`

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, port: number) => {
    const startedAt = performance.now()
    const target = `${req.method ?? "GET"} ${req.url ?? "/"}`
    const done = (status: number, requestId: string) =>
      log.info(`${target} -> ${status} (${(performance.now() - startedAt).toFixed(1)} ms, RequestId: ${requestId})`)
    const fail = (requestId: string, problem: string, detail?: string) => {
      log.error(`${target} -> 502: ${problem} (RequestId: ${requestId})${detail !== undefined ? `\n${detail}` : ""}`)
      write(res, badGateway(options.shape))
    }
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= P.MAX_BUFFERED_RESPONSE_BYTES) chunks.push(chunk)
    })
    req.on("end", () => {
      // Lambda's synchronous invocation limit (6 MB) applies to the event: the front door answers 413.
      if (size > P.MAX_BUFFERED_RESPONSE_BYTES) {
        log.error(`${target} -> 413: the request body (${size} bytes) exceeds Lambda's 6 MB invocation payload`)
        return write(res, tooLarge)
      }
      const incoming: IncomingRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        sourceIp: sourceIpOf(req),
        port,
        httpVersion: req.httpVersion
      }
      const built = buildEvent(options.shape, incoming, {
        albMultiValueHeaders: options.albMultiValueHeaders === true
      })
      const upstream = http.request(invokeUrl, {
        method: "POST",
        agent,
        headers: { "content-type": P.contentTypes.json, [P.invokeHeaders.traceId]: built.traceId }
      }, (answer) => {
        const requestId = headerText(answer.headers[P.invokeHeaders.requestId]) ?? "-"
        // An error while answering fails this request (a 502, or a cut body once it started), never the server.
        const guarded = (step: () => void) => {
          try {
            step()
          } catch (error) {
            answer.destroy()
            if (res.headersSent) return void res.destroy()
            fail(requestId, `cannot answer: ${error instanceof Error ? error.message : String(error)}`)
          }
        }
        guarded(() => onAnswer(answer, requestId, guarded))
      })
      const onAnswer = (
        answer: http.IncomingMessage,
        requestId: string,
        guarded: (step: () => void) => void
      ) => {
        // Only a live stream announces trailers (where an error after the first byte travels).
        if (answer.headers.trailer !== undefined) {
          return passThrough(answer, res, requestId, target, log, () => done(answer.statusCode ?? 200, requestId))
        }
        const body: Array<Buffer> = []
        answer.on("data", (chunk: Buffer) => body.push(chunk))
        answer.on("end", () =>
          guarded(() => {
            const payload = Buffer.concat(body)
            const functionError = headerText(answer.headers[P.invokeHeaders.functionError])
            if (answer.statusCode === 413) {
              // The event (the body base64-encoded, with the request's metadata) is over the limit.
              log.error(`${target} -> 413: the event exceeds Lambda's 6 MB invocation payload`)
              return write(res, tooLarge)
            }
            if (answer.statusCode !== 200 || functionError !== undefined) {
              const problem = `the function failed${functionError !== undefined ? ` (${functionError})` : ""}`
              return fail(requestId, problem, describeDocument(payload.toString("utf8")))
            }
            if (headerText(answer.headers[P.headers.contentType]) === P.contentTypes.httpIntegration) {
              return fail(requestId, "the streamed response has no valid HTTP integration prelude")
            }
            const decoded = decodeResponse(options.shape, payload)
            if (decoded._tag === "Malformed") {
              return fail(requestId, `malformed response: ${decoded.reason}`, payload.toString("utf8"))
            }
            write(res, decoded.answer, options.shape === "alb" ? undefined : requestId)
            done(decoded.answer.statusCode, requestId)
          }))
      }
      let clientGone = false
      upstream.on("error", (error) => {
        if (!clientGone) fail("-", `cannot invoke the function: ${error.message}`)
      })
      // A client that goes away stops the forwarding; the invocation itself runs to its end, as on Lambda.
      res.on("close", () => {
        if (res.writableFinished) return
        clientGone = true
        log.info(`${target}: the client went away; the invocation goes on`)
        upstream.destroy()
      })
      upstream.end(JSON.stringify(built.event))
    })
  }

  return new Promise<FrontDoor>((resolve, reject) => {
    const server = http.createServer((req, res) => handle(req, res, (server.address() as AddressInfo).port))
    server.once("error", (error) => {
      agent.destroy()
      reject(new Error(`effect-lambda serve: cannot listen on 127.0.0.1:${options.port}: ${error.message}`))
    })
    server.listen(options.port, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((closed) => {
            server.close(() => {
              agent.destroy()
              closed()
            })
            server.closeAllConnections()
          })
      })
    })
  })
}

const tooLarge: HttpAnswer = {
  statusCode: 413,
  headers: { "content-type": "application/json" },
  body: Buffer.from(JSON.stringify({ message: "Request Entity Too Large" }))
}

/** Writes a complete answer (no-op when the client is gone or the answer started). */
const write = (res: http.ServerResponse, answer: HttpAnswer, requestId?: string) => {
  if (res.destroyed || res.headersSent) return
  const bodyless = answer.statusCode === 204 || answer.statusCode === 304
  res.writeHead(answer.statusCode, answer.statusMessage ?? http.STATUS_CODES[answer.statusCode] ?? "", {
    ...answer.headers,
    ...(requestId !== undefined ? { [P.invokeHeaders.requestId]: requestId } : {}),
    ...(bodyless ? {} : { "content-length": String(answer.body.byteLength) })
  })
  res.end(bodyless ? undefined : answer.body)
}

/**
 * A streamed answer: status and headers from the prelude (decoded by the invoke endpoint), then
 * the body chunk by chunk at the client's pace. An error after the first byte can only arrive in
 * the trailers: the body is then cut (the client sees a truncated response, not a clean end).
 */
const passThrough = (
  answer: http.IncomingMessage,
  res: http.ServerResponse,
  requestId: string,
  target: string,
  log: FrontDoorLog,
  done: () => void
) => {
  const headers: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && passesThrough(name)) headers[name] = value
  }
  res.writeHead(answer.statusCode ?? 200, headers)
  res.flushHeaders()
  answer.on("data", (chunk: Buffer) => {
    if (!res.write(chunk)) {
      answer.pause()
      res.once("drain", () => answer.resume())
    }
  })
  answer.on("end", () => {
    const errorType = headerText(answer.trailers[P.headers.functionErrorType])
    if (headerText(answer.trailers[P.invokeHeaders.functionError]) === undefined) {
      res.end()
      return done()
    }
    const body = headerText(answer.trailers[P.headers.functionErrorBody])
    log.error(
      `${target}: the function failed mid-stream (${
        errorType ?? "Unhandled"
      }); the body is cut (RequestId: ${requestId})` +
        (body !== undefined ? `\n${describeDocument(Buffer.from(body, "base64").toString("utf8"))}` : "")
    )
    // Ending the socket (after what was written is flushed) without the chunked terminator: the
    // client gets the bytes sent so far and then an incomplete response, as from a cut stream.
    const socket = res.socket
    if (socket === null) return void res.destroy()
    socket.end()
  })
}
