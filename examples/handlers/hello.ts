/**
 * The smallest function: a JSON event in, a JSON result out. The entry that runs it is
 * `examples/hello.ts`; this module only defines it, so that a test can import it.
 */
import { Effect } from "effect"

export const handler = (event: { readonly name?: string }) =>
  Effect.succeed({ greeting: `hello, ${event?.name ?? "stranger"}` })
