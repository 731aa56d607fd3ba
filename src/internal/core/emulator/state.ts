/**
 * The emulator's state and the transitions every endpoint shares: queueing an invocation,
 * delivering it to a `/next`, arming its deadline and finishing it exactly once. The
 * environment's exits and shutdown are in `environment.ts`.
 *
 * Two modes: classic (one invocation at a time: `current`, `releasing`, at most one parked
 * `/next`, a timeout resets the environment) and concurrent (Lambda Managed Instances,
 * `Config.maxConcurrency > 1`: up to that many parked `/next`, each delivered invocation in
 * `inFlight` until its result, a timeout fails that invocation only).
 *
 * State is one plain object, mutated only by `node:http` callbacks and the engine's synchronous
 * methods on the single JavaScript thread (never across an `await`); waiting is done with
 * callbacks (each line's façade turns them into its own Effect), so that no Effect major is
 * imported here.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type * as http from "node:http"
import type * as Api from "./types.js"
import * as P from "../protocol.js"
import { apiError, encodeEvent, generateTraceId, now, send } from "./wire.js"
import type { Mutable } from "./wire.js"

/**
 * The emulator's mutable state of one invocation, from `enqueue` to its outcome (the public,
 * immutable view is `Emulator.InvocationRecord`, see `snapshot`).
 *
 * @internal
 */
export interface InvocationState {
  readonly record: Mutable<Api.InvocationRecord> & { readonly posts: Array<Api.RecordedPost> }
  readonly options: Api.InvokeOptions
  /** The snapshot taken when the outcome was set (what waiters get, whenever they ask). */
  done: Api.InvocationRecord | undefined
  /** Called once with that snapshot (the invoke endpoint's caller, `EmulatorService.invoke`). */
  listeners: Array<(record: Api.InvocationRecord) => void>
  /** `receiving`: a result POST was accepted and its body is being read. */
  result: "none" | "receiving" | "done"
  timer: ReturnType<typeof setTimeout> | undefined
  /** The invoke endpoint's caller, when the invocation came through it. */
  caller: Caller | undefined
  /** The streamed `/response` whose body is being read (so that the deadline can cut it). */
  receiving: { readonly req: http.IncomingMessage; readonly res: http.ServerResponse } | undefined
  readonly progress: { bytes: number; chunks: number }
  firstByteWaiters: Array<(at: number) => void>
  /** The environment generation it was delivered in (see `State.generation`). */
  generation: number
}

/**
 * The invoke endpoint's caller of one invocation.
 *
 * @internal
 */
export interface Caller {
  readonly res: http.ServerResponse
  /** The status line and headers went out: the body is being streamed live. */
  live: boolean
  /** HTTP integration bytes collected until the prelude's delimiter has arrived. */
  pending: Buffer | undefined
  /** The prelude was malformed: the caller gets the buffered answer at the end instead. */
  buffered: boolean
}

/**
 * The options of `make` with their defaults applied.
 *
 * @internal
 */
export interface Config {
  readonly functionTimeoutMs: number
  readonly functionName: string
  readonly functionVersion: string
  readonly functionArn: string
  readonly memorySizeMb: number
  readonly region: string
  readonly handler: string | undefined
  /** `AWS_LAMBDA_MAX_CONCURRENCY`; above 1 the emulator runs in concurrent mode. */
  readonly maxConcurrency: number
}

/**
 * Whether the emulator runs in concurrent mode (Lambda Managed Instances).
 *
 * @internal
 */
export const isConcurrent = (config: Config): boolean => config.maxConcurrency > 1

/**
 * A list that only grows (the `/next` arrivals, the resets), and who waits for its n-th entry.
 *
 * @internal
 */
export interface Timeline<A> {
  readonly entries: Array<A>
  waiters: Array<{ readonly n: number; readonly resume: (entry: A) => void }>
}

const timeline = <A>(): Timeline<A> => ({ entries: [], waiters: [] })

/**
 * Appends an entry and wakes the waiters whose entry now exists.
 *
 * @internal
 */
