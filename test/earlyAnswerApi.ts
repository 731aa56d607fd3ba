/**
 * A Runtime API on loopback that answers the first invocation's streamed `/response` with 400
 * while its body is still coming (the platform has stopped reading it), and accepts the second
 * one whole. Behind Promises, so that both lines' streaming suites use it.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export interface EarlyAnswerApi {
  /** `host:port`, the function's `AWS_LAMBDA_RUNTIME_API`. */
  readonly host: string
  /** The body of the second invocation's `/response`, once it has ended. */
  readonly secondBody: Promise<string>
  /** Resolves when the runtime asks for a third invocation (it never gets one). */
  readonly thirdNext: Promise<void>
  readonly close: () => Promise<void>
}

const invocationHeaders = (requestId: string) => ({
  "lambda-runtime-aws-request-id": requestId,
  "lambda-runtime-deadline-ms": String(Date.now() + 3000),
  "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:test-fn",
  "content-type": "application/json"
})

/** Starts the API; its events are `{ n: 1 }` and `{ n: 2 }`. */
export const startEarlyAnswerApi = (): Promise<EarlyAnswerApi> => {
  let nexts = 0
  let thirdNext!: () => void
  let secondBody!: (body: string) => void
  const third = new Promise<void>((resolve) => (thirdNext = resolve))
  const second = new Promise<string>((resolve) => (secondBody = resolve))
  const server = http.createServer((req, res) => {
    if (req.url!.endsWith("/next")) {
      nexts++
      if (nexts > 2) return void thirdNext()
      res.writeHead(200, invocationHeaders(`req-${nexts}`))
      return void res.end(JSON.stringify({ n: nexts }))
    }
    if (req.url!.includes("req-1")) {
      return void req.once("data", () => {
        res.writeHead(400, { "content-type": "application/json" })
        res.end(`{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
      })
    }
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      res.writeHead(202, { "content-type": "application/json" })
      res.end(`{"status":"OK"}`)
      secondBody(Buffer.concat(chunks).toString())
    })
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        secondBody: second,
        thirdNext: third,
        close: () =>
          new Promise<void>((closed) => {
            server.closeAllConnections()
            server.close(() => closed())
          })
      }))
  )
}
