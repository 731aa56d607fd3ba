// The realistic functions' SQS calls, which need no Effect: shared by both lines' `Orders`
// services (bench/functions/realistic/orders.ts and packages/effect4/bench/functions/realistic/
// orders.ts), so that the lines differ only where Effect does.
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"

/** An AWS SDK v3 SQS client, sending to `endpoint` when one is given (a local fake in the bench). */
export const sqsClient = (endpoint: string | undefined): SQSClient =>
  new SQSClient(endpoint === undefined ? {} : { endpoint })

/**
 * Sends `message` as JSON to `queueUrl`; resolves with SQS's message id. `signal` aborts the
 * HTTP call (the Effect that wraps it is interrupted at the deadline).
 */
export const sendJson = (
  client: SQSClient,
  queueUrl: string,
  message: unknown,
  signal: AbortSignal
): Promise<string> =>
  client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }), {
    abortSignal: signal
  }).then((output) => output.MessageId ?? "")
