/**
 * Typed failures on the Effect 4 line, and what the caller sees. A `Data.TaggedError` becomes
 * the `errorType` of Lambda's error document; a defect keeps its `Error` name; a bad event is a
 * `Runtime.UnmarshalError` that names the path that failed (the `Command` Schema, given to the
 * runtime as the `event` option).
 *
 *   {"action":"decline"}  -> {"errorType":"PaymentDeclined","errorMessage":"card declined: insufficient funds",...}
 *   {"action":"crash"}    -> {"errorType":"TypeError",...}
 *   {"action":"other"}    -> {"errorType":"Runtime.UnmarshalError","errorMessage":"... [\"action\"] ..."}
 *   {"action":"pay"}      -> {"paid":true}
 *
 *   PATH=<Node 22>:$PATH npx effect-lambda run packages/effect4/examples/errors.ts --event - <<< '{"action":"decline"}'
 */
import { Effect, Schema } from "effect"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

/**
 * The card was refused: an expected failure, in the handler's error type. A Schema-backed error
 * (Effect 4's `Schema.TaggedError`): its fields are validated, and it is yielded like an Effect.
 */
class PaymentDeclined extends Schema.TaggedError<PaymentDeclined>()("PaymentDeclined", { reason: Schema.String }) {
  override get message() {
    return `card declined: ${this.reason}`
  }
}

/** The events this function accepts; anything else is refused before the handler runs. */
const Command = Schema.Struct({ action: Schema.Literals(["pay", "decline", "crash"]) })

/** What each action does: succeed, fail with a typed error, or die with a defect. */
const actions = {
  pay: Effect.succeed({ paid: true }),
  decline: Effect.fail(new PaymentDeclined({ reason: "insufficient funds" })),
  // A bug, not a failure the caller can act on: a defect, reported under its Error's name.
  crash: Effect.die(new TypeError("Cannot read properties of undefined (reading 'card')"))
} satisfies Record<typeof Command.Type["action"], Effect.Effect<unknown, PaymentDeclined>>

LambdaRuntime.run((command: typeof Command.Type) => actions[command.action], { event: Command })
