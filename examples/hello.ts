/**
 * The entry of the smallest function (the handler is in `handlers/hello.ts`, where tests import it).
 *
 *   npx effect-lambda run examples/hello.ts --event - <<< '{"name":"world"}'
 */
import { LambdaRuntime } from "../src/index.js"
import { handler } from "./handlers/hello.js"

LambdaRuntime.run(handler)
