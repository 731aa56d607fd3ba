/**
 * The emulator's state and the transitions every endpoint shares: queueing an invocation,
 * delivering it to a `/next`, arming its deadline and finishing it exactly once.
 *
 * State is one plain object, mutated only by `node:http` callbacks and `Effect.sync` blocks on the
 * single JavaScript thread (never across an `await`); waiting is done with Deferreds and
 * `Effect.async`.
 *
 * @internal
 */
import { Deferred, Exit, FiberId } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import type * as http from "node:http"
import type * as net from "node:net"
import type * as Api from "../../../Emulator.js"
import * as P from "../../core/protocol.js"
import { encodeEvent, exitMessage, now, send } from "./wire.js"
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
  readonly done: Deferred.Deferred<Api.InvocationRecord>
  readonly listeners: Array<(record: Api.InvocationRecord) => void>
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
}

/**
 * Everything the emulator knows; see the module comment for how it is mutated.
 *
 * @internal
 */
export interface State {
  /** Invocations not yet delivered, in order. */
  queue: Array<InvocationState>
  /** The invocation delivered by `/next` whose result is still owed. */
  current: InvocationState | undefined
  /** The last finished invocation, until the runtime's next `/next` releases it. */
  releasing: InvocationState | undefined
  parkedNext: http.ServerResponse | undefined
  initDone: boolean
  initFailed: Api.RecordedError | undefined
  initError: Api.RecordedError | undefined
  readonly initErrorDone: Deferred.Deferred<Api.RecordedError>
  readonly all: Array<InvocationState>
  readonly byId: Map<string, InvocationState>
  readonly nextRequests: Array<number>
  nextWaiters: Array<{ readonly n: number; readonly resume: (at: number) => void }>
  readonly extensions: Array<Api.RegisteredExtension>
  /** Extensions registered during the current init (the limit applies per environment). */
  extensionsThisInit: number
  readonly extensionPolls: Set<http.ServerResponse>
  /**
   * Bumped when the platform resets the environment. A runtime connection is tagged with the
   * generation of its first request; a request on a connection of an older generation comes from
   * the runtime the reset discarded.
   */
  generation: number
  readonly connections: WeakMap<net.Socket, number>
  /** A reset discarded the runtime and its exit has not been reported yet. */
  discardedRuntime: boolean
  readonly resets: Array<Api.EnvironmentReset>
  resetWaiters: Array<{ readonly n: number; readonly resume: (reset: Api.EnvironmentReset) => void }>
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
  parkedNext: undefined,
  initDone: false,
  initFailed: undefined,
  initError: undefined,
  initErrorDone: Deferred.unsafeMake<Api.RecordedError>(FiberId.none),
  all: [],
  byId: new Map(),
  nextRequests: [],
  nextWaiters: [],
  extensions: [],
  extensionsThisInit: 0,
  extensionPolls: new Set(),
  generation: 0,
  connections: new WeakMap(),
  discardedRuntime: false,
  resets: [],
  resetWaiters: []
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
export const recordNextRequest = (state: State): number => {
  const at = now()
  state.nextRequests.push(at)
  const count = state.nextRequests.length
  state.nextWaiters = state.nextWaiters.filter((waiter) => {
    if (waiter.n > count) return true
    waiter.resume(state.nextRequests[waiter.n - 1]!)
    return false
  })
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
    invocation.record.posts.push({ kind: "response", status: 400, at })
    if (!res.headersSent) {
      const body = JSON.stringify({ errorMessage: "Invalid request ID", errorType: P.apiErrorTypes.invalidRequestId })
      res.writeHead(400, {
        [P.headers.contentType]: P.contentTypes.json,
        "content-length": String(Buffer.byteLength(body)),
        connection: "close"
      })
      res.end(body, () => req.destroy())
    }
  }
  const record = snapshot(invocation)
  Deferred.unsafeDone(invocation.done, Exit.succeed(record))
  for (const listener of invocation.listeners.splice(0)) listener(record)
}

