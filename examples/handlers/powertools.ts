// Powertools Logger and Tracer from an Effect handler. `context.node` is Node's Lambda context, so
// `logger.addContext` (typed against @types/aws-lambda's `Context`) accepts it and every line,
// in the handler and in detached work, carries function_request_id and the function's fields.
// The handler runs as an X-Ray subsegment of the invocation's trace, with annotations.
//
// Tracer is off locally (it turns itself on only where AWS_EXECUTION_ENV is set: on Lambda, and
// through the `bootstrap` that `effect-lambda build` writes, which sets it on provided.al2023).
import { Logger } from "@aws-lambda-powertools/logger"
import { Tracer } from "@aws-lambda-powertools/tracer"
import { Effect } from "effect"
import { LambdaContext } from "../../src/index.js"

const logger = new Logger({ serviceName: "orders" })
const tracer = new Tracer({ serviceName: "orders" })

/** `effect` as an X-Ray subsegment of the current segment, closed (flagged on failure) when it ends. */
const traced = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const parent = tracer.getSegment()
      const subsegment = parent?.addNewSubsegment(name)
      if (subsegment !== undefined) tracer.setSegment(subsegment)
      return { parent, subsegment }
    }),
    () => effect,
    ({ parent, subsegment }, exit) =>
      Effect.sync(() => {
        if (exit._tag === "Failure") subsegment?.addErrorFlag()
        subsegment?.close()
        if (parent !== undefined) tracer.setSegment(parent)
      })
  )

export const handler = (event: { readonly orderId: string }, context: LambdaContext) =>
  traced(
    "## handler",
    Effect.gen(function*() {
      logger.addContext(context.node)
      tracer.annotateColdStart()
      tracer.putAnnotation("orderId", event.orderId)
      yield* Effect.sync(() => logger.info("order received", { orderId: event.orderId }))
      // After the response: the line keeps the invocation's context.
      yield* LambdaContext.detach(
        Effect.sync(() => logger.info(`order flushed ${event.orderId}`, { orderId: event.orderId }))
      )
      return { accepted: event.orderId }
    })
  )
