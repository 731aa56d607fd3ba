/**
 * Types for plain Node.js handlers served by the drop-in bootstrap (`effect-lambda-runtime/node`,
 * `effect-lambda build --drop-in`). This module has types only: importing it starts nothing and
 * loads nothing, unlike `effect-lambda-runtime/node`, whose import starts the runtime.
 *
 * @example
 * ```ts
 * // index.ts, compiled to index.mjs and deployed with _HANDLER=index.handler
 * import type { DropInContext } from "effect-lambda-runtime/DropIn"
 *
 * export const handler = async (event: { readonly id: string }, context: DropInContext) => {
 *   context.detach(async (signal) => {
 *     await fetch("https://audit.example.com", { method: "POST", body: JSON.stringify(event), signal })
 *   })
 *   return { accepted: event.id, requestId: context.awsRequestId }
 * }
 * ```
 *
 * @since 0.1.0
 */
import type { NodeHandlerContext } from "./internal/core/nodeContext.js"

/**
 * The `context` a plain Node handler receives on the drop-in: Node's Lambda `Context` (the fields
 * of `@types/aws-lambda`'s `Context`, so it can be passed wherever one is expected, e.g.
 * Powertools' `logger.addContext(context)`) plus `detach`.
 *
 * Typing the handler's `context` as `@types/aws-lambda`'s `Context` hides `detach`
 * (`TS2339: Property 'detach' does not exist on type 'Context'`); type it as `DropInContext`.
 *
 * On Node 24 and later, as on Lambda's `nodejs24.x`, the object has no
 * `callbackWaitsForEmptyEventLoop`, `succeed`, `fail` or `done`, which the type still declares (as
 * `Context` does); on Node 20 and 22 it has them.
 *
 * `context.detach(work)` runs `work` as detached work of this invocation: it starts now, may go
 * on after the response is posted, and the runtime waits for it before asking for the next
 * invocation. At `deadline - timeoutMargin` its `signal` aborts and the runtime stops waiting (a
 * promise cannot be stopped: it is abandoned). A rejection is logged with the request id and never
 * changes the response.
 *
 * @example
 * ```ts
 * import type { DropInContext } from "effect-lambda-runtime/DropIn"
 *
 * export const handler = async (event: { readonly orderId: string }, context: DropInContext) => {
 *   // Runs after the response; awaited before the next invocation; `signal` aborts at the deadline.
 *   context.detach((signal) => fetch("https://metrics.example.com", { method: "POST", body: event.orderId, signal }))
 *   return { accepted: event.orderId }
 * }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type DropInContext = NodeHandlerContext
