/**
 * The entry of the layers example (the handler and its layer are in `handlers/layers.ts`): the
 * SQS client is built once, before the first invocation, and released on shutdown.
 *
 * With AWS credentials and a queue of yours in the environment:
 *
 *   QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/orders \
 *     npx effect-lambda run examples/layers.ts --event examples/events/order.json
 */
import { LambdaRuntime } from "../src/index.js"
import { handler, layer } from "./handlers/layers.js"

LambdaRuntime.run(handler, { layer })