const armDeadline = (emulator: EmulatorInstance, invocation: InvocationState) => {
  const remaining = invocation.record.deadlineMs - now()
  if (remaining <= 0) {
    invocation.timer = undefined
    const at = now()
    if (invocation.result !== "done") {
      finish(emulator, invocation, { _tag: "Timeout", message: P.timeoutMessage(invocation.record.timeoutMs) }, at)
      reset(emulator, { requestId: invocation.record.requestId, reason: "Timeout", at })
    } else if (emulator.state.releasing === invocation) {
      reset(emulator, { requestId: invocation.record.requestId, reason: "BusyAfterDeadline", at })
    }
  } else {
    // Node timers may fire a fraction of a millisecond early: re-arm until the deadline has passed.
    invocation.timer = setTimeout(() => armDeadline(emulator, invocation), Math.ceil(remaining))
  }
}

/**
 * A trace header as Lambda generates one for an invocation that arrives without one (no active
 * tracing): a new root (version 1, the epoch second in hex, 96 random bits), a random parent
 * segment id, not sampled. Lambda always sends `Lambda-Runtime-Trace-Id`; Powertools Tracer fails
 * without it.
 *
 * @internal
 */
export const generateTraceId = (): string => {
  const seconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, "0")
  return `Root=1-${seconds}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=0`
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
  emulator.state.current = invocation
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
    done: Deferred.unsafeMake<Api.InvocationRecord>(FiberId.none),
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
  } else if (state.parkedNext !== undefined && state.current === undefined && state.queue.length === 0) {
    const res = state.parkedNext
    state.parkedNext = undefined
    deliver(emulator, invocation, res)
  } else {
    state.queue.push(invocation)
  }
  return invocation
}

/**
 * The runtime process exited: the current invocation (and, during init, the queued ones) fail
 * with `Runtime.ExitError`, and the next runtime process starts a fresh init.
 *
 * @internal
 */
export const runtimeExited = (emulator: EmulatorInstance, exit: Api.RuntimeExit) => {
  const { state } = emulator
  if (state.discardedRuntime) {
    // The runtime a reset discarded: its invocation already timed out, and a fresh runtime may
    // already be initialising or serving; nothing of that one may be failed or closed.
    state.discardedRuntime = false
    return
  }
  const at = now()
  const current = state.current
  if (current !== undefined) {
    finish(emulator, current, { _tag: "ExitError", message: exitMessage(current.record.requestId, exit) }, at)
  }
  if (!state.initDone && state.initFailed === undefined) {
    // the runtime died during init: the invocations that triggered the cold start fail
    for (const invocation of state.queue.splice(0)) {
      finish(emulator, invocation, { _tag: "ExitError", message: exitMessage(invocation.record.requestId, exit) }, at)
    }
  }
  state.initDone = false
  state.initFailed = undefined
  release(state)
  state.extensionsThisInit = 0
  state.parkedNext?.destroy()
  state.parkedNext = undefined
  for (const poll of state.extensionPolls) poll.destroy()
  state.extensionPolls.clear()
}

/**
 * The platform resets the environment (a deadline passed): the runtime that was running is
 * discarded and the next invocation goes to a fresh init. Lambda kills the process; the emulator
 * can only refuse it (see `isDiscarded`) and tell whoever runs it (`awaitReset`).
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
  state.resets.push(event)
  const count = state.resets.length
  state.resetWaiters = state.resetWaiters.filter((waiter) => {
    if (waiter.n > count) return true
    waiter.resume(state.resets[waiter.n - 1]!)
    return false
  })
}

/**
 * Whether a runtime request arrived on a connection of a discarded runtime. A connection's first
 * request tags it with the current generation.
 *
 * @internal
 */
export const isDiscarded = (emulator: EmulatorInstance, socket: net.Socket): boolean => {
  const { state } = emulator
  const generation = state.connections.get(socket)
  if (generation === undefined) {
    state.connections.set(socket, state.generation)
    return false
  }
  return generation < state.generation
}

/**
 * A late result for an invocation of an older generation tags its connection as that generation's.
 *
 * @internal
 */
export const markDiscarded = (emulator: EmulatorInstance, socket: net.Socket, generation: number) => {
  emulator.state.connections.set(socket, generation)
}

/**
 * How the last reset came about, for the answers and log lines about a discarded runtime.
 *
 * @internal
 */
export const describeLastReset = (emulator: EmulatorInstance): string => {
  const last = emulator.state.resets.at(-1)
  if (last === undefined) return "the environment was reset"
  return last.reason === "Timeout"
    ? `RequestId ${last.requestId} timed out and the environment was reset`
    : `the runtime was still busy at the deadline of RequestId ${last.requestId} and the environment was reset`
}
