/**
 * One invocation in flight on the Effect 4 line, from `/next` until its loop may ask for the next
 * one, and the one owner of its answer: the handler's result, a timeout, a shutdown and an error
 * outside Effect all answer through it; whichever comes first answers, the rest find it answered.
 * Signals and stray errors reach every invocation in flight through `Lifecycle.inFlight`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import { LambdaContext } from "../LambdaContext.js"
import { HandlerTimeout } from "../LambdaError.js"
import type { FatalRuntimeError } from "../LambdaError.js"
import type { LambdaHandler, Provided, Response } from "../LambdaHandler.js"
import * as Answer from "./answer.js"
import { Console, InvokeStore, Lifecycle as Rules, LogLine, Timers } from "./core.js"
import type { InvocationContext as InvocationContextCore, Protocol, Requests } from "./core.js"
import * as Detached from "./detached.js"
import { awaitUntil, fatal, ShutdownError, until } from "./lifecycle.js"
import type { InvocationInFlight, Lifecycle } from "./lifecycle.js"
import { InvocationContext } from "./invocationContext.js"
import type { RuntimeApiClient, RuntimeApiError } from "./runtimeApiClient.js"
import * as AfterResponse from "./telemetry/afterResponse.js"
import type { Telemetry } from "./telemetry/telemetry.js"

/**
 * What every invocation of one loop (lane) shares, made once when the lane starts.
 *
 * @internal
 */
export interface Lane<R> {
  readonly api: RuntimeApiClient
  readonly life: Lifecycle
  /** The user's services (the layer's) and the loop's references (loggers, levels). */
  readonly services: Context.Context<R>
  /** The handler: the raw invocation in, a buffered or streamed response out. */
  readonly handler: LambdaHandler<unknown, R | Provided>
  /** Who answers (answer.ts: the one place that calls `/response` or `/error`). */
  readonly poster: Answer.Poster
  /** Retries `/next` while it cannot reach the platform. */
  readonly retry: <A>(call: Effect.Effect<A, RuntimeApiError>) => Effect.Effect<A, RuntimeApiError>
  readonly timeoutMarginMs: number
  readonly invokeStore: InvokeStore.Store | undefined
  readonly asyncInvokeStore: boolean
  /** Lambda Managed Instances: work that does not stop holds its slot instead of ending the process. */
  readonly managed: boolean
  /** How many lanes serve at once (the slots). */
  readonly concurrency: number
  /** The clock and timers of the deadlines: the process's, or the test's `Clock` (`LambdaTest`). */
  readonly timer: Timers.Timer
  /** What each invocation's context says about the function. */
  readonly settings: InvocationContextCore.FunctionSettings
  /** Told when an invocation is over (its lane may ask for the next one), with its detached work's fate. */
  readonly onFinished?: ((requestId: string, detached: Detached.DetachedSummary) => void) | undefined
  /** Traces and metrics, when the environment turns them on: the span of each invocation, the export after it. */
  readonly telemetry?: Telemetry | undefined
}

/**
 * One invocation, from the event to the moment its lane may ask for the next one.
 *
 * @internal
 */
export class InFlight<R> implements InvocationInFlight {
  readonly requestId: string
  /** Whether its answer was posted (or is being posted): then nothing else answers it. */
  answered = false
  private readonly receivedAt: number
  private readonly softDeadline: number
  private readonly hardDeadline: number
  private fiber: Fiber.Fiber<Response, unknown> | undefined = undefined
  private detached: Detached.DetachedWork | undefined = undefined
  /**
   * The invocation's `Scope`, in the handler's services: what the handler acquires in it stays
   * open for its detached work, and is released after that work ended (or was stopped).
   */
  private scope: Scope.Closeable | undefined = undefined
  /** Its one answer: the stream the handler's fiber writes, the post (answer.ts). */
  private readonly reply: Answer.Answer

