/**
 * The timers the runtime arms itself, in absolute time (epoch ms), with plain Node timers: both
 * lines' deadlines, the shutdown budget's hard exit and the detached windows go through here.
 *
 * Node's `setTimeout` cannot wait longer than 2^31-1 ms: past it, Node warns and fires after
 * 1 ms. A deadline that far away (a bogus `Lambda-Runtime-Deadline-Ms`, a long shutdown
 * budget) would then time out at once. Every delay is clamped, and a timer that fired because
 * it was clamped is armed again until the time is really reached.
 */

/**
 * The longest delay `setTimeout` honours.
 *
 * @internal
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

/**
 * The delay until the absolute time `atMs`, within what `setTimeout` accepts.
 *
 * @internal
 */
export const delayUntil = (atMs: number): number => Math.min(MAX_TIMER_DELAY_MS, Math.max(0, atMs - Date.now()))

/** A time `at` was asked for: called once at `atMs` unless cancelled first. */
interface Due {
  readonly atMs: number
  readonly onTime: () => void
}

/**
 * The times of {@link at} (the loop's deadlines, several per invocation) share one Node timer,
 * armed for the earliest. Each invocation's deadline is later than the last, and is cancelled
 * long before it: a `setTimeout`/`clearTimeout` pair per deadline (a Node timer list created
 * and dropped for each new delay) cost about 10% of an async invocation's CPU; adding to and
 * deleting from this set costs next to nothing. The timer keeps the process alive only while a
 * time is pending, as a timer of its own would.
 */
const pending = new Set<Due>()
let timer: ReturnType<typeof setTimeout> | undefined
let armedAtMs = Infinity

const fire = () => {
  timer = undefined
  armedAtMs = Infinity
  const now = Date.now()
  const due: Array<Due> = []
  for (const entry of pending) if (entry.atMs <= now) due.push(entry)
  for (const entry of due) pending.delete(entry)
  for (const entry of due) entry.onTime()
  arm()
}

/** Arms the timer for the earliest pending time, unless it already fires no later. */
const arm = () => {
  let earliest = Infinity
  for (const entry of pending) if (entry.atMs < earliest) earliest = entry.atMs
  if (earliest === Infinity) {
    timer?.unref()
    return
  }
  if (timer !== undefined && armedAtMs <= earliest) {
    timer.ref()
    return
  }
  if (timer !== undefined) clearTimeout(timer)
  const delay = delayUntil(earliest)
  // Beyond setTimeout's range the timer fires early, finds nothing due, and is armed again.
  armedAtMs = delay === MAX_TIMER_DELAY_MS ? Date.now() + delay : earliest
  timer = setTimeout(fire, delay)
}

/**
 * Calls `onTime` at the absolute time `atMs`; the returned function cancels it. The times share
 * one timer (see `pending`); an `unref` one (it must not keep the process alive) has its own.
 *
 * @internal
 */
export const at = (atMs: number, onTime: () => void, unref = false): () => void => {
  if (!unref) {
    const entry: Due = { atMs, onTime }
    pending.add(entry)
    arm()
    return () => {
      if (pending.delete(entry) && pending.size === 0) timer?.unref()
    }
  }
  let own: ReturnType<typeof setTimeout>
  const armOwn = () => {
    const delay = delayUntil(atMs)
    own = setTimeout(delay === MAX_TIMER_DELAY_MS ? armOwn : onTime, delay)
    own.unref()
  }
  armOwn()
  return () => clearTimeout(own)
}

/**
 * The runtime's time: when it is and a call at an absolute time. The runtime uses the process's
 * clock and {@link at}; `LambdaTest` uses Effect's `Clock`, so that `TestClock` drives the
 * deadlines of an invocation.
 *
 * @internal
 */
export interface Timer {
  /** The current time, epoch ms. */
  readonly now: () => number
  /** Calls `onTime` at `atMs` (epoch ms); the returned function cancels it. */
  readonly at: (atMs: number, onTime: () => void) => () => void
}

/**
 * The process's clock and the shared Node timer.
 *
 * @internal
 */
export const nodeTimer: Timer = { now: Date.now, at: (atMs, onTime) => at(atMs, onTime) }

/**
 * Where an invocation's context keeps the loop's timer, for handlers that arm deadlines of their
 * own (the batch cut-off): the process's clock in a function, `TestClock` under `LambdaTest`.
 *
 * @internal
 */
export const contextTimer: unique symbol = Symbol("effect-lambda-runtime/timer")

/**
 * The loop's timer of an invocation's context; the process's clock for a context the runtime did
 * not make.
 *
 * @internal
 */
export const timerOf = (context: object): Timer =>
  (context as { readonly [contextTimer]?: Timer })[contextTimer] ?? nodeTimer
