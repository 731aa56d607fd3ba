/**
 * The entry of the response-streaming example (the handler is in `handlers/streaming.ts`): a
 * CSV export streamed to a Function URL in `RESPONSE_STREAM` invoke mode.
 *
 *   npx effect-lambda run examples/streaming.ts --event - <<< '{"rows":5}'
 */
import { LambdaRuntime } from "../src/index.js"
import { handler } from "./handlers/streaming.js"

LambdaRuntime.run(handler)