  constructor(readonly lane: Lane<R>, readonly invocation: Requests.Invocation) {
    this.requestId = invocation.requestId
    this.receivedAt = lane.timer.now()
    this.softDeadline = invocation.deadlineMs - lane.timeoutMarginMs
    this.hardDeadline = invocation.deadlineMs - Rules.FINALIZER_CUTOFF_MS
    this.reply = Answer.make(lane.poster, invocation.requestId)
  }

  /** The handler's own root fiber, started at once inside the invocation's async context. */
  private start(detached: Detached.DetachedWork, scope: Scope.Scope): Fiber.Fiber<Response, unknown> {
    const { invocation, lane } = this
    const context = new InvocationContext(invocation, lane.settings, lane.timer.now, detached.scope)
    // Every line it logs, and its detached fibers log, carries the invocation's ids.
    const annotations = Context.get(lane.services, References.CurrentLogAnnotations)
    const services = Context.add(
      Context.add(Context.add(lane.services, LambdaContext, context), Scope.Scope, scope),
      References.CurrentLogAnnotations,
      invocation.tenantId === undefined
        ? { ...annotations, [LogLine.REQUEST_ID]: invocation.requestId }
        : { ...annotations, [LogLine.REQUEST_ID]: invocation.requestId, [LogLine.TENANT_ID]: invocation.tenantId }
    )
    // Effect 4 keeps the async context a fiber starts in for it and the fibers it forks: with
    // several invocations in flight (Managed Instances), the Lambda-formatted console and the
    // InvokeStore find the calling invocation there (docs/design/effect-4.md, section 3). On
    // classic Lambda the console names the current invocation without one (core/console.ts).
    const identity = { requestId: invocation.requestId, tenantId: invocation.tenantId }
    const start = () =>
      // A streamed body is written by this fiber, under the deadline (streaming.ts).
      Effect.runForkWith(services as Context.Context<R | Provided>)(
        this.reply.consume(this.traced(Effect.suspend(() => lane.handler.handle(invocation, context))))
      )
    const run = lane.managed
      ? () => Console.identityStorage.run(identity, start)
      : () => {
        Console.enterClassic(identity)
        return start()
      }
    const store = lane.invokeStore
    if (store === undefined) return run()
    if (!lane.asyncInvokeStore) {
      InvokeStore.enter(store, invocation)
      return run()
    }
    return store.run(InvokeStore.contextOf(invocation), run)
  }

  /** The handler's effect inside the invocation's span, when traces are on. */
  private traced<A, E, X>(effect: Effect.Effect<A, E, X>): Effect.Effect<A, E, X> {
    const telemetry = this.lane.telemetry
    return telemetry === undefined ? effect : telemetry.traced(effect, this.invocation)
  }

