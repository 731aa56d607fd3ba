/**
 * The project's emulator and build behind Promises, for test suites that do not run on this
 * package's Effect (the Effect 4 line's, in packages/effect4): they start the emulator, invoke
 * through it, read its timeline and build functions without touching Effect 3 values.
 */
import { Effect, Exit, Scope } from "effect"
import * as Build from "../src/Build.js"
import * as Emulator from "../src/Emulator.js"

export interface EmulatorBridge {
  /** The function's environment (`AWS_LAMBDA_RUNTIME_API` and the rest). */
  readonly environment: Readonly<Record<string, string>>
  /** `host:port` of the emulator (its invoke endpoint is `Protocol.paths.invoke` there). */
  readonly host: string
  /** Queues an invocation and returns at once: its request id, and its record once it has ended. */
  readonly enqueue: (
    event: unknown,
    options?: Emulator.InvokeOptions
  ) => Promise<{ readonly requestId: string; readonly result: Promise<Emulator.InvocationRecord> }>
  /** When the first body byte of the invocation's streamed `/response` arrived (epoch ms), once it has. */
  readonly awaitFirstByte: (requestId: string) => Promise<number>
  /** How far the invocation's streamed `/response` has got (bytes received so far). */
  readonly streamProgress: (requestId: string) => Promise<Emulator.StreamProgress>
  readonly invoke: (event: unknown, options?: Emulator.InvokeOptions) => Promise<Emulator.InvocationRecord>
  /** When the n-th (1-based) `GET /next` arrived (epoch ms), once it has. */
  readonly awaitNextRequest: (n: number) => Promise<number>
  /** The `/init/error` the function posted, once it has. */
  readonly awaitInitError: () => Promise<Emulator.RecordedError>
  /** The extensions registered so far. */
  readonly extensions: () => Promise<ReadonlyArray<Emulator.RegisteredExtension>>
  readonly close: () => Promise<void>
}

export const startEmulator = async (options?: Emulator.EmulatorOptions): Promise<EmulatorBridge> => {
  const scope = Effect.runSync(Scope.make())
  const emulator = await Effect.runPromise(Scope.extend(Emulator.make(options), scope))
  return {
    environment: emulator.environment,
    host: emulator.host,
    enqueue: async (event, invokeOptions) => {
      const pending = await Effect.runPromise(emulator.enqueue(event, invokeOptions))
      return { requestId: pending.requestId, result: Effect.runPromise(pending.result) }
    },
    awaitFirstByte: (requestId) => Effect.runPromise(emulator.awaitFirstByte(requestId)),
    streamProgress: (requestId) => Effect.runPromise(emulator.streamProgress(requestId)),
    invoke: (event, invokeOptions) => Effect.runPromise(emulator.invoke(event, invokeOptions)),
    awaitNextRequest: (n) => Effect.runPromise(emulator.awaitNextRequest(n)),
    awaitInitError: () => Effect.runPromise(emulator.awaitInitError),
    extensions: () => Effect.runPromise(emulator.extensions),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** `effect-lambda build` of `entry` into `outdir`, its code cache trained on `nodeBinary`. */
export const buildFunction = (entry: string, outdir: string, nodeBinary: string): Promise<Build.BuildResult> =>
  Effect.runPromise(Build.build({ entry, outdir, nodeBinary }))
