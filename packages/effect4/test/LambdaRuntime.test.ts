/**
 * The Effect 4 line's `serve`: the Lambda environment through `Config`, the layer built once, and
 * a layer that fails to build posted as the function's `/init/error` under its `_tag`.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Data, Deferred, Duration, Effect, Exit, Fiber, Layer } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

class DatabaseDown extends Data.TaggedError("DatabaseDown")<{ readonly message: string }> {}
class Counter extends Context.Service<Counter, { readonly next: Effect.Effect<number> }>()("test/Counter") {}
class Database extends Context.Service<Database, { readonly query: (sql: string) => string }>()("test/Database") {}

const emulatorScoped = Emulator.make()

describe("Effect 4: LambdaRuntime.serve", () => {
  it.live("builds the layer once and serves with its services", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped
      let builds = 0
      const layer = Layer.effect(
        Database,
        Effect.sync(() => {
          builds++
          return Database.of({ query: (sql) => `result of ${sql}` })
        })
      )
      yield* LambdaRuntime.serve(
        (event: { readonly sql: string }) =>
          Effect.gen(function*() {
            const db = yield* Database
            return db.query(event.sql)
          }),
        { layer }
      ).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(emulator.environment)),
        Effect.forkScoped
      )
      for (const sql of ["select 1", "select 2"]) {
        const record = yield* emulator.invoke({ sql })
        expect(record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : record.outcome).toBe(
          `result of ${sql}`
        )
      }
      expect(builds).toBe(1)
    }))

  it.live("builds the layer once and releases it on shutdown, not per invocation", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped
      const events: Array<string> = []
      // Its acquisition and its release (a finalizer of the layer's scope) are counted.
      const counted = Layer.effect(
        Counter,
        Effect.gen(function*() {
          events.push("acquire")
          yield* Effect.addFinalizer(() => Effect.sync(() => events.push("release")))
          let n = 0
          return Counter.of({ next: Effect.sync(() => ++n) })
        })
      )
      const fiber = yield* LambdaRuntime.serve(() => Effect.flatMap(Counter, (counter) => counter.next), {
        registerExtension: false,
        layer: counted
      }).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(emulator.environment)),
        Effect.forkScoped
      )
      const results: Array<unknown> = []
      for (let i = 0; i < 3; i++) {
        const record = yield* emulator.invoke({})
        results.push(record.outcome?._tag === "Response" ? JSON.parse(record.outcome.text) : record.outcome)
      }
      expect(results).toEqual([1, 2, 3])
      expect(events).toEqual(["acquire"])
      yield* Fiber.interrupt(fiber)
      expect(events).toEqual(["acquire", "release"])
    }))

  it.live("a layer that fails to build is the init error, under its _tag, and the runtime stops", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped
      const fiber = yield* LambdaRuntime.serve(() => Effect.succeed("never served"), {
        layer: Layer.effect(Database, Effect.fail(new DatabaseDown({ message: "db.internal is unreachable" })))
      }).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(emulator.environment)),
        Effect.forkScoped
      )
      const initError = yield* emulator.awaitInitError
      expect(initError.document).toMatchObject({
        errorType: "DatabaseDown",
        errorMessage: "db.internal is unreachable"
      })
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("DatabaseDown")
      expect(yield* emulator.nextRequests).toHaveLength(0)
    }))

  it.live("an AWS_LAMBDA_LOG_LEVEL that names no level is the init error Runtime.InvalidConfiguration", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped
      const fiber = yield* LambdaRuntime.serve(() => Effect.succeed("never served")).pipe(
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromEnvRecord({ ...emulator.environment, AWS_LAMBDA_LOG_LEVEL: "chatty" })
        ),
        Effect.forkScoped
      )
      const initError = yield* emulator.awaitInitError
      expect(initError.document).toMatchObject({
        errorType: "Runtime.InvalidConfiguration",
        errorMessage: expect.stringContaining(
          `AWS_LAMBDA_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (got "chatty")`
        )
      })
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("InvalidConfiguration")
    }))

  describe("timeouts", () => {
    it.live("interrupts a hanging handler at deadline - margin, runs its finalizers, posts Runtime.HandlerTimeout", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.make({ functionTimeoutMs: 1000 })
        const finalizerRan = yield* Deferred.make<number>()
        yield* LambdaRuntime.serve(
          () => Effect.never.pipe(Effect.ensuring(Effect.suspend(() => Deferred.succeed(finalizerRan, Date.now())))),
          { registerExtension: false, timeoutMargin: 200 }
        ).pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(emulator.environment)),
          Effect.forkScoped
        )
        const record = yield* emulator.invoke({})
        expect(record.outcome).toMatchObject({
          _tag: "Error",
          errorTypeHeader: "Runtime.HandlerTimeout",
          document: {
            errorType: "Runtime.HandlerTimeout",
            errorMessage: expect.stringMatching(/^Task timed out after 0\.\d\d seconds/)
          }
        })
        expect(yield* Deferred.await(finalizerRan)).toBeLessThanOrEqual(record.resultAt!)
        expect(record.resultAt!).toBeLessThan(record.deadlineMs)
        // The runtime goes on serving.
        expect(yield* emulator.awaitNextRequest(2)).toBeLessThan(record.deadlineMs)
      }))
  })

  it.live("gives the handler the invocation's headers, the function's settings and Node's context, and sets _X_AMZN_TRACE_ID", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make({ functionName: "orders", region: "eu-west-1" })
      yield* LambdaRuntime.serve((_: unknown) =>
        Effect.gen(function*() {
          const context = yield* LambdaContext
          const remaining = yield* context.remainingTime
          return {
            requestId: context.requestId,
            arn: context.invokedFunctionArn,
            traceId: context.traceId ?? null,
            envTraceId: process.env._X_AMZN_TRACE_ID ?? null,
            clientContext: context.clientContext ?? null,
            identity: context.identity ?? null,
            tenantId: context.tenantId ?? null,
            functionName: context.functionName,
            functionVersion: context.functionVersion,
            memory: context.memoryLimitInMB,
            logGroupName: context.logGroupName,
            region: context.region,
            remainingOk: Duration.toMillis(remaining) > 0 && context.getRemainingTimeInMillis() > 0,
            node: {
              awsRequestId: context.node.awsRequestId,
              functionName: context.node.functionName,
              memoryLimitInMB: context.node.memoryLimitInMB,
              clientContext: context.node.clientContext ?? null
            },
            sameNode: context.node === context.node
          }
        })
      ).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(emulator.environment)),
        Effect.forkScoped
      )
      const traced = yield* emulator.invoke({}, {
        traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        clientContext: JSON.stringify({ custom: { k: "v" } }),
        cognitoIdentity: JSON.stringify({ cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" }),
        tenantId: "tenant-42"
      })
      const answer = traced.outcome?._tag === "Response" ? JSON.parse(traced.outcome.text) : traced.outcome
      const memory = Number(emulator.environment.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)
      expect(answer).toEqual({
        requestId: traced.requestId,
        arn: expect.stringContaining(":function:orders"),
        traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        envTraceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        clientContext: { custom: { k: "v" } },
        identity: { cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" },
        tenantId: "tenant-42",
        functionName: "orders",
        functionVersion: emulator.environment.AWS_LAMBDA_FUNCTION_VERSION,
        memory,
        logGroupName: emulator.environment.AWS_LAMBDA_LOG_GROUP_NAME,
        region: "eu-west-1",
        remainingOk: true,
        // Node's context as the official runtime gives it (its memory a string), built once per invocation
        node: {
          awsRequestId: traced.requestId,
          functionName: "orders",
          memoryLimitInMB: String(memory),
          clientContext: { custom: { k: "v" } }
        },
        sameNode: true
      })
      // Without them, nothing of the previous invocation's: the trace id is the one the platform made.
      const plain = yield* emulator.invoke({})
      const untraced = plain.outcome?._tag === "Response" ? JSON.parse(plain.outcome.text) : plain.outcome
      expect(untraced).toMatchObject({ clientContext: null, identity: null, tenantId: null })
      expect(untraced.traceId).not.toBe("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
      expect(untraced.envTraceId).toBe(untraced.traceId)
    }))
})