  /**
   * Serves the invocation: the handler under its deadline, the answer, the detached window;
   * fails only when the runtime must exit.
   */
  serve(): Effect.Effect<void, FatalRuntimeError> {
    return Effect.gen({ self: this }, function*() {
      // Without a deadline there is nothing to time the handler against: answered at once.
      if (!Number.isFinite(this.invocation.deadlineMs)) {
        yield* this.answer(Answer.sendError(this.lane.poster, this.requestId, Rules.malformedInvocationDocument))
        return this.lane.life.remove(this)
      }
      const detached = Detached.make()
      this.detached = detached
      const scope = Scope.makeUnsafe()
      this.scope = scope
      const fiber = this.start(detached, scope)
      this.fiber = fiber
      const { at, now } = this.lane.timer
      const completed = yield* awaitUntil(fiber, this.softDeadline, at)
      let abandoned = false
      // What the invocation's scope closes with: the handler's exit, or the timeout it got.
      let exit: Exit.Exit<Response, unknown>
      if (Option.isSome(completed)) {
        exit = completed.value
        yield* this.answer(this.reply.post(completed.value))
      } else {
        const timeout = new HandlerTimeout({
          elapsedMs: now() - this.receivedAt,
          marginMs: this.lane.timeoutMarginMs
        })
        // A stream already on the wire ends with this error in its trailers.
        this.reply.interruptedBy(timeout)
        abandoned = Option.isNone(yield* until(Fiber.interrupt(fiber), this.hardDeadline, at))
        exit = Exit.fail(timeout)
        yield* this.answer(this.reply.post(exit))
      }
      if (abandoned) yield* this.stuck("handler", Rules.stuckLines.handler(fiber.id), Fiber.await(fiber))
      const windowStart = now()
      // The detached window: its fibers end, or are interrupted at `deadline - margin`; what
      // refuses to stop by `deadline - cut-off` ends the process (or holds the slot).
      if (!detached.isIdle()) yield* detached.awaitIdleUntil(this.softDeadline, at)
      // A scope with nothing left in it (the common case) closes at once: no wait is set up.
      if (detached.scope.state._tag === "Empty") yield* detached.close
      else if (Option.isNone(yield* until(detached.close, this.hardDeadline, at))) {
        // No fiber left: what does not end is a finalizer added to the scope itself.
        const fibers = detached.liveFiberIds().map((id) => `#${id}`)
        yield* fibers.length === 0
          ? this.stuck("scope", Rules.stuckLines.scope, detached.close)
          : this.stuck("detached", Rules.stuckLines.detached(fibers), detached.close)
      }
      // Then the invocation's scope, as on the Effect 3 line: its resources outlive the detached
      // work that may use them. Without finalizers (the common case) it closes at once.
      if (scope.state._tag !== "Open") yield* Scope.close(scope, exit)
      else {
        // Closing runs its finalizers uninterruptibly, once: a second close returns at once, so a
        // held slot waits for this fiber, not for another close.
        const closing = yield* Effect.forkDetach(Scope.close(scope, exit))
        if (Option.isNone(yield* awaitUntil(closing, this.hardDeadline, at))) {
          yield* this.stuck("scope", Rules.stuckLines.scope, Fiber.await(closing))
        }
      }
      // What ended (its spans, its detached work's, its metrics) is exported before the lane may
      // ask for the next invocation: the process may be frozen after that.
      const telemetry = this.lane.telemetry
      if (telemetry !== undefined) yield* telemetry.flush(now(), this.hardDeadline)
      yield* AfterResponse.flushAll(now(), this.hardDeadline)
      this.lane.life.remove(this)
      this.fiber = undefined
      this.detached = undefined
      this.scope = undefined
      const summary = detached.summary()
      for (const failure of summary.failures) {
        // Logged and nothing else: a detached failure never changes the posted answer, and a
        // value no logger can render (a user logger that throws) must not end the loop.
        yield* Effect.catchCause(
          Effect.logError(`Detached fiber #${failure.fiber.id} failed`, failure.cause),
          () => Effect.void
        )
      }
      // Built only when debug lines are kept, as on the Effect 3 line: this runs after every invocation.
      if (!LogLevel.isLessThan("Debug", yield* References.MinimumLogLevel)) {
        yield* Effect.logDebug(Rules.detachedSummaryLine(summary, now() - windowStart))
      }
      this.lane.onFinished?.(this.requestId, summary)
    }).pipe(Effect.annotateLogs(this.annotations()))
  }

  /** The invocation's ids, for the lines its lane logs about it. */
  private annotations(): Record<string, string> {
    const { requestId, tenantId } = this.invocation
    return tenantId === undefined
      ? { [LogLine.REQUEST_ID]: requestId }
      : { [LogLine.REQUEST_ID]: requestId, [LogLine.TENANT_ID]: tenantId }
  }

