/**
 * `globalThis.awslambda.InvokeStore` (`@aws/lambda-invoke-store`), as the official Node.js runtime
 * provides it: the calling invocation's request id, trace id and tenant id, for Powertools and the
 * AWS SDK, in handler code, detached work and promise callbacks.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext, LambdaRuntime, LambdaTest } from "../src/index.js"
import { inProcess, serveOn } from "./support.js"

interface Store {
  getRequestId(): string
  getXRayTraceId(): string | undefined
  getTenantId(): string | undefined
}

const store = (): Store | undefined => (globalThis as { awslambda?: { InvokeStore?: Store } }).awslambda?.InvokeStore

const read = () => {
  const current = store()
  return current === undefined
    ? undefined
    : { requestId: current.getRequestId(), traceId: current.getXRayTraceId(), tenantId: current.getTenantId() }
}

const responseJson = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Response")
  return JSON.parse(record.outcome?._tag === "Response" ? record.outcome.text : "null") as {
    readonly inHandler: ReturnType<typeof read>
    readonly inCallback: ReturnType<typeof read>
  }
}

describe("InvokeStore", () => {
  it.scopedLive("answers for the calling invocation in the handler, a promise callback and detached work", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const seenLater = yield* Deferred.make<ReturnType<typeof read>>()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve((_: unknown, context: LambdaContext) =>
          Effect.gen(function*() {
            const inHandler = read()
            const inCallback = yield* Effect.promise(() =>
              new Promise<ReturnType<typeof read>>((resolve) => setTimeout(() => resolve(read()), 5))
            )
            if (context.tenantId === "tenant-b") {
              // After the response: the store still names this invocation, as /next waits for it.
              yield* Effect.forkIn(
                Effect.sleep("20 millis").pipe(
                  Effect.zipRight(Effect.suspend(() => Deferred.succeed(seenLater, read())))
                ),
                context.detachedScope
              )
            }
            return { inHandler, inCallback }
          }), inProcess)
      )
      const traceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
      const first = responseJson(yield* emulator.invoke({}, { requestId: "req-a", traceId, tenantId: "tenant-a" }))
      const a = { requestId: "req-a", traceId, tenantId: "tenant-a" }
      expect(first).toEqual({ inHandler: a, inCallback: a })
      const second = responseJson(yield* emulator.invoke({}, { requestId: "req-b", tenantId: "tenant-b" }))
      expect(second.inHandler).toMatchObject({ requestId: "req-b", tenantId: "tenant-b" })
      expect(second.inCallback).toEqual(second.inHandler)
      expect(yield* Deferred.await(seenLater)).toEqual(second.inHandler)
    }))

  it.effect("is set by LambdaTest as by the runtime", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(() => Effect.sync(read), {}, { requestId: "r-7", tenantId: "t-7" })
      expect(LambdaTest.json(result)).toMatchObject({ requestId: "r-7", tenantId: "t-7" })
    }))
})
