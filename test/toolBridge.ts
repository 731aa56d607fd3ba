/**
 * The project's emulator and build behind Promises, for test suites that do not run on this
 * package's Effect (the Effect 4 line's, in packages/effect4): the shared core's engines
 * (src/internal/core/emulator, src/internal/core/build), which need no Effect at all.
 */
import * as BuildEngine from "../src/internal/core/build/engine.js"
import type { BuildResult } from "../src/internal/core/build/types.js"
import * as EmulatorEngine from "../src/internal/core/emulator/engine.js"
import type {
  EmulatorOptions,
  InvocationRecord,
  InvokeOptions,
  RecordedError,
  RegisteredExtension,
  RuntimeExit,
  StreamProgress
} from "../src/internal/core/emulator/types.js"

export interface EmulatorBridge {
  /** The function's environment (`AWS_LAMBDA_RUNTIME_API` and the rest). */
  readonly environment: Readonly<Record<string, string>>
  /** `host:port` of the emulator (its invoke endpoint is `Protocol.paths.invoke` there). */
  readonly host: string
  readonly invoke: (event: unknown, options?: InvokeOptions) => Promise<InvocationRecord>
  /** Queues an invocation without waiting for it: its request id, and its record once it ends. */
  readonly enqueue: (
    event: unknown,
    options?: InvokeOptions
  ) => Promise<{ readonly requestId: string; readonly result: () => Promise<InvocationRecord> }>
  /** Tells the emulator the runtime process exited (what is still pending ends with it). */
  readonly runtimeExited: (exit: RuntimeExit) => Promise<void>
  /** Shuts the environment down as Managed Instances do: parked `/next` calls are answered 500. */
  readonly shutdown: () => Promise<void>
  /** When each `GET /next` arrived (epoch ms). */
  readonly nextRequests: () => Promise<ReadonlyArray<number>>
  /** When the first body byte of the invocation's streamed `/response` arrived (epoch ms), once it has. */
  readonly awaitFirstByte: (requestId: string) => Promise<number>
  /** How far the invocation's streamed `/response` has got (bytes received so far). */
  readonly streamProgress: (requestId: string) => Promise<StreamProgress>
  /** When the n-th (1-based) `GET /next` arrived (epoch ms), once it has. */
  readonly awaitNextRequest: (n: number) => Promise<number>
  /** The `/init/error` the function posted, once it has. */
  readonly awaitInitError: () => Promise<RecordedError>
  /** The extensions registered so far. */
  readonly extensions: () => Promise<ReadonlyArray<RegisteredExtension>>
  readonly close: () => Promise<void>
}

export const startEmulator = async (options: EmulatorOptions = {}): Promise<EmulatorBridge> => {
  const emulator = await EmulatorEngine.start(options, (message) => console.warn(message))
  return {
    get environment() {
      return emulator.environment()
    },
    invoke: (event, invokeOptions) =>
      new Promise((resolve) => emulator.enqueue(event, invokeOptions).onOutcome(resolve)),
    enqueue: async (event, invokeOptions) => {
      const queued = emulator.enqueue(event, invokeOptions)
      const outcome = new Promise<InvocationRecord>((resolve) => queued.onOutcome(resolve))
      return { requestId: queued.requestId, result: () => outcome }
    },
    runtimeExited: async (exit) => emulator.runtimeExited(exit),
    shutdown: async () => emulator.shutdown(),
    nextRequests: async () => emulator.nextRequests(),
    awaitNextRequest: (n) => new Promise((resolve) => emulator.onNextRequest(n, resolve)),
    awaitInitError: () => new Promise((resolve) => emulator.onInitError(resolve)),
    extensions: async () => emulator.extensions(),
    host: emulator.host,
    awaitFirstByte: (requestId) => new Promise((resolve, reject) => emulator.onFirstByte(requestId, resolve, reject)),
    streamProgress: async (requestId) => emulator.streamProgress(requestId),
    close: emulator.close
  }
}

/** `effect-lambda build` of `entry` into `outdir`, its code cache trained on `nodeBinary`. */
export const buildFunction = (entry: string, outdir: string, nodeBinary: string): Promise<BuildResult> =>
  BuildEngine.build({ entry, outdir, nodeBinary })
