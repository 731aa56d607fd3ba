/**
 * A fake SQS endpoint on loopback, speaking the AWS JSON 1.0 protocol the SDK v3 uses for
 * `SendMessage`. Point a queue URL at `endpoint` (the SDK sends each request to the queue URL's
 * origin when no endpoint is configured) or set the client's `endpoint` to it.
 */
import { Effect, Queue } from "effect"
import type { Scope } from "effect"
import { createHash } from "node:crypto"
import { now, scriptedServer } from "./support.js"

/** A `SendMessage` the endpoint received. */
export interface SqsRequest {
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
  readonly answer: Effect.Effect<number>
}

/** The message id the endpoint answers: derived from the body, so tests can predict it. */
export const messageIdOf = (messageBody: string) => `m-${messageBody.length}`

export const fakeSqs = (
  options: { readonly hold?: boolean } = {}
): Effect.Effect<{ readonly endpoint: string; readonly requests: Queue.Dequeue<SqsRequest> }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const requests = yield* Queue.unbounded<SqsRequest>()
    const server = yield* scriptedServer((req, body, res) => {
      const receivedAt = now()
      const input = JSON.parse(body.toString()) as { QueueUrl: string; MessageBody: string }
      let answeredAt: number | undefined
      const send = () => {
        if (answeredAt !== undefined) return answeredAt
        answeredAt = now()
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" })
        res.end(JSON.stringify({
          MessageId: messageIdOf(input.MessageBody),
          // The SDK checks the body's MD5 and fails the call when it does not match.
          MD5OfMessageBody: createHash("md5").update(input.MessageBody).digest("hex")
        }))
        return answeredAt
      }
      if (options.hold !== true) send()
      Queue.unsafeOffer(requests, {
        target: String(req.headers["x-amz-target"]),
        queueUrl: input.QueueUrl,
        messageBody: input.MessageBody,
        receivedAt,
        answer: Effect.sync(send)
      })
    })
    return { endpoint: `http://${server.host}`, requests }
  })
