import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as Emulator from "../src/Emulator.js"
import { LambdaHandler, LambdaRuntime } from "../src/index.js"
import { inProcess, serveOn } from "./support.js"

describe("Streaming", () => {
  it.scopedLive("smoke", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      yield* serveOn(emulator, LambdaRuntime.serve(LambdaHandler.stream(() => Stream.make("hello ", "world"), { contentType: "text/plain" }), inProcess))
      const record = yield* emulator.invoke({})
      expect(record.outcome).toMatchObject({ _tag: "Response", text: "hello world", streaming: true, contentType: "text/plain" })
      const failing = yield* emulator.invoke({})
      void failing
    }))
})
