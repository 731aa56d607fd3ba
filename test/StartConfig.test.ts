import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { defaultEnvironment } from "../src/internal/runtime/environment.js"
import { runtimeConfig } from "../src/internal/runtime/init.js"
import { fromEnvironment } from "../src/internal/runtime/settings.js"

const base = { AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001" }

/** What `runtimeConfig` reads from `env` through `Config` (the reference the plain read must match). */
const throughConfig = (env: Record<string, string>) =>
  Effect.runSync(
    Effect.either(runtimeConfig).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
  )

describe("init's configuration without Config (the default provider's fast path)", () => {
  const cases: Array<Record<string, string>> = [
    base,
    {},
    { AWS_LAMBDA_RUNTIME_API: "" },
    {
      ...base,
      AWS_LAMBDA_FUNCTION_NAME: "orders",
      AWS_LAMBDA_FUNCTION_VERSION: "7",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/orders",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/05/[7]abc",
      AWS_REGION: "eu-west-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_LAMBDA_LOG_FORMAT: "json",
      AWS_LAMBDA_LOG_LEVEL: "debug",
      AWS_LAMBDA_MAX_CONCURRENCY: "8"
    },
    { ...base, AWS_DEFAULT_REGION: "us-east-2" },
    { ...base, AWS_REGION: "", AWS_DEFAULT_REGION: "us-east-2" },
    { ...base, AWS_LAMBDA_LOG_FORMAT: "Text" },
    { ...base, AWS_LAMBDA_LOG_FORMAT: "" },
    { ...base, AWS_LAMBDA_LOG_LEVEL: "bogus" },
    { ...base, AWS_LAMBDA_LOG_LEVEL: "" },
    { ...base, AWS_LAMBDA_LOG_LEVEL: "WARN" },
    { ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "abc" },
    { ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "" },
    { ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: " 512 " },
    { ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1.5" },
    { ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1e3" },
    { ...base, AWS_LAMBDA_MAX_CONCURRENCY: "0" },
    { ...base, AWS_LAMBDA_MAX_CONCURRENCY: "-3" },
    { ...base, AWS_LAMBDA_MAX_CONCURRENCY: "many" },
    { ...base, AWS_LAMBDA_MAX_CONCURRENCY: "2.5" },
    { ...base, AWS_LAMBDA_MAX_CONCURRENCY: "" },
    { ...base, AWS_LAMBDA_FUNCTION_NAME: "" }
  ]
  for (const env of cases) {
    it(`reads ${JSON.stringify(env)} as Config does, or leaves it to Config`, () => {
      const expected = throughConfig(env)
      const fast = fromEnvironment(env)
      if (Either.isLeft(expected)) expect(fast).toBeUndefined()
      else expect(fast).toEqual(expected.right)
    })
  }

  it.effect("is taken with the default provider only", () =>
    Effect.gen(function*() {
      expect(yield* defaultEnvironment).toBe(process.env)
      const provided = yield* defaultEnvironment.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      expect(provided).toBeUndefined()
      const fromEnv = yield* defaultEnvironment.pipe(Effect.withConfigProvider(ConfigProvider.fromEnv()))
      expect(fromEnv).toBeUndefined()
    }))
})
