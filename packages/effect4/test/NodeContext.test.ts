/**
 * Node's context of an Effect 4 handler (`context.node`), as test/NodeContext.test.ts pins it on
 * the Effect 3 line: the legacy callbacks a Node handler finishes with have no meaning for an
 * Effect handler, whose Effect is its answer; each throws, naming the method.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Emulator from "../src/Emulator.js"
import { NodeContext } from "../src/internal/core.js"
import { LambdaContext } from "../src/LambdaContext.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import { inProcess, responseJson, serveOn } from "./support.js"

/** What calling `context.node[method]` did: its LegacyCallbackError's message, or what else happened. */
const callLegacy = (call: () => void): string => {
  try {
    call()
    return "returned"
  } catch (error) {
    return error instanceof NodeContext.LegacyCallbackError ? error.message : `other: ${String(error)}`
  }
}

describe("Effect 4: NodeContext", () => {
  it.live("done, fail and succeed throw a LegacyCallbackError naming the method", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.make()
      const methods = ["done", "fail", "succeed"] as const
      yield* serveOn(
        emulator,
        LambdaRuntime.serve(
          () =>
            LambdaContext.useSync(({ node }) => methods.map((method) => callLegacy(() => node[method]("x" as never)))),
          inProcess
        )
      )
      const messages = responseJson(yield* emulator.invoke({})) as ReadonlyArray<string>
      expect(messages.map((message, i) => message.startsWith(`context.${methods[i]}() is not supported here`)))
        .toEqual([true, true, true])
    }))
})
