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
import { randomUUID } from "node:crypto"
import type * as http from "node:http"
import type * as Api from "../../Emulator.js"
import * as P from "../protocol.js"
import { encodeEvent, exitMessage, now, send } from "./wire.js"
import type { Mutable } from "./wire.js"

/** One invocation, from `enqueue` to its outcome. */
export interface Invocation {
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
}

/** The invoke endpoint's caller of one invocation. */
export interface Caller {
  readonly res: http.ServerResponse
  /** The status line and headers went out: the body is being streamed live. */
  live: boolean
  /** HTTP integration bytes collected until the prelude's delimiter has arrived. */
  pending: Buffer | undefined
  /** The prelude was malformed: the caller gets the buffered answer at the end instead. */
  buffered: boolean
}

/** The options of `make` with their defaults applied. */
export interface Config {
  readonly functionTimeoutMs: number
  readonly functionName: string
  readonly functionVersion: string
  readonly functionArn: string
  readonly memorySizeMb: number
  readonly region: string
  readonly handler: string | undefined
}

/** Everything the emulator knows; see the module comment for how it is mutated. */
export interface State {
  /** Invocations not yet delivered, in order. */
  queue: Array<Invocation>
  /** The invocation delivered by `/next` whose result is still owed. */
  current: Invocation | undefined
  /** The last finished invocation, until the runtime's next `/next` releases it. */
  releasing: Invocation | undefined
  parkedNext: http.ServerResponse | undefined
  initDone: boolean
  initFailed: Api.RecordedError | undefined
  initError: Api.RecordedError | undefined
  readonly initErrorDone: Deferred.Deferred<Api.RecordedError>
  readonly all: Array<Invocation>
  readonly byId: Map<string, Invocation>
  readonly nextRequests: Array<number>
  nextWaiters: Array<{ readonly n: number; readonly resume: (at: number) => void }>
  readonly extensions: Array<Api.RegisteredExtension>
  readonly extensionPolls: Set<http.ServerResponse>
}

/** The emulator: its configuration and its state, passed to every endpoint. */
export interface Emulator {
  readonly config: Config
  readonly state: State
}

/** A fresh state: nothing queued, init not yet done. */
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
  extensionPolls: new Set()
})

/** A copy of the record that later mutations do not reach. */
export const snapshot = (invocation: Invocation): Api.InvocationRecord => ({
  ...invocation.record,
  posts: [...invocation.record.posts]
})

/** Sets the outcome (once), releases the environment for the next `/next` and wakes the waiters. */
export const finish = (emulator: Emulator, invocation: Invocation, outcome: Api.InvocationOutcome, at: number) => {
  const { state } = emulator
  if (invocation.result === "done") return
  invocation.result = "done"
  if (invocation.timer !== undefined) clearTimeout(invocation.timer)
  invocation.timer = undefined
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

const armDeadline = (emulator: Emulator, invocation: Invocation) => {
  const remaining = invocation.record.deadlineMs - now()
  if (remaining <= 0) {
    finish(emulator, invocation, { _tag: "Timeout", message: P.timeoutMessage(invocation.record.timeoutMs) }, now())
  } else {
    // Node timers may fire a fraction of a millisecond early: re-arm until the deadline has passed.
    invocation.timer = setTimeout(() => armDeadline(emulator, invocation), Math.ceil(remaining))
  }
}

/** Answers a `/next` with the invocation's event and starts its deadline. */
export const deliver = (emulator: Emulator, invocation: Invocation, res: http.ServerResponse) => {
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
  if (invokeOptions.traceId !== undefined) headers[P.headers.traceId] = invokeOptions.traceId
  if (invokeOptions.clientContext !== undefined) headers[P.headers.clientContext] = invokeOptions.clientContext
  if (invokeOptions.cognitoIdentity !== undefined) headers[P.headers.cognitoIdentity] = invokeOptions.cognitoIdentity
  if (invokeOptions.tenantId !== undefined) headers[P.headers.tenantId] = invokeOptions.tenantId
  emulator.state.current = invocation
  send(res, 200, record.event, headers)
  armDeadline(emulator, invocation)
}

/** Records a new invocation and delivers it at once when a `/next` is parked and nothing is ahead of it. */
export const enqueue = (emulator: Emulator, event: unknown, invokeOptions: Api.InvokeOptions = {}): Invocation => {
  const { state } = emulator
  const invocation: Invocation = {
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
    firstByteWaiters: []
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
 */
export const runtimeExited = (emulator: Emulator, exit: Api.RuntimeExit) => {
  const { state } = emulator
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
  state.releasing = undefined
  state.parkedNext?.destroy()
  state.parkedNext = undefined
  for (const poll of state.extensionPolls) poll.destroy()
  state.extensionPolls.clear()
}