  /**
   * What would not stop by the cut-off: in the classic mode the process exits (the environment
   * is frozen after the answer, and would carry it into the next invocation); on Managed
   * Instances, where the environment is never frozen and other invocations go on, it keeps this
   * invocation's slot until it ends, and when every slot is held the runtime exits so that
   * Lambda replaces the environment.
   */
  private stuck(
    what: keyof typeof Rules.classicStuckExit,
    line: string,
    wait: Effect.Effect<unknown>
  ): Effect.Effect<void, FatalRuntimeError> {
    const { concurrency: slots, life, managed } = this.lane
    return Effect.suspend(() => {
      if (!managed) return fatal(`${line}${Rules.classicStuckExit[what]}`)
      life.heldSlots++
      if (life.heldSlots >= slots) return fatal(Rules.heldSlotLines.allHeld(line, slots))
      return Effect.logError(Rules.heldSlotLines.held(line, life.heldSlots, slots)).pipe(
        Effect.andThen(wait),
        Effect.ensuring(Effect.sync(() => life.heldSlots--)),
        Effect.andThen(Effect.logWarning(Rules.heldSlotLines.released(this.requestId)))
      )
    })
  }

  /**
   * Posts the answer (answer.ts: the post, its retries, what its failure means), unless something
   * else answered first. Not cut off by a shutdown: an answer half-posted would be lost, one
   * posted is the best answer. Marked answered inside the region, so that a shutdown never posts
   * a second one.
   */
  private answer(post: Effect.Effect<void, FatalRuntimeError>): Effect.Effect<void, FatalRuntimeError> {
    return Effect.uninterruptible(Effect.suspend(() => {
      if (this.answered) return Effect.void
      this.answered = true
      return post
    }))
  }

  /** Answers it outside any fiber (an error outside Effect), unless it was answered. */
  answerOutside(document: Protocol.ErrorDocument): Promise<void> | undefined {
    if (this.answered) return undefined
    this.answered = true
    return this.lane.life.report?.({ requestId: this.requestId }, document)
  }

  /**
   * Stops the invocation on shutdown: the handler and the detached fibers are interrupted and
   * their finalizers run, an invocation not yet answered gets `Runtime.Shutdown` (or the result
   * its handler already has), each wait within the shutdown budget (`life.within`).
   */
  stop(): Effect.Effect<void> {
    return Effect.gen({ self: this }, function*() {
      const { api, life } = this.lane
      const handler = this.fiber
      const signal = life.shutdownSignal
      // A stream already on the wire ends with Runtime.Shutdown in its trailers when the
      // handler's fiber is interrupted: that stream is the invocation's answer.
      this.reply.interruptedBy(new ShutdownError({ signal }))
      if (handler !== undefined && handler.pollUnsafe() === undefined) handler.interruptUnsafe()
      if (!this.answered && !this.reply.started()) {
        this.answered = true
        const done = handler?.pollUnsafe()
        const post: Effect.Effect<void, RuntimeApiError | FatalRuntimeError> =
          done !== undefined && !(Exit.isFailure(done) && Cause.hasInterrupts(done.cause))
            ? this.reply.post(done)
            : Effect.andThen(
              Effect.logError(Rules.shutdownAnswerLine(signal)),
              api.fail(this.requestId, Rules.shutdownDocument(signal))
            )
        yield* life.within(
          `the result POST of invocation ${this.requestId}`,
          Effect.catch(post, (error) => Effect.logError(`Could not answer the invocation: ${error.message}`))
        )
      }
      this.answered = true
      if (handler !== undefined && handler.pollUnsafe() === undefined) {
        yield* life.within(`the handler (fiber #${handler.id})`, Fiber.await(handler))
      }
      const detached = this.detached
      if (detached !== undefined) {
        yield* life.within(
          `detached fibers ${detached.liveFiberIds().map((id) => `#${id}`).join(", ") || "(finalizers)"}`,
          detached.close
        )
      }
      // The invocation's scope last, as after an invocation that ends on its own.
      const scope = this.scope
      if (scope !== undefined && scope.state._tag === "Open") {
        yield* life.within("the invocation scope's finalizers", Scope.close(scope, Exit.interrupt()))
      }
      life.remove(this)
    }).pipe(Effect.annotateLogs(this.annotations()))
  }
}