export const append = <A>(line: Timeline<A>, entry: A) => {
  line.entries.push(entry)
  const count = line.entries.length
  line.waiters = line.waiters.filter((waiter) => {
    if (waiter.n > count) return true
    waiter.resume(line.entries[waiter.n - 1]!)
    return false
  })
}

/**
 * Calls `done` with the n-th (1-based) entry, at once when it exists; returns the cancellation.
 *
 * @internal
 */
export const awaitEntry = <A>(line: Timeline<A>, n: number, done: (entry: A) => void): () => void => {
  if (line.entries.length >= n) {
    done(line.entries[n - 1]!)
    return () => {}
  }
  const waiter = { n, resume: done }
  line.waiters = [...line.waiters, waiter]
  return () => {
    line.waiters = line.waiters.filter((other) => other !== waiter)
  }
}

/**
 * Everything the emulator knows; see the module comment for how it is mutated.
 *
 * @internal
 */
export interface State {
  /** Invocations not yet delivered, in order. */
  queue: Array<InvocationState>
  /** Classic mode: the invocation delivered by `/next` whose result is still owed. */
  current: InvocationState | undefined
  /** Classic mode: the last finished invocation, until the runtime's next `/next` releases it. */
  releasing: InvocationState | undefined
  /** Concurrent mode: the delivered invocations whose results are still owed. */
  readonly inFlight: Set<InvocationState>
  /** Parked `/next` calls, oldest first (at most one in classic mode). */
  parked: Array<http.ServerResponse>
  /** Concurrent mode: the environment is shutting down; every `/next` is answered `500`. */
  shuttingDown: boolean
  initDone: boolean
  initFailed: Api.RecordedError | undefined
  initError: Api.RecordedError | undefined
  /** The first `/init/error` (what `awaitInitError` returns), and who waits for it. */
  firstInitError: Api.RecordedError | undefined
  initErrorWaiters: Array<(error: Api.RecordedError) => void>
  readonly all: Array<InvocationState>
  readonly byId: Map<string, InvocationState>
  /** When each `GET /next` arrived. */
  readonly nextRequests: Timeline<number>
  readonly extensions: Array<Api.RegisteredExtension>
  /** Extensions registered during the current init (the limit applies per environment). */
  extensionsThisInit: number
  readonly extensionPolls: Set<http.ServerResponse>
  /**
   * Bumped when the platform resets the environment (classic mode). Each generation has its own
   * Runtime API listener; a runtime request on the listener of an older generation comes from the
   * runtime the reset discarded (or another process started with its address).
   */
  generation: number
  /** A reset discarded the runtime and its exit has not been reported yet. */
  discardedRuntime: boolean
  readonly resets: Timeline<Api.EnvironmentReset>
}

/**
 * One running emulator as its endpoints see it: configuration, state and logger (the public
 * service is `Emulator.EmulatorService`).
 *
 * @internal
 */
export interface EmulatorInstance {
  readonly config: Config
  readonly state: State
  /** Logs a warning through the Effect logger of the scope that made the emulator. */
  readonly log: (message: string) => void
  /** The Runtime API address of the current generation (`AWS_LAMBDA_RUNTIME_API` for a fresh runtime). */
  readonly runtimeApiHost: () => string
  /** After a reset: moves the Runtime API to a listener of the new generation (`state.generation`). */
  readonly openRuntimeApi: () => void
}

/**
 * A fresh state: nothing queued, init not yet done.
 *
 * @internal
 */
export const makeState = (): State => ({
  queue: [],
  current: undefined,
  releasing: undefined,
  inFlight: new Set(),
  parked: [],
  shuttingDown: false,
  initDone: false,
  initFailed: undefined,
  initError: undefined,
  firstInitError: undefined,
  initErrorWaiters: [],
  all: [],
  byId: new Map(),
  nextRequests: timeline(),
  extensions: [],
  extensionsThisInit: 0,
  extensionPolls: new Set(),
  generation: 0,
  discardedRuntime: false,
  resets: timeline()
})

/**
 * A copy of the record that later mutations do not reach.
 *
 * @internal
 */
