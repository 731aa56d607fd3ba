/**
 * The entry of the detached-work example (the handler is in `handlers/detached.ts`): the
 * response is posted first, the metrics flush runs after it and before the next invocation.
 *
 *   npx effect-lambda run examples/detached.ts --event examples/events/order.json --count 3
 */
import { LambdaRuntime } from "../src/index.js"
import { handler } from "./handlers/detached.js"

LambdaRuntime.run(handler)
