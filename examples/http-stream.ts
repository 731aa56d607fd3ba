/**
 * The entry of the server-sent events example (the router and the handler are in
 * `handlers/http-stream.ts`): deploy behind a Function URL in `RESPONSE_STREAM` invoke mode.
 *
 *   npx effect-lambda run examples/http-stream.ts --event examples/events/http-stream.json
 */
import { LambdaRuntime } from "../src/index.js"
import { handler } from "./handlers/http-stream.js"

LambdaRuntime.run(handler)
