/**
 * The entry of the typed-errors example (the handler and its event Schema are in
 * `handlers/errors.ts`): a bad event is a `Runtime.UnmarshalError` naming the failing path.
 *
 *   npx effect-lambda run examples/errors.ts --event - <<< '{"action":"decline"}'
 */
import { LambdaRuntime } from "../src/index.js"
import { Command, handler } from "./handlers/errors.js"

LambdaRuntime.run(handler, { event: Command })
