/**
 * The entry of the DynamoDB Streams example (the handler and the `Order` Schema are in
 * `handlers/dynamodb-stream.ts`): the batch is checkpointed at the first record that fails.
 *
 *   npx effect-lambda event dynamodb | npx effect-lambda run examples/dynamodb-stream.ts --event -
 *
 * (the sample's images are not orders, so that run shows the checkpoint at its first record).
 */
import { LambdaRuntime } from "../src/index.js"
import { handler } from "./handlers/dynamodb-stream.js"

LambdaRuntime.run(handler)
