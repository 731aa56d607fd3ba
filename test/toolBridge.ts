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
  readonly invoke: (event: unknown, options?: Emulator.InvokeOptions) => Promise<Emulator.InvocationRecord>
  /** Queues an invocation without waiting for it: its request id, and its record once it ends. */
  readonly enqueue: (
    event: unknown,
    options?: Emulator.InvokeOptions
  ) => Promise<{ readonly requestId: string; readonly result: () => Promise<Emulator.InvocationRecord> }>
  /** Tells the emulator the runtime process exited (what is still pending ends with it). */
  readonly runtimeExited: (exit: Emulator.RuntimeExit) => Promise<void>
  /** Shuts the environment down as Managed Instances do: parked `/next` calls are answered 500. */
  readonly shutdown: () => Promise<void>
  /** When each `GET /next` arrived (epoch ms). */
  readonly nextRequests: () => Promise<ReadonlyArray<number>>
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
    invoke: (event, invokeOptions) => Effect.runPromise(emulator.invoke(event, invokeOptions)),
    enqueue: (event, invokeOptions) =>
      Effect.runPromise(Effect.map(emulator.enqueue(event, invokeOptions), (pending) => ({
        requestId: pending.requestId,
        result: () => Effect.runPromise(pending.result)
      }))),
    runtimeExited: (exit) => Effect.runPromise(emulator.runtimeExited(exit)),
    shutdown: () => Effect.runPromise(emulator.shutdown),
    nextRequests: () => Effect.runPromise(emulator.nextRequests),
    awaitNextRequest: (n) => Effect.runPromise(emulator.awaitNextRequest(n)),
    awaitInitError: () => Effect.runPromise(emulator.awaitInitError),
    extensions: () => Effect.runPromise(emulator.extensions),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** `effect-lambda build` of `entry` into `outdir`, its code cache trained on `nodeBinary`. */
export const buildFunction = (entry: string, outdir: string, nodeBinary: string): Promise<Build.BuildResult> =>
  Effect.runPromise(Build.build({ entry, outdir, nodeBinary }))
