/**
 * The Effect 4 line's first example: a greeting, with an audit line written after the response
 * (detached work), and a service built once at init and released on SIGTERM.
 *
 *   PATH=<Node 22>:$PATH npx effect-lambda emulator packages/effect4/examples/hello.ts
 */
import { Context, Effect, Layer } from "effect"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"

class Greeter extends Context.Service<Greeter, { readonly greet: (name: string) => string }>()("examples/Greeter") {}

const GreeterLive = Layer.effect(
  Greeter,
  Effect.acquireRelease(
    Effect.as(Effect.log("greeter ready"), Greeter.of({ greet: (name) => `hello, ${name}` })),
    () => Effect.log("greeter released")
  )
)

LambdaRuntime.run(
  (event: { readonly name?: string }) =>
    Effect.gen(function*() {
      const greeter = yield* Greeter
      const context = yield* LambdaContext
      yield* Effect.forkIn(Effect.log(`audit: greeted ${event.name ?? "stranger"}`), context.detachedScope)
      return { greeting: greeter.greet(event.name ?? "stranger"), requestId: context.requestId }
    }),
  { layer: GreeterLive }
)
