/**
 * The fake SQS endpoint of test/sqsEndpoint.ts for the Effect 3 suite: scoped, its requests in
 * a `Queue`.
 */
import { Effect, Queue } from "effect"
import type { Scope } from "effect"
import type { SqsMessage } from "./sqsEndpoint.js"
import { startSqsEndpoint } from "./sqsEndpoint.js"

export { messageIdOf } from "./sqsEndpoint.js"

/** A `SendMessage` the endpoint received; `answer` as in {@link SqsMessage}, as an Effect. */
export interface SqsRequest extends Omit<SqsMessage, "answer"> {
  readonly answer: Effect.Effect<number>
}

export const fakeSqs = (
  options: { readonly hold?: boolean } = {}
): Effect.Effect<{ readonly endpoint: string; readonly requests: Queue.Dequeue<SqsRequest> }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const sqs = yield* Effect.acquireRelease(
      Effect.promise(() => startSqsEndpoint(options)),
      (sqs) => Effect.promise(sqs.close)
    )
    const requests = yield* Queue.unbounded<SqsRequest>()
    yield* Effect.promise(sqs.take).pipe(
      Effect.flatMap((message) => Queue.offer(requests, { ...message, answer: Effect.sync(message.answer) })),
      Effect.forever,
      Effect.forkScoped
    )
    return { endpoint: sqs.endpoint, requests }
  })
