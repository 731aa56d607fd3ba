/**
 * Sample events of the HTTP front doors, modelled on the samples in AWS's documentation:
 * API Gateway REST (payload 1.0), API Gateway HTTP API (payload 2.0), Function URLs and ALB.
 *
 * @internal
 */

export const apiGatewayV1: unknown = {
  resource: "/orders/{id}",
  path: "/orders/o-42",
  httpMethod: "GET",
  headers: {
    Accept: "application/json",
    Host: "abc123.execute-api.us-east-1.amazonaws.com",
    "User-Agent": "curl/8.4.0"
  },
  multiValueHeaders: {
    Accept: ["application/json"],
    Host: ["abc123.execute-api.us-east-1.amazonaws.com"],
    "User-Agent": ["curl/8.4.0"]
  },
  queryStringParameters: { verbose: "true" },
  multiValueQueryStringParameters: { verbose: ["true"] },
  pathParameters: { id: "o-42" },
  stageVariables: null,
  requestContext: {
    accountId: "123456789012",
    apiId: "abc123",
    domainName: "abc123.execute-api.us-east-1.amazonaws.com",
    domainPrefix: "abc123",
    extendedRequestId: "JJbxmHc3IAMFZ4w=",
    httpMethod: "GET",
    identity: { sourceIp: "192.0.2.1", userAgent: "curl/8.4.0" },
    path: "/prod/orders/o-42",
    protocol: "HTTP/1.1",
    requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    requestTime: "09/Apr/2015:12:34:56 +0000",
    requestTimeEpoch: 1428582896000,
    resourceId: "123456",
    resourcePath: "/orders/{id}",
    stage: "prod"
  },
  body: null,
  isBase64Encoded: false
}

/** @internal */
export const apiGatewayV2: unknown = {
  version: "2.0",
  routeKey: "POST /orders",
  rawPath: "/orders",
  rawQueryString: "dryRun=false",
  cookies: ["session=abc123"],
  headers: {
    accept: "application/json",
    "content-type": "application/json",
    host: "abc123.execute-api.us-east-1.amazonaws.com",
    "user-agent": "curl/8.4.0"
  },
  queryStringParameters: { dryRun: "false" },
  requestContext: {
    accountId: "123456789012",
    apiId: "abc123",
    domainName: "abc123.execute-api.us-east-1.amazonaws.com",
    domainPrefix: "abc123",
    http: { method: "POST", path: "/orders", protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "curl/8.4.0" },
    requestId: "JKJaXmPLvHcESHA=",
    routeKey: "POST /orders",
    stage: "$default",
    time: "10/Mar/2020:00:03:59 +0000",
    timeEpoch: 1583798639428
  },
  body: "{\"orderId\":\"o-42\",\"quantity\":2}",
  isBase64Encoded: false
}

/** @internal */
export const functionUrl: unknown = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/orders",
  rawQueryString: "",
  headers: {
    "content-type": "application/json",
    host: "abcdefg123456.lambda-url.us-east-1.on.aws",
    "user-agent": "curl/8.4.0"
  },
  requestContext: {
    accountId: "anonymous",
    apiId: "abcdefg123456",
    domainName: "abcdefg123456.lambda-url.us-east-1.on.aws",
    domainPrefix: "abcdefg123456",
    http: { method: "POST", path: "/orders", protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "curl/8.4.0" },
    requestId: "id",
    routeKey: "$default",
    stage: "$default",
    time: "12/Mar/2020:19:03:58 +0000",
    timeEpoch: 1583348638390
  },
  body: "{\"orderId\":\"o-42\",\"quantity\":2}",
  isBase64Encoded: false
}

/** @internal */
export const alb: unknown = {
  requestContext: {
    elb: {
      targetGroupArn:
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a"
    }
  },
  httpMethod: "GET",
  path: "/orders/o-42",
  queryStringParameters: { verbose: "true" },
  headers: {
    accept: "application/json",
    host: "lambda-alb-123578498.us-east-1.elb.amazonaws.com",
    "user-agent": "curl/8.4.0",
    "x-amzn-trace-id": "Root=1-5c536348-3d683b8b04734faae651f476",
    "x-forwarded-for": "192.0.2.1",
    "x-forwarded-port": "80",
    "x-forwarded-proto": "http"
  },
  body: "",
  isBase64Encoded: false
}
