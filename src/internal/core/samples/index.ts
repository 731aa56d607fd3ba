/**
 * Realistic sample events by source name, for `effect-lambda event <source>` (to feed
 * `effect-lambda run --event -`) and for tests.
 */
import * as http from "./http.js"
import * as sources from "./sources.js"

/** @internal */
export const samples = {
  "apigw-v1": http.apiGatewayV1,
  "apigw-v2": http.apiGatewayV2,
  "function-url": http.functionUrl,
  alb: http.alb,
  sqs: sources.sqs,
  "sqs-fifo": sources.sqsFifo,
  sns: sources.sns,
  s3: sources.s3,
  eventbridge: sources.eventBridge,
  dynamodb: sources.dynamodb,
  kinesis: sources.kinesis,
  scheduled: sources.scheduled
} as const

/** @internal */
export type SampleName = keyof typeof samples

/** @internal */
export const sampleNames = Object.keys(samples) as ReadonlyArray<SampleName>

/**
 * The sample as the JSON text a command prints, or `undefined` for an unknown source.
 *
 * @internal
 */
export const sampleJson = (name: string): string | undefined =>
  Object.hasOwn(samples, name) ? JSON.stringify(samples[name as SampleName], null, 2) : undefined
