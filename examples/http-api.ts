/**
 * The entry of the HttpApi example (the API, its handlers and the Lambda handler are in
 * `handlers/http-api.ts`): API Gateway (REST and HTTP APIs), Function URLs and ALB.
 *
 *   npx effect-lambda run examples/http-api.ts --event examples/events/http-api-get.json
 */
import { LambdaRuntime } from "../src/index.js"
import { handler } from "./handlers/http-api.js"

LambdaRuntime.run(handler)
