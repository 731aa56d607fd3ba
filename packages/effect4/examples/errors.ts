/**
 * Typed failures on the Effect 4 line, and what the caller sees. A `Data.TaggedError` becomes the
 * `errorType` of Lambda's error document; a defect keeps its `Error` name; a bad event is a
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
import { Data, Effect, Schema } from "effect"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

class PaymentDeclined extends Data.TaggedError("PaymentDeclined")<{ readonly reason: string }> {
  override get message() {
    return `card declined: ${this.reason}`
  }
}

const Command = Schema.Struct({ action: Schema.Literals(["pay", "decline", "crash"]) })

LambdaRuntime.run(
  (command) =>
    Effect.gen(function*() {
      switch (command.action) {
        case "decline":
          return yield* new PaymentDeclined({ reason: "insufficient funds" })
        case "crash":
          return yield* Effect.die(new TypeError("Cannot read properties of undefined (reading 'card')"))
        case "pay":
          return { paid: true }
      }
    }),
  { event: Command }
)
