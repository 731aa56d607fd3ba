/**
 * Values of Effect 4 given to the Effect 3 line (a mixed install): an Effect 4 `LambdaHandler`,
 * Effect, init Effect or layer is the function's init error, `Runtime.InvalidHandler`, with a
 * message that says which line to install; a handler that returns an Effect 4 Effect fails its
 * invocations with `Runtime.InvalidHandlerResult` and the same advice. The Effect 4 values are
 * real ones, made by packages/effect4's `effect` (4.x, which this Node loads); the Effect 4 line's
 * packages/effect4/test/WrongMajor.test.ts pins the same rules the other way round.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer } from "effect"
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import * as Emulator from "../src/Emulator.js"
import { LambdaHandler, LambdaRuntime } from "../src/index.js"
import * as EffectMajor from "../src/internal/core/effectMajor.js"
import type { ErrorDocument } from "../src/internal/core/protocol.js"
import { inProcess, serveOn } from "./support.js"

/** packages/effect4's `effect`: Effect 4, as a user with both lines installed has it. */
const effect4 = createRequire(new URL("../packages/effect4/package.json", import.meta.url)).resolve("effect")
const Effect4 = (await import(pathToFileURL(effect4).href)) as {
  readonly Effect: { readonly succeed: (a: unknown) => unknown; readonly void: unknown }
  readonly Layer: { readonly empty: unknown }
}

/**
 * An Effect 4 `LambdaHandler` as the Effect 4 line's `LambdaHandler.raw` builds one
 * (packages/effect4/src/LambdaHandler.ts: its key, and a `handle` that returns Effect 4 Effects).
 */
const handler4 = {
  [Symbol.for("effect-lambda-runtime/effect4/LambdaHandler")]: Symbol.for(
    "effect-lambda-runtime/effect4/LambdaHandler"
  ),
  handle: () => Effect4.Effect.succeed({ _tag: "Buffered", body: "{}", contentType: "application/json" })
}

const advice = "an Effect 4 value given to the Effect 3 runtime; install effect-lambda-runtime@1 " +
  "(Effect 4 line) or move the handler to effect@3"

const errorDocument = (record: Emulator.InvocationRecord) => {
  expect(record.outcome?._tag).toBe("Error")
  return (record.outcome as Extract<Emulator.InvocationOutcome, { _tag: "Error" }>).document as ErrorDocument
}

/** Serves `serve` and returns its init error, once the runtime stopped without asking for /next. */
const initErrorOf = (serve: Effect.Effect<never, unknown>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.make()
    const { fiber } = yield* serveOn(emulator, serve)
    const error = (yield* emulator.awaitInitError).document as ErrorDocument
    expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
    expect(yield* emulator.nextRequests).toHaveLength(0)
    return error
  })

describe("values of Effect 4", () => {
  it("the core tells the majors apart by their keys", () => {
    expect(EffectMajor.effectValueOf(Effect4.Effect.void)).toEqual({ major: 4, kind: "Effect" })
    expect(EffectMajor.effectValueOf(Effect4.Layer.empty)).toEqual({ major: 4, kind: "Layer" })
    expect(EffectMajor.effectValueOf(handler4)).toEqual({ major: 4, kind: "LambdaHandler" })
    expect(EffectMajor.effectValueOf(Effect.void)).toMatchObject({ major: 3, kind: "Effect" })
    expect(EffectMajor.effectValueOf(Layer.empty)).toMatchObject({ major: 3, kind: "Layer" })
    expect(EffectMajor.effectValueOf(LambdaHandler.json(() => Effect.void))).toMatchObject({
      major: 3,
      kind: "LambdaHandler"
    })
    expect(EffectMajor.wrongMajorProblem(Effect.void, 3, "x")).toBeUndefined()
    expect(EffectMajor.wrongMajorProblem(() => Effect.void, 3, "x")).toBeUndefined()
  })

  it.scopedLive("an Effect 4 LambdaHandler given to run/serve is the init error, Runtime.InvalidHandler, naming the line to install", () =>
    Effect.gen(function*() {
      const document = yield* initErrorOf(LambdaRuntime.serve(handler4 as never, inProcess))
      expect(document.errorType).toBe("Runtime.InvalidHandler")
      expect(document.errorMessage).toBe(`LambdaRuntime.run was given an Effect 4 LambdaHandler: ${advice}`)
    }))

  it.scopedLive("an Effect 4 Effect given to run/serve, to LambdaHandler.fromInit, or as the layer is the init error", () =>
    Effect.gen(function*() {
      const effect = yield* initErrorOf(LambdaRuntime.serve(Effect4.Effect.succeed("hi") as never, inProcess))
      expect(effect).toMatchObject({
        errorType: "Runtime.InvalidHandler",
        errorMessage: `LambdaRuntime.run was given an Effect 4 Effect: ${advice}`
      })
      const init = yield* initErrorOf(
        LambdaRuntime.serve(LambdaHandler.fromInit(Effect4.Effect.succeed(handler4) as never), inProcess)
      )
      expect(init).toMatchObject({
        errorType: "Runtime.InvalidHandler",
        errorMessage: `LambdaHandler.fromInit was given an Effect 4 Effect: ${advice}`
      })
      const layer = yield* initErrorOf(
        LambdaRuntime.serve(() => Effect.succeed("never"), { ...inProcess, layer: Effect4.Layer.empty as never })
      )
      expect(layer).toMatchObject({
        errorType: "Runtime.InvalidHandler",
        errorMessage: `The layer option is an Effect 4 Layer: ${advice}`
      })
    }))

  it.scopedLive("a handler that returns an Effect 4 Effect fails that invocation with Runtime.InvalidHandlerResult; the loop goes on", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          (event: { readonly major: number }) =>
            (event.major === 4 ? Effect4.Effect.succeed("four") : Effect.succeed("three")) as Effect.Effect<string>,
          inProcess
        )
      )
      const document = errorDocument(yield* emulator.invoke({ major: 4 }))
      expect(document.errorType).toBe("Runtime.InvalidHandlerResult")
      expect(document.errorMessage).toBe(`The handler returned an Effect 4 Effect: ${advice}`)
      const fine = yield* emulator.invoke({ major: 3 })
      expect(fine.outcome).toMatchObject({ _tag: "Response", text: `"three"` })
    }))
})
