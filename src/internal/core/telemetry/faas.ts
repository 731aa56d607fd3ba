/**
 * OpenTelemetry's FaaS conventions for one invocation: its trigger from the event's shape and the
 * attributes of its SERVER span.
 *
 * @internal
 */

/**
 * `faas.trigger`: `http` (API Gateway REST and HTTP APIs, function URLs, ALB), `pubsub` (SQS,
 * SNS, Kinesis, EventBridge events, MSK...), `datasource` (S3, DynamoDB streams), `timer`
 * (EventBridge Scheduler and scheduled rules), `other`.
 *
 * @internal
 */
export type Trigger = "http" | "pubsub" | "datasource" | "timer" | "other"

/**
 * The trigger, from the event's shape alone (never throws, whatever the event).
 *
 * @internal
 */
export const triggerOf = (event: unknown): Trigger => {
  void event
  throw new Error("not implemented")
}

/**
 * The invocation's SERVER span attributes: `faas.invocation_id`, `faas.coldstart` (true on the
 * process's first invocation only), `faas.trigger`, `cloud.provider`, `cloud.region`,
 * `cloud.account.id` (from the invoked ARN), `aws.lambda.invoked_arn`.
 *
 * @internal
 */
export const invocationAttributes = (invocation: {
  readonly requestId: string
  readonly invokedFunctionArn: string
  readonly coldStart: boolean
  readonly trigger: Trigger
  readonly region: string
}): Record<string, string | boolean> => {
  void invocation
  throw new Error("not implemented")
}
