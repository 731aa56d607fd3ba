/**
 * A fake SQS endpoint on loopback, speaking the AWS JSON 1.0 protocol the SDK v3 uses for
 * `SendMessage`, behind Promises so that both lines' suites use it (test/fakeSqs.ts wraps it
 * for the Effect 3 suite). Point a queue URL at `endpoint` (the SDK sends each request to the
 * queue URL's origin when no endpoint is configured) or set the client's `endpoint` to it.
 */
import { createHash } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { performance } from "node:perf_hooks"

/** A `SendMessage` the endpoint received. */
export interface SqsMessage {
  /** The `X-Amz-Target` header (`AmazonSQS.SendMessage`). */
  readonly target: string
  readonly queueUrl: string
  readonly messageBody: string
  /** When the request arrived (epoch ms, sub-millisecond). */
  readonly receivedAt: number
  /**
   * Sends the answer and returns when it was sent; with `hold`, the request waits for it, with
   * the function's call to SQS still in flight. Without `hold` it was answered on arrival and
   * this only returns that time.
   */
  readonly answer: () => number
}

/** The message id the endpoint answers: derived from the body, so tests can predict it. */
export const messageIdOf = (messageBody: string) => `m-${messageBody.length}`

export interface SqsEndpoint {
  readonly endpoint: string
  /** The next request, in arrival order (each is handed out once). */
  readonly take: () => Promise<SqsMessage>
  readonly close: () => Promise<void>
}

const nowMs = () => performance.timeOrigin + performance.now()

export const startSqsEndpoint = (options: { readonly hold?: boolean } = {}): Promise<SqsEndpoint> => {
  const arrived: Array<SqsMessage> = []
  const takers: Array<(message: SqsMessage) => void> = []
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const receivedAt = nowMs()
      const input = JSON.parse(Buffer.concat(chunks).toString()) as { QueueUrl: string; MessageBody: string }
      let answeredAt: number | undefined
      const answer = () => {
        if (answeredAt !== undefined) return answeredAt
        answeredAt = nowMs()
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" })
        res.end(JSON.stringify({
          MessageId: messageIdOf(input.MessageBody),
          // The SDK checks the body's MD5 and fails the call when it does not match.
          MD5OfMessageBody: createHash("md5").update(input.MessageBody).digest("hex")
        }))
        return answeredAt
      }
      if (options.hold !== true) answer()
      const message: SqsMessage = {
        target: String(req.headers["x-amz-target"]),
        queueUrl: input.QueueUrl,
        messageBody: input.MessageBody,
        receivedAt,
        answer
      }
      const taker = takers.shift()
      if (taker !== undefined) taker(message)
      else arrived.push(message)
    })
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        take: () => {
          const message = arrived.shift()
          return message !== undefined ? Promise.resolve(message) : new Promise((taken) => takers.push(taken))
        },
        close: () =>
          new Promise((closed) => {
            server.closeAllConnections()
            server.close(() => closed())
          })
      })
    })
  )
}
