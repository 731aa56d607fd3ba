/**
 * The entry of the SQS batch example (the handler and the `Order` Schema are in
 * `handlers/sqs-batch.ts`): poisoned messages are reported in `batchItemFailures`.
 *
 *   npx effect-lambda event sqs | npx effect-lambda run examples/sqs-batch.ts --event -
 */
import { LambdaRuntime } from "../src/index.js"
import { handler } from "./handlers/sqs-batch.js"

LambdaRuntime.run(handler)
