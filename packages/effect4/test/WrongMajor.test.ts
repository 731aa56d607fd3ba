/**
 * Values of Effect 3 given to the Effect 4 line (a mixed install): an Effect 3 `LambdaHandler`,
 * init Effect or layer is the function's init error, `Runtime.InvalidHandler`, with a message that
 * says which line to install; a plain function that returns an Effect 3 Effect fails its
 * invocations with `Runtime.InvalidHandlerResult` and the same advice, instead of Effect's "Not a
 * valid effect" defect. The Effect 3 values are real ones, made by the repository root's `effect`
 * (3.x); the Effect 3 line's test/WrongMajor.test.ts pins the same rules the other way round.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer } from "effect"
import { createRequire } from "node:module"
import * as LambdaHandler from "../src/LambdaHandler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { EffectMajor } from "../src/internal/core.js"
import { emulatorScoped, errorDocument, inProcess, responseJson, serveOn } from "./support.js"

/** The root's `effect`: Effect 3, as a user with both lines installed has it. */
const Effect3 = createRequire(new URL("../../../package.json", import.meta.url))("effect") as {
  readonly Effect: { readonly succeed: (a: unknown) => unknown; readonly void: unknown }
  readonly Layer: { readonly empty: unknown }
}

/**
 * An Effect 3 `LambdaHandler` as the Effect 3 line's `LambdaHandler.raw` builds one
 * (src/internal/runtime/handler.ts: its key, and a `handle` that returns Effect 3 Effects).
 */
const handler3 = {
  [Symbol.for("effect-lambda-runtime/LambdaHandler")]: Symbol.for("effect-lambda-runtime/LambdaHandler"),
  handle: () => Effect3.Effect.succeed({ _tag: "Buffered", body: "{}", contentType: "application/json" })
}

const advice = "an Effect 3 value given to the Effect 4 runtime; install effect-lambda-runtime@0 (Effect 3 line) " +
  "or move the handler to effect@4"

/** Serves `serve` and returns its init error, once the runtime stopped without asking for /next. */
const initErrorOf = (serve: Effect.Effect<never, unknown>) =>
  Effect.gen(function*() {
    const emulator = yield* emulatorScoped()
    const fiber = yield* serveOn(emulator, serve)
    const error = yield* Effect.promise(() => emulator.awaitInitError())
    expect(Exit.isFailure(yield* Fiber.await(fiber))).toBe(true)
    expect(yield* Effect.promise(() => emulator.nextRequests())).toHaveLength(0)
    return error.document as { readonly errorType: string; readonly errorMessage: string }
  })

