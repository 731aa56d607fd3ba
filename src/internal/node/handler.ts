/**
 * A plain Node handler (`async (event, context)` or `(event, context, callback)`) as this
 * runtime's handler: the user's function runs inside the invocation's fiber, so the loop's
 * deadline, error documents, logs and detached work apply to it unchanged. What a handler may be,
 * and how each form is called, follows the Node line (core/nodeLine.ts): no callback handlers
 * from Node 24 on.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { LambdaContext } from "../../LambdaContext.js"
import type * as LambdaHandler from "../../LambdaHandler.js"
import { failureOf } from "../core/errorDocument.js"
import type { UserFunction } from "../core/handlerResolution.js"
import * as NodeLine from "../core/nodeLine.js"
import { json } from "../runtime/handler.js"
import { resumeNow } from "../runtime/scheduler.js"
import * as NodeContext from "./dropInContext.js"
import { fromStreamingFunction } from "./streamifyResponse.js"

/**
 * The runtime's handler for plain Node function `fn`, by the rules of the managed runtime of Node
 * `major` (by default the running Node's): on Node 24 and later a callback handler fails with
 * `Runtime.CallbackHandlerDeprecated` (the drop-in's init error), and the context has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`.
 *
 * @internal
 */
export const fromFunction = (
  fn: UserFunction,
  major: number = NodeLine.currentMajor()
): Effect.Effect<LambdaHandler.LambdaHandler<unknown>, NodeLine.CallbackHandlerDeprecated> => {
  const kind = NodeLine.classify(fn, major)
  switch (kind._tag) {
    case "Deprecated":
      return Effect.fail(kind.error)
    case "Streaming":
      return Effect.succeed(fromStreamingFunction(fn, kind.legacy))
    case "Call":
      // The handler's fiber itself, not `Effect.runtime()` (which copies its refs every time):
      // detach makes a runtime from it when it is called.
      return Effect.succeed(
        json((event: unknown, context: LambdaContext) =>
          Effect.withFiberRuntime<unknown, unknown>((fiber, status) =>
            Effect.async<unknown, unknown>((resume) =>
              kind.form(fn, event, (legacy) => NodeContext.make(context, fiber, status.runtimeFlags, legacy), {
                // From the promise's continuation: the fiber runs on at once (runtime/scheduler.ts).
                succeed: (value) => resumeNow(() => resume(Effect.succeed(value))),
                fail: (error) => resumeNow(() => resume(Effect.fail(failureOf(error))))
              })
            )
          )
        )
      )
  }
}
