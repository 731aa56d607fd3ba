/**
 * effect-lambda-runtime: an AWS Lambda custom runtime for Node.js built on Effect.
 *
 * @since 0.1.0
 */

/**
 * Start the runtime: `LambdaRuntime.run(handler, options)`.
 *
 * @since 0.1.0
 */
export * as LambdaRuntime from "./LambdaRuntime.js"

/**
 * The per-invocation context: the handler's second argument and a `Context.Tag`.
 *
 * @since 0.1.0
 */
export { LambdaContext } from "./LambdaContext.js"

/**
 * Node's Lambda `context` (`context.node`), typed as `@types/aws-lambda`'s `Context`.
 *
 * @since 0.1.0
 */
export type { NodeClientContext, NodeCognitoIdentity, NodeContext } from "./LambdaContext.js"

/**
 * Handler forms: JSON with optional Schemas, raw bytes, streamed responses (`stream`,
 * `httpStream` for Function URLs and API Gateway).
 *
 * @since 0.1.0
 */
export * as LambdaHandler from "./LambdaHandler.js"

/**
 * HTTP apps: serve an `HttpApp` or an `HttpApi` from API Gateway, Function URLs and ALB.
 *
 * @since 0.1.0
 */
export * as LambdaHttp from "./LambdaHttp.js"

/**
 * The typed errors of the runtime.
 *
 * @since 0.1.0
 */
export * as LambdaError from "./LambdaError.js"

/**
 * The Runtime API client service the loop depends on.
 *
 * @since 0.1.0
 */
export * as RuntimeApi from "./RuntimeApi.js"

/**
 * Event sources: Schemas for SQS, SNS, S3, EventBridge, DynamoDB Streams, Kinesis and
 * scheduled events, and batch handlers with partial failures (`sqs`, `kinesis`, `dynamodb`).
 *
 * @since 0.1.0
 */
export * as LambdaEvents from "./LambdaEvents.js"
