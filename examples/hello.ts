/**
 * The smallest function: a JSON event in, a JSON result out.
 *
 *   npx effect-lambda run examples/hello.ts --event - <<< '{"name":"world"}'
 */
import { Effect } from "effect"
import { LambdaRuntime } from "../src/index.js"

LambdaRuntime.run((event: { readonly name?: string }) =>
  Effect.succeed({ greeting: `hello, ${event?.name ?? "stranger"}` })
)