export const snapshot = (invocation: InvocationState): Api.InvocationRecord => ({
  ...invocation.record,
  posts: [...invocation.record.posts]
})

/**
 * Records the arrival of a `GET /next` (refused ones too) and wakes `awaitNextRequest`.
 *
 * @internal
 */
export const recordNextRequest = (state: State, at: number = now()): number => {
  append(state.nextRequests, at)
  return at
}

/**
 * Ends the wait for the answered invocation's `/next` (a `/next`, an exit or a reset).
 *
 * @internal
 */
export const release = (state: State) => {
  const invocation = state.releasing
  if (invocation === undefined) return
  state.releasing = undefined
  if (invocation.timer !== undefined) clearTimeout(invocation.timer)
  invocation.timer = undefined
}

/**
 * Sets the outcome (once), releases the environment for the next `/next` and wakes the waiters.
 *
 * @internal
 */
export const finish = (
  emulator: EmulatorInstance,
  invocation: InvocationState,
  outcome: Api.InvocationOutcome,
  at: number
) => {
  const { state } = emulator
  if (invocation.result === "done") return
  invocation.result = "done"
  state.inFlight.delete(invocation)
  // Classic mode only: the environment is released by the runtime's next /next.
  const released = state.current === invocation && outcome._tag !== "ExitError"
  // A runtime that answered must still ask for /next by the deadline: the timer stays armed.
  if (!released && invocation.timer !== undefined) {
    clearTimeout(invocation.timer)
    invocation.timer = undefined
  }
  invocation.record.outcome = outcome
  invocation.record.resultAt = at
  if (state.current === invocation) {
    state.current = undefined
    state.releasing = invocation
  }
  if (invocation.receiving !== undefined && outcome._tag === "Timeout") {
    // The platform cuts a stream that is still open at the deadline.
    const { req, res } = invocation.receiving
    invocation.receiving = undefined
    const { body, status } = lateResultAnswer(emulator, invocation)
    invocation.record.posts.push({ kind: "response", status, at })
    if (!res.headersSent) {
      res.writeHead(status, {
        [P.headers.contentType]: P.contentTypes.json,
        "content-length": String(Buffer.byteLength(body)),
        connection: "close"
      })
      res.end(body, () => req.destroy())
    }
  }
  const record = snapshot(invocation)
  invocation.done = record
  for (const listener of invocation.listeners.splice(0)) listener(record)
}

/**
 * The status and body for a result of an invocation whose deadline passed: `410 InvokeTimeout` in
 * concurrent mode (the platform answers so there), `400 InvalidRequestID` in classic mode (the id
 * is no longer current).
 *
 * @internal
 */
export const lateResultAnswer = (
  emulator: EmulatorInstance,
  invocation: InvocationState
): { readonly status: number; readonly errorType: string; readonly message: string; readonly body: string } => {
  const answer = isConcurrent(emulator.config)
    ? {
      status: 410,
      errorType: P.apiErrorTypes.invokeTimeout,
      message: `Invoke timeout: RequestId ${invocation.record.requestId} passed its deadline`
    }
    : { status: 400, errorType: P.apiErrorTypes.invalidRequestId, message: "Invalid request ID" }
  return { ...answer, body: JSON.stringify({ errorMessage: answer.message, errorType: answer.errorType }) }
}

/**
 * Answers a result POST refused because the invocation's deadline passed (see `lateResultAnswer`).
 *
 * @internal
 */
export const answerLate = (emulator: EmulatorInstance, invocation: InvocationState, res: http.ServerResponse) => {
  const { errorType, message, status } = lateResultAnswer(emulator, invocation)
  apiError(res, status, errorType, message)
  return status
}

