/**
 * Types for plain Node.js handlers served by the Effect 4 line's drop-in bootstrap
 * (`effect-lambda-runtime/node`, `Build.build({ dropIn: true })`). Types only:
 * importing this module starts and loads nothing.
 *
 * @example
 * ```ts no-check
 * import type { DropInContext } from "effect-lambda-runtime/DropIn"
 *
 * export const handler = async (event: { readonly id: string }, context: DropInContext) => {
 *   context.detach((signal) => fetch("https://audit.example.com", { method: "POST", body: event.id, signal }))
 *   return { accepted: event.id, requestId: context.awsRequestId }
 * }
 * ```
 *
 * @since 1.0.0
 */
import type { NodeContext } from "./internal/core.js"

/**
 * The `context` a plain Node handler receives on the drop-in: the fields of Node's Lambda
 * `Context` (as `@types/aws-lambda` declares them, so it can be passed wherever one is expected)
 * plus `detach(work)`, which starts `work(signal)` now as detached work of the invocation: the
 * runtime waits for it before the next invocation, aborts `signal` at
 * `deadline - timeoutMargin`, and logs a rejection with the request id without changing the
 * response. From Node 24 on, as on Lambda's `nodejs24.x`, the object has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`.
 *
 * @since 1.0.0
 * @category models
 */
export type DropInContext = NodeContext.NodeHandlerContext
