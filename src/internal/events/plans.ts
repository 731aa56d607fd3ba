/**
 * How each batch source is read: the plans are the shared core's (core/batch.ts); only the
 * margin, a `Duration`, is read with this line's Effect.
 */
import * as Duration from "effect/Duration"
import * as core from "../core/batch.js"

/** @internal */
export const marginMs = (timeoutMargin: Duration.DurationInput | undefined): number =>
  timeoutMargin === undefined ? core.defaultTimeoutMarginMs : Duration.toMillis(Duration.decode(timeoutMargin))

/** @internal */
export const positiveInteger = core.positiveInteger

/** @internal */
export const sqs = core.sqsPlan

/** @internal */
export const kinesis = core.kinesisPlan

/** @internal */
export const dynamodb = core.dynamodbPlan