const armDeadline = (emulator: EmulatorInstance, invocation: InvocationState) => {
  const remaining = invocation.record.deadlineMs - now()
  if (remaining <= 0) {
    invocation.timer = undefined
    const at = now()
    if (invocation.result !== "done") {
      finish(emulator, invocation, { _tag: "Timeout", message: P.timeoutMessage(invocation.record.timeoutMs) }, at)
      // In concurrent mode the deadline fails the invocation only: the process and the others go on.
      if (!isConcurrent(emulator.config)) {
        reset(emulator, { requestId: invocation.record.requestId, reason: "Timeout", at })
      }
    } else if (emulator.state.releasing === invocation) {
      reset(emulator, { requestId: invocation.record.requestId, reason: "BusyAfterDeadline", at })
    }
  } else {
    // Node timers may fire a fraction of a millisecond early: re-arm until the deadline has passed.
    invocation.timer = setTimeout(() => armDeadline(emulator, invocation), Math.ceil(remaining))
  }
}

/**
 * Answers a `/next` with the invocation's event and starts its deadline.
 *
 * @internal
 */
export const deliver = (emulator: EmulatorInstance, invocation: InvocationState, res: http.ServerResponse) => {
  const at = now()
  const { options: invokeOptions, record } = invocation
  record.nextAnsweredAt = at
  record.deadlineMs = Math.floor(at + record.timeoutMs)
  const headers: Record<string, string> = {
    [P.headers.requestId]: record.requestId,
    [P.headers.deadlineMs]: String(record.deadlineMs),
    [P.headers.functionArn]: emulator.config.functionArn,
    [P.headers.contentType]: P.contentTypes.json
  }
  headers[P.headers.traceId] = invokeOptions.traceId ?? generateTraceId()
  if (invokeOptions.clientContext !== undefined) headers[P.headers.clientContext] = invokeOptions.clientContext
  if (invokeOptions.cognitoIdentity !== undefined) headers[P.headers.cognitoIdentity] = invokeOptions.cognitoIdentity
  if (invokeOptions.tenantId !== undefined) headers[P.headers.tenantId] = invokeOptions.tenantId
  if (isConcurrent(emulator.config)) emulator.state.inFlight.add(invocation)
  else emulator.state.current = invocation
  invocation.generation = emulator.state.generation
  send(res, 200, record.event, headers)
  armDeadline(emulator, invocation)
}

/**
 * Records a new invocation and delivers it at once when a `/next` is parked and nothing is ahead of it.
 *
 * @internal
 */
export const enqueue = (
  emulator: EmulatorInstance,
  event: unknown,
  invokeOptions: Api.InvokeOptions = {}
): InvocationState => {
  const { state } = emulator
  const invocation: InvocationState = {
    record: {
      requestId: invokeOptions.requestId ?? randomUUID(),
      event: encodeEvent(event),
      timeoutMs: invokeOptions.timeoutMs ?? emulator.config.functionTimeoutMs,
      deadlineMs: 0,
      enqueuedAt: now(),
      posts: []
    },
    options: invokeOptions,
    done: undefined,
    listeners: [],
    result: "none",
    timer: undefined,
    caller: undefined,
    receiving: undefined,
    progress: { bytes: 0, chunks: 0 },
    firstByteWaiters: [],
    generation: state.generation
  }
  state.all.push(invocation)
  state.byId.set(invocation.record.requestId, invocation)
  if (state.initFailed !== undefined) {
    finish(emulator, invocation, { _tag: "InitError", error: state.initFailed }, now())
  } else if (state.parked.length > 0 && state.current === undefined && state.queue.length === 0) {
    deliver(emulator, invocation, state.parked.shift()!)
  } else {
    state.queue.push(invocation)
  }
  return invocation
}

/**
 * The platform resets the environment (classic mode, a deadline passed): the runtime that was
 * running is discarded and the next invocation goes to a fresh init. Lambda kills the process;
 * the emulator moves the Runtime API to a new listener (the old one refuses every runtime request)
 * and tells whoever runs the runtime (`awaitReset`), who must start a fresh one with the new address.
 *
 * @internal
 */
export const reset = (emulator: EmulatorInstance, event: Api.EnvironmentReset) => {
  const { state } = emulator
  state.generation++
  state.discardedRuntime = true
  state.initDone = false
  state.initFailed = undefined
  release(state)
  state.extensionsThisInit = 0
  // A /next parked on the old listener belongs to the discarded runtime.
  for (const res of state.parked.splice(0)) res.destroy()
  emulator.openRuntimeApi()
  append(state.resets, event)
}