describe("Effect 4: values of Effect 3", () => {
  it("the core tells the majors apart by their keys", () => {
    const v3 = EffectMajor.effectValueOf(Effect3.Effect.void)
    expect(v3).toMatchObject({ major: 3, kind: "Effect" })
    // Effect 3 stamps its version on every Effect.
    expect(v3?.version).toMatch(/^3\./)
    expect(EffectMajor.effectValueOf(Effect.void)).toEqual({ major: 4, kind: "Effect" })
    expect(EffectMajor.effectValueOf(Effect3.Layer.empty)).toMatchObject({ major: 3, kind: "Layer" })
    expect(EffectMajor.effectValueOf(Layer.empty)).toEqual({ major: 4, kind: "Layer" })
    expect(EffectMajor.effectValueOf(handler3)).toMatchObject({ major: 3, kind: "LambdaHandler" })
    expect(EffectMajor.effectValueOf(LambdaHandler.json(() => Effect.void))).toEqual({
      major: 4,
      kind: "LambdaHandler"
    })
    for (const other of [() => Effect.void, Promise.resolve(1), { a: 1 }, null, undefined, "effect", 3]) {
      expect(EffectMajor.effectValueOf(other)).toBeUndefined()
    }
    const hostile = new Proxy({}, {
      has: () => {
        throw new Error("no")
      }
    })
    expect(EffectMajor.effectValueOf(hostile)).toBeUndefined()
  })

  it.live("an Effect 3 LambdaHandler given to run/serve is the init error, Runtime.InvalidHandler, naming the line to install", () =>
    Effect.gen(function*() {
      const document = yield* initErrorOf(LambdaRuntime.serve(handler3 as never, inProcess))
      expect(document.errorType).toBe("Runtime.InvalidHandler")
      expect(document.errorMessage).toMatch(/^LambdaRuntime\.run was given an Effect 3 LambdaHandler: /)
      expect(document.errorMessage).toContain(advice)
    }))

  it.live("an Effect 3 Effect given to run/serve is the init error", () =>
    Effect.gen(function*() {
      const document = yield* initErrorOf(LambdaRuntime.serve(Effect3.Effect.succeed("hi") as never, inProcess))
      expect(document.errorType).toBe("Runtime.InvalidHandler")
      expect(document.errorMessage).toMatch(/^LambdaRuntime\.run was given an Effect 3 Effect \(effect 3\.\d+\.\d+\): /)
      expect(document.errorMessage).toContain(advice)
    }))

  it.live("LambdaHandler.fromInit given an Effect 3 Effect, or an Effect 3 layer, is the init error", () =>
    Effect.gen(function*() {
      const init = yield* initErrorOf(
        LambdaRuntime.serve(LambdaHandler.fromInit(Effect3.Effect.succeed(handler3) as never), inProcess)
      )
      expect(init).toMatchObject({ errorType: "Runtime.InvalidHandler" })
      expect(init.errorMessage).toMatch(/^LambdaHandler\.fromInit was given an Effect 3 Effect/)
      const layer = yield* initErrorOf(
        LambdaRuntime.serve(() => Effect.succeed("never"), { ...inProcess, layer: Effect3.Layer.empty as never })
      )
      expect(layer).toMatchObject({ errorType: "Runtime.InvalidHandler" })
      expect(layer.errorMessage).toMatch(/^The layer option is an Effect 3 Layer/)
      expect(layer.errorMessage).toContain(advice)
    }))

  it.live("a handler that returns an Effect 3 Effect fails that invocation with Runtime.InvalidHandlerResult; the loop goes on", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          (event: { readonly major: number }) =>
            (event.major === 3 ? Effect3.Effect.succeed("three") : Effect.succeed("four")) as Effect.Effect<string>,
          inProcess
        )
      )
      const document = errorDocument(yield* Effect.promise(() => emulator.invoke({ major: 3 })))
      expect(document.errorType).toBe("Runtime.InvalidHandlerResult")
      expect(document.errorMessage).toMatch(/^The handler returned an Effect 3 Effect \(effect 3\.\d+\.\d+\): /)
      expect(document.errorMessage).toContain(advice)
      expect(responseJson(yield* Effect.promise(() => emulator.invoke({ major: 4 })))).toBe("four")
    }))
  it.live("a handler that returns a Promise or a plain value fails that invocation with Runtime.InvalidHandlerResult, saying what to do; the loop goes on", () =>
    Effect.gen(function*() {
      const emulator = yield* emulatorScoped()
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          (event: { readonly returns: string }) =>
            (event.returns === "promise"
              ? Promise.resolve("later")
              : event.returns === "value"
              ? { not: "an Effect" }
              : Effect.succeed("an Effect")) as Effect.Effect<string>,
          inProcess
        )
      )
      const promise = errorDocument(yield* Effect.promise(() => emulator.invoke({ returns: "promise" })))
      expect(promise.errorType).toBe("Runtime.InvalidHandlerResult")
      expect(promise.errorMessage).toMatch(/^The handler returned a Promise, not an Effect: .*Effect\.tryPromise/)
      const value = errorDocument(yield* Effect.promise(() => emulator.invoke({ returns: "value" })))
      expect(value.errorType).toBe("Runtime.InvalidHandlerResult")
      expect(value.errorMessage).toMatch(
        /^The handler returned an object, not an Effect of the effect that effect-lambda-runtime runs on \(effect 4\./
      )
      expect(responseJson(yield* Effect.promise(() => emulator.invoke({ returns: "effect" })))).toBe("an Effect")
    }))
})
