import { describe, expect, it } from "@effect/vitest"
import type { Context as AwsContext } from "aws-lambda"
import { Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaRuntime } from "../src/index.js"
import type { LambdaContext, NodeContext } from "../src/index.js"
import { LegacyCallbackError } from "../src/internal/core/nodeContext.js"
import { spawnFunction } from "./process.js"
import { inProcess, serveOn } from "./support.js"

// Type-level: `tsc --noEmit` fails if Node's context drifts from `@types/aws-lambda`'s `Context`
// in either direction (a library typed against it must accept ours, and ours must not promise a
// field Node's lacks).
const toAws = (context: NodeContext): AwsContext => context
const fromAws = (context: AwsContext): NodeContext => context
type Keys<T> = { [K in keyof T]-?: K }[keyof T]
const sameKeys: [Exclude<Keys<AwsContext>, Keys<NodeContext>>, Exclude<Keys<NodeContext>, Keys<AwsContext>>] extends
  [never, never] ? true
  : false = true
void [toAws, fromAws, sameKeys]

const identity = { cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" }
const clientContext = {
  client: { installationId: "i", appTitle: "t", appVersionName: "v", appVersionCode: "1", appPackageName: "p" },
  env: { platformVersion: "1", platform: "ios", make: "m", model: "x", locale: "en" },
  custom: { tier: "gold" }
}

describe("NodeContext", () => {
  it.scopedLive("context.node carries the invocation as Node's runtime does, with memoryLimitInMB as a string", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
          Effect.sync(() => {
            const node = context.node
            const { getRemainingTimeInMillis } = node
            return {
              same: context.node === node,
              fields: JSON.parse(JSON.stringify(node)) as unknown,
              hasTenant: "tenantId" in node,
              remaining: getRemainingTimeInMillis()
            }
          }), inProcess)
      )
      const record = yield* emulator.invoke({}, {
        requestId: "req-node-1",
        timeoutMs: 60_000,
        tenantId: "tenant-7",
        cognitoIdentity: JSON.stringify(identity),
        clientContext: JSON.stringify(clientContext)
      })
      expect(record.outcome?._tag).toBe("Response")
      const result = JSON.parse((record.outcome as { text: string }).text)
      expect(result.same).toBe(true)
      expect(result.hasTenant).toBe(true)
      expect(result.remaining).toBeGreaterThan(0)
      expect(result.remaining).toBeLessThanOrEqual(60_000)
      expect(result.fields).toEqual({
        callbackWaitsForEmptyEventLoop: true,
        functionName: emulator.environment.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: "$LATEST",
        invokedFunctionArn: expect.stringContaining(":function:"),
        memoryLimitInMB: emulator.environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        awsRequestId: "req-node-1",
        logGroupName: emulator.environment.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: emulator.environment.AWS_LAMBDA_LOG_STREAM_NAME,
        identity,
        clientContext,
        tenantId: "tenant-7"
      })
    }))

  it.scopedLive("has no tenantId, identity or clientContext when the invocation has none", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
          Effect.sync(() => ({
            hasTenant: "tenantId" in context.node,
            identity: context.node.identity ?? null,
            clientContext: context.node.clientContext ?? null
          })), inProcess)
      )
      const record = yield* emulator.invoke({}, { cognitoIdentity: "not json" })
      expect(JSON.parse((record.outcome as { text: string }).text)).toEqual({
        hasTenant: false,
        identity: null,
        clientContext: null
      })
    }))

  it.scopedLive("done, fail and succeed throw a LegacyCallbackError naming the method", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
          Effect.sync(() =>
            (["done", "fail", "succeed"] as const).map((method) => {
              try {
                context.node[method]("x" as never)
                return "returned"
              } catch (error) {
                return error instanceof LegacyCallbackError ? error.message : `other: ${String(error)}`
              }
            })
          ), inProcess)
      )
      const record = yield* emulator.invoke({})
      const messages = JSON.parse((record.outcome as { text: string }).text) as Array<string>
      expect(messages).toHaveLength(3)
      expect(messages[0]).toMatch(/^context\.done\(\) is not supported here/)
      expect(messages[1]).toMatch(/^context\.fail\(\) is not supported here/)
      expect(messages[2]).toMatch(/^context\.succeed\(\) is not supported here/)
    }))
})

describe("NodeContext with Powertools Logger", () => {
  it.scopedLive("logger.addContext(context.node) puts the request id and function fields on every line", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const fn = yield* spawnFunction("examples/powertools.ts", emulator.environment)
      for (const orderId of ["o-1", "o-2"]) {
        const record = yield* emulator.invoke({ orderId })
        expect(record.outcome).toMatchObject({ _tag: "Response", text: JSON.stringify({ accepted: orderId }) })
        yield* fn.awaitOutput(`order flushed ${orderId}`)
        const lines = fn.stdout().split("\n").filter((line) => line.includes(`"orderId":"${orderId}"`))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
        expect(lines.map((line) => line.message)).toEqual(["order received", `order flushed ${orderId}`])
        for (const line of lines) {
          expect(line).toMatchObject({
            function_request_id: record.requestId,
            function_name: emulator.environment.AWS_LAMBDA_FUNCTION_NAME,
            function_memory_size: emulator.environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
            function_arn: expect.stringContaining(":function:"),
            service: "orders"
          })
        }
      }
    }))
})
