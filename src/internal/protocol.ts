/**
 * Everything this package knows about the Lambda Runtime API wire format: paths, header
 * names, limits, status codes and environment variable names. The client, the loop and the
 * emulator all read from here so that the protocol lives in exactly one place.
 *
 * @internal
 */

/** Runtime API version prefix. */
export const RUNTIME_PREFIX = "/2018-06-01/runtime"
/** Extensions API version prefix. */
export const EXTENSION_PREFIX = "/2020-01-01/extension"

export const paths = {
  next: `${RUNTIME_PREFIX}/invocation/next`,
  response: (requestId: string) => `${RUNTIME_PREFIX}/invocation/${encodeURIComponent(requestId)}/response`,
  error: (requestId: string) => `${RUNTIME_PREFIX}/invocation/${encodeURIComponent(requestId)}/error`,
  initError: `${RUNTIME_PREFIX}/init/error`,
  extensionRegister: `${EXTENSION_PREFIX}/register`,
  extensionNext: `${EXTENSION_PREFIX}/event/next`,
  /** The invoke endpoint of the official Runtime Interface Emulator. */
  invoke: "/2015-03-31/functions/function/invocations"
} as const

/** Header names, lower case (Node's `http` module lower-cases incoming names). */
export const headers = {
  requestId: "lambda-runtime-aws-request-id",
  deadlineMs: "lambda-runtime-deadline-ms",
  functionArn: "lambda-runtime-invoked-function-arn",
  traceId: "lambda-runtime-trace-id",
  clientContext: "lambda-runtime-client-context",
  cognitoIdentity: "lambda-runtime-cognito-identity",
  tenantId: "lambda-runtime-aws-tenant-id",
  functionErrorType: "lambda-runtime-function-error-type",
  functionErrorBody: "lambda-runtime-function-error-body",
  responseMode: "lambda-runtime-function-response-mode",
  extensionName: "lambda-extension-name",
  extensionIdentifier: "lambda-extension-identifier",
  contentType: "content-type"
} as const

/** The platform buffers at most `6 * 1024 * 1024 + 100` bytes of a buffered response or an event. */
export const MAX_BUFFERED_RESPONSE_BYTES = 6 * 1024 * 1024 + 100

/** Streamed responses are capped at 200 MB. */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024

/** Error types this runtime produces itself (the `errorType` of the posted error document). */
export const errorTypes = {
  handlerTimeout: "Runtime.HandlerTimeout",
  responseTooLarge: "Function.ResponseSizeTooLarge",
  unmarshal: "Runtime.UnmarshalError",
  marshal: "Runtime.MarshalError",
  unhandled: "Runtime.Unhandled",
  handlerError: "Runtime.HandlerError",
  interrupted: "Runtime.HandlerInterrupted",
  initError: "Runtime.InitError",
  exitError: "Runtime.ExitError",
  streamError: "Runtime.StreamError"
} as const

/** Content types. */
export const contentTypes = {
  json: "application/json",
  octetStream: "application/octet-stream",
  httpIntegration: "application/vnd.awslambda.http-integration-response"
} as const

/** Environment variables the runtime reads or writes. */
export const env = {
  runtimeApi: "AWS_LAMBDA_RUNTIME_API",
  handler: "_HANDLER",
  taskRoot: "LAMBDA_TASK_ROOT",
  functionName: "AWS_LAMBDA_FUNCTION_NAME",
  functionVersion: "AWS_LAMBDA_FUNCTION_VERSION",
  functionMemorySize: "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  logGroupName: "AWS_LAMBDA_LOG_GROUP_NAME",
  logStreamName: "AWS_LAMBDA_LOG_STREAM_NAME",
  region: "AWS_REGION",
  logFormat: "AWS_LAMBDA_LOG_FORMAT",
  logLevel: "AWS_LAMBDA_LOG_LEVEL",
  initializationType: "AWS_LAMBDA_INITIALIZATION_TYPE",
  traceId: "_X_AMZN_TRACE_ID"
} as const

/** The standard Lambda error document (`/error`, `/init/error`, streaming error trailers). */
export interface ErrorDocument {
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace: ReadonlyArray<string>
}
