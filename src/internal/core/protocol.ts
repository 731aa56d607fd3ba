/**
 * Everything this package knows about the Lambda Runtime API wire format: paths, header
 * names, limits, status codes and environment variable names. The client, the loop and the
 * emulator all read from here so that the protocol lives in exactly one place.
 *
 * @internal
 */

/**
 * Runtime API version prefix.
 *
 * @internal
 */
export const RUNTIME_PREFIX = "/2018-06-01/runtime"
/**
 * Extensions API version prefix.
 *
 * @internal
 */
export const EXTENSION_PREFIX = "/2020-01-01/extension"

/** @internal */
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

/**
 * Header names, lower case (Node's `http` module lower-cases incoming names).
 *
 * @internal
 */
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
  xrayErrorCause: "lambda-runtime-function-xray-error-cause",
  responseMode: "lambda-runtime-function-response-mode",
  extensionName: "lambda-extension-name",
  extensionIdentifier: "lambda-extension-identifier",
  contentType: "content-type"
} as const

/**
 * Header values must be single-line printable ASCII; the error body carries the exact text.
 *
 * @internal
 */
export const headerValue = (text: string): string => text.replace(/[^\x20-\x7e]/g, "?")

/**
 * The platform buffers at most `6 * 1024 * 1024 + 100` bytes of a buffered response or an event.
 *
 * @internal
 */
export const MAX_BUFFERED_RESPONSE_BYTES = 6 * 1024 * 1024 + 100

/**
 * Streamed responses are capped at 200 MB.
 *
 * @internal
 */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024

/**
 * Error types this runtime produces itself (the `errorType` of the posted error document).
 *
 * @internal
 */
export const errorTypes = {
  handlerTimeout: "Runtime.HandlerTimeout",
  responseTooLarge: "Function.ResponseSizeTooLarge",
  unmarshal: "Runtime.UnmarshalError",
  marshal: "Runtime.MarshalError",
  unhandled: "Runtime.Unhandled",
  handlerError: "Runtime.HandlerError",
  interrupted: "Runtime.HandlerInterrupted",
  initError: "Runtime.InitError",
  invalidConfiguration: "Runtime.InvalidConfiguration",
  exitError: "Runtime.ExitError",
  streamError: "Runtime.StreamError"
} as const

/**
 * Content types.
 *
 * @internal
 */
export const contentTypes = {
  json: "application/json",
  octetStream: "application/octet-stream",
  httpIntegration: "application/vnd.awslambda.http-integration-response"
} as const

/**
 * Media types sent as text; every other body is base64-encoded, which API Gateway, Function
 * URLs and ALB decode back to the exact bytes.
 */
const TEXT_TYPE =
  /^(?:text\/|application\/(?:json|xml|javascript|ecmascript|x-javascript|x-www-form-urlencoded|graphql|x-ndjson|yaml|x-yaml)\b|[^;]*\+(?:json|xml)\b)/i

/**
 * Whether a body with this content type goes back as text rather than base64.
 *
 * @internal
 */
export const isTextType = (contentType: string | undefined): boolean =>
  contentType !== undefined && TEXT_TYPE.test(contentType.trimStart())

/**
 * Environment variables the runtime reads or writes.
 *
 * @internal
 */
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
  defaultRegion: "AWS_DEFAULT_REGION",
  logFormat: "AWS_LAMBDA_LOG_FORMAT",
  logLevel: "AWS_LAMBDA_LOG_LEVEL",
  initializationType: "AWS_LAMBDA_INITIALIZATION_TYPE",
  maxConcurrency: "AWS_LAMBDA_MAX_CONCURRENCY",
  traceId: "_X_AMZN_TRACE_ID"
} as const

/**
 * The standard Lambda error document (`/error`, `/init/error`, streaming error trailers).
 *
 * @internal
 */
export interface ErrorDocument {
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace: ReadonlyArray<string>
}

/**
 * The HTTP integration body separates its JSON prelude from the body with this many NUL bytes.
 *
 * @internal
 */
export const HTTP_PRELUDE_DELIMITER_LENGTH = 8

/**
 * The value of the `Trailer` header announcing the two streaming error trailers.
 *
 * @internal
 */
export const ERROR_TRAILERS = "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"

/**
 * The only accepted value of `Lambda-Runtime-Function-Response-Mode`.
 *
 * @internal
 */
export const RESPONSE_MODE_STREAMING = "streaming"

/**
 * Body of a `202 Accepted` answer.
 *
 * @internal
 */
export const ACCEPTED_BODY = `{"status":"OK"}`

/**
 * Header names of the RIE-compatible invoke endpoint (lower case).
 *
 * @internal
 */
export const invokeHeaders = {
  clientContext: "x-amz-client-context",
  traceId: "x-amzn-trace-id",
  tenantId: "x-amz-tenant-id",
  functionError: "x-amz-function-error",
  /** Response header carrying the invocation's request id. */
  requestId: "x-amzn-requestid"
} as const

/**
 * The `X-Amz-Function-Error` value the Invoke API sets for function errors.
 *
 * @internal
 */
export const FUNCTION_ERROR_UNHANDLED = "Unhandled"

/**
 * `errorType` values the platform answers Runtime and Extensions API calls with (4xx bodies).
 *
 * @internal
 */
export const apiErrorTypes = {
  invalidRequestId: "InvalidRequestID",
  invalidStateTransition: "InvalidStateTransition",
  requestEntityTooLarge: "RequestEntityTooLarge",
  truncatedHttpRequest: "TruncatedHTTPRequest",
  invalidFunctionResponseMode: "InvalidFunctionResponseMode",
  invokeTimeout: "InvokeTimeout",
  tooManyIdleRuntimes: "Runtime.TooManyIdleRuntimes",
  invalidRequestFormat: "InvalidRequestFormat",
  registrationClosed: "Extension.RegistrationClosed",
  invalidEventType: "Extension.InvalidEventType",
  invalidExtensionName: "Extension.InvalidExtensionName",
  tooManyExtensions: "Extension.TooManyExtensions",
  missingExtensionIdentifier: "Extension.MissingExtensionIdentifier",
  invalidExtensionIdentifier: "Extension.InvalidExtensionIdentifier",
  unknownExtensionIdentifier: "Extension.UnknownExtensionIdentifier"
} as const

/**
 * Error types the platform itself records for a failed invocation.
 *
 * @internal
 */
export const platformErrorTypes = {
  truncatedResponse: "Runtime.TruncatedResponse",
  invalidResponseModeHeader: "Runtime.InvalidResponseModeHeader",
  exitError: "Runtime.ExitError",
  responseSizeTooLarge: "Function.ResponseSizeTooLarge"
} as const

/**
 * Extension event types. Internal extensions may only subscribe to `INVOKE`.
 *
 * @internal
 */
export const extensionEvents = {
  invoke: "INVOKE",
  shutdown: "SHUTDOWN"
} as const

/**
 * At most this many extensions may register per function.
 *
 * @internal
 */
export const MAX_EXTENSIONS = 10

/**
 * The timeout message Lambda reports, e.g. `Task timed out after 3.00 seconds`.
 *
 * @internal
 */
export const timeoutMessage = (timeoutMs: number) => `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`
