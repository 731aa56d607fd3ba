/**
 * One invocation in flight, from `/next` until the runtime may ask for the next one, and the
 * one owner of its answer: the handler's result, a timeout, a shutdown and an error outside
 * Effect all answer through it, and whichever comes first answers; the rest find it answered.
 * Signals and stray errors reach every invocation in flight through `Lifecycle.inFlight`.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import type * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import type { LambdaHandler } from "../../LambdaHandler.js"
import type { Invocation, Response, RuntimeApiService } from "../../RuntimeApi.js"
import type { ErrorDocument } from "../core/protocol.js"
import type { Poster } from "./answer.js"
import { fatal, postResult, reportStreamed, sendError } from "./answer.js"
import * as InvokeStore from "../core/invokeStore.js"
import {
  classicStuckExit,
  detachedSummaryLine,
  FINALIZER_CUTOFF_MS,
  heldSlotLines,
  malformedInvocationDocument,
  shutdownAnswerLine,
  stuckLines
} from "../core/lifecycle.js"
import * as RequestContext from "./requestContext.js"
import * as Detached from "./detached.js"
import { HandlerTimeout } from "./errors.js"
import type { FatalRuntimeError, RuntimeApiError } from "./errors.js"
import { LambdaContext } from "./lambdaContext.js"
import type { InvocationInFlight, Lifecycle } from "./lifecycle.js"
import { invocationAnnotations, logCause } from "./logger.js"
import { InvocationFacts } from "../core/invocationContext.js"
import type { RuntimeSettings } from "./settings.js"
import { ShutdownError, shutdownDocument } from "./shutdown.js"
import * as Streaming from "./streaming.js"
import { awaitUntil, contextTimer, until } from "./timers.js"
import type { Timer } from "./timers.js"
import * as AfterResponse from "./afterResponse.js"

/** @internal */
export { FINALIZER_CUTOFF_MS } from "../core/lifecycle.js"

/**
 * The fiber id under which the handler's fiber gets the invocation's annotations: not the loop
 * fiber's, so that `FiberRefs.updateAs` adds them without comparing them to the loop's (a hash of
 * both HashMaps).
 */
const ANNOTATIONS_ID = FiberId.make(-1, 0) as FiberId.Runtime

/**
 * What every invocation of one loop shares, made once when the loop starts: the Runtime API,
 * the settings, the process-level state, the detached-work supervisor, the user's services and
 * the handler.
 *
 * @internal
 */
export interface Loop<E, R> extends Poster {
  readonly api: RuntimeApiService
  readonly settings: RuntimeSettings
  readonly life: Lifecycle
  readonly supervisor: Detached.InvocationSupervisor
  readonly services: Context.Context<Exclude<R, LambdaContext | Scope.Scope>>
  readonly handler: LambdaHandler<E, R>
  /** Whether debug lines are kept (the detached-work summary is only built then). */
  readonly debug: boolean
  /** The loop fiber's log annotations, to which each invocation adds its request id. */
  readonly annotations: HashMap.HashMap<string, unknown>
  /** Called once per invocation when its answer was posted (LambdaTest awaits it). */
  readonly onAnswered?: ((requestId: string) => void) | undefined
  /** Called once per invocation when its detached work is over (LambdaTest awaits it). */
  readonly onFinished?: ((requestId: string, summary: Detached.DetachedSummary) => void) | undefined
}

/**
 * The handler's context: the core's facts (Node's context among them, built on first access),
 * with Effect's `remainingTime` and the invocation's detached scope.
 */
class InvocationContext extends InvocationFacts implements LambdaContext {
  readonly remainingTime: Effect.Effect<Duration.Duration>
  readonly [contextTimer]: Timer
  constructor(invocation: Invocation, settings: RuntimeSettings, readonly detachedScope: Scope.Scope) {
    const timer = settings.timer
    super(invocation, settings.config, () => timer.now())
    const deadlineMs = invocation.deadlineMs
    this.remainingTime = Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(Math.max(0, deadlineMs - now)))
    this[contextTimer] = timer
  }
}

/**
 * One invocation, from the event to the moment the runtime may ask for the next one.
 *
 * @internal
 */
export class InFlight<E, R> implements InvocationInFlight {
  readonly requestId: string
  /** Whether its result was posted (or its stream opened): then nothing else answers it. */
  answered = false
  private readonly receivedAt: number
  private readonly softDeadline: number
  private readonly hardDeadline: number
  private handlerFiber: Fiber.RuntimeFiber<Response, unknown> | undefined = undefined
  private detached: Detached.DetachedWork | undefined = undefined
  private scope: Scope.CloseableScope | undefined = undefined
  private streamed: Streaming.StreamedPost | undefined = undefined
  private logAnnotations: HashMap.HashMap<string, unknown> | undefined = undefined

  constructor(readonly loop: Loop<E, R>, readonly invocation: Invocation) {
    this.requestId = invocation.requestId
    this.receivedAt = loop.settings.timer.now()
    this.softDeadline = invocation.deadlineMs - loop.settings.timeoutMarginMs
    this.hardDeadline = invocation.deadlineMs - FINALIZER_CUTOFF_MS
  }

  /** The loop's log annotations with this invocation's request id (and tenant id). */
  private annotations(): HashMap.HashMap<string, unknown> {
    return this.logAnnotations ??= invocationAnnotations(
      this.loop.annotations,
      this.requestId,
      this.invocation.tenantId
    )
  }

  /**
   * `effect` with the invocation's annotations on the loop fiber: what the loop logs for an
   * invocation (its failure, a failed post, stuck fibers, detached failures, user finalizers it
   * runs) carries its request id. Only around steps that may log: the happy path sets nothing.
   */
  annotated<A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.locally(effect, FiberRef.currentLogAnnotations, this.annotations())
  }

  /**
   * Serves the invocation: the handler under its deadline, the answer, the detached window;
   * fails only when the runtime must exit. The steps run in one generator, in the order of the
   * lifecycle, and `release` lets go of the invocation's fibers and scopes at the end.
   */
  serve(): Effect.Effect<void, FatalRuntimeError> {
    const loop = this.loop
    const invocation = this.invocation
    const requestId = this.requestId
    return Effect.gen(this, function*() {
      if (!Number.isFinite(invocation.deadlineMs)) {
        yield* this.annotated(this.answerWith(malformedInvocationDocument))
        this.release()
        return
      }
      const timer = loop.settings.timer
      const settings = loop.settings
      if (settings.invokeStore !== undefined && !settings.asyncInvokeStore) {
        InvokeStore.enter(settings.invokeStore, invocation)
      }
      const detached = yield* Detached.make(loop.supervisor)
      const scope = yield* Scope.make()
      const context = new InvocationContext(invocation, loop.settings, detached.scope)
      const streamed = Streaming.make(loop.api, requestId)
      this.detached = detached
      this.scope = scope
      this.streamed = streamed
      // Suspended: a handler function that throws instead of returning an Effect fails its own
      // fiber (a defect, posted as `/error`), not the loop.
      const handler = loop.handler
      const handled = Effect.suspend(() => handler.handle(invocation, context)) as Effect.Effect<Response, E>
      // The handler's fiber starts at once, on this call stack, with the loop's FiberRefs (log
      // annotations, logger, supervisor) and its own services, like `Effect.forkDaemon` but
      // without a scheduler round: a handler that completes synchronously is done before
      // `awaitUntil` looks, which then needs no timer and no suspension. This object owns the
      // fiber's lifetime: it interrupts it at the deadline itself.
      const parent = yield* Effect.runtime<never>()
      const runtime = Runtime.make({
        context: Context.add(Context.add(loop.services, LambdaContext, context), Scope.Scope, scope) as Context.Context<
          never
        >,
        fiberRefs: FiberRefs.updateAs(parent.fiberRefs, {
          fiberId: ANNOTATIONS_ID,
          fiberRef: FiberRef.currentLogAnnotations,
          value: this.annotations()
        }),
        runtimeFlags: parent.runtimeFlags
      })
      // A streamed body is written by this fiber, under the deadline (see streaming.ts).
      const consumed = Effect.flatMap(handled, streamed.consume)
      const effect = settings.telemetry === undefined ? consumed : settings.telemetry.traced(invocation, consumed)
      const enter = RequestContext.enterFor(settings, invocation)
      const fiber = enter !== undefined
        ? RequestContext.runForkIn(enter, runtime, effect)
        : Runtime.runFork(runtime, effect)
      this.handlerFiber = fiber

      let exit: Exit.Exit<Response, unknown>
      let abandoned = false
      const completed = yield* awaitUntil(fiber, this.softDeadline, timer)
      if (Option.isSome(completed)) {
        exit = completed.value
      } else {
        const timeout = new HandlerTimeout({
          elapsedMs: timer.now() - this.receivedAt,
          marginMs: loop.settings.timeoutMarginMs
        })
        // A stream already on the wire ends with this error in its trailers.
        streamed.interruptedBy(timeout)
        abandoned = Option.isNone(yield* until(Fiber.interrupt(fiber), this.hardDeadline, timer))
        exit = Exit.fail(timeout)
      }
      yield* this.answer(exit, abandoned)
      if (abandoned) {
        const stuck = stuckLines.handler(fiber.id().id)
        if (!settings.managed) return yield* this.annotated(fatal(`${stuck}${classicStuckExit.handler}`))
        yield* this.annotated(this.holdSlot(stuck, Fiber.await(fiber)))
      }

      // The detached window: wait for every detached fiber (late forks included), at most until
      // `deadline - margin`, then interrupt the rest and run finalizers, then close the
      // invocation's scope. Scopes without finalizers close at once: the waits are only set up
      // when needed.
      const windowStart = timer.now()
      if (!detached.isIdle()) yield* detached.awaitIdleUntil(this.softDeadline, timer)
      if (detached.isEmpty()) yield* detached.close
      else if (Option.isNone(yield* this.annotated(until(detached.close, this.hardDeadline, timer)))) {
        const stuck = stuckLines.detached(detached.liveFiberIds())
        if (!settings.managed) return yield* this.annotated(fatal(`${stuck}${classicStuckExit.detached}`))
        yield* this.annotated(this.holdSlot(stuck, detached.close))
      }
      // The finalizers (the handler's own, from its `Scope`) run on this fiber: under the annotations.
      const closeScope = this.annotated(Scope.close(scope, exit))
      if (!Detached.hasFinalizers(scope)) yield* Scope.close(scope, exit)
      else if (Option.isNone(yield* until(closeScope, this.hardDeadline, timer))) {
        const stuck = stuckLines.scope
        if (!settings.managed) return yield* this.annotated(fatal(`${stuck}${classicStuckExit.scope}`))
        yield* this.annotated(this.holdSlot(stuck, closeScope))
      }
      this.release()
      const summary = detached.finish()
      loop.onFinished?.(requestId, summary)
      for (const failure of summary.failures) {
        // Logged and nothing else: a detached failure never changes the posted answer, and a
        // value no logger can render must not end the loop.
        yield* this.annotated(logCause(`Detached fiber #${failure.fiber.id().id} failed`, failure.cause))
      }
      // Built only when debug lines are kept: this runs after every invocation.
      if (loop.debug) {
        yield* this.annotated(Effect.logDebug(detachedSummaryLine(summary, timer.now() - windowStart)))
      }
      // Last in the window, when the invocation's spans (detached ones included) have ended:
      // EMF lines and spans out before `/next`, within the invocation's hard deadline.
      if (settings.telemetry !== undefined) yield* this.annotated(settings.telemetry.export(this.hardDeadline))
      // `Effect.void` when no flush is registered (nothing to run, nothing to annotate).
      const flush = AfterResponse.flushAll(this.hardDeadline)
      if (flush !== Effect.void) yield* this.annotated(flush)
    })
  }

  /**
   * On Managed Instances, where the environment is never frozen and other invocations go on:
   * what would not stop at the deadline keeps this invocation's slot (its loop asks for no
   * other invocation) until it ends. When every slot is held nothing can be served any more, and
   * the runtime exits so that Lambda replaces the environment.
   */
  private holdSlot(stuck: string, wait: Effect.Effect<unknown>): Effect.Effect<void, FatalRuntimeError> {
    const life = this.loop.life
    const slots = this.loop.settings.concurrency
    return Effect.suspend(() => {
      life.heldSlots++
      if (life.heldSlots >= slots) return fatal(heldSlotLines.allHeld(stuck, slots))
      return Effect.logError(heldSlotLines.held(stuck, life.heldSlots, slots)).pipe(
        Effect.zipRight(wait),
        Effect.ensuring(Effect.sync(() => life.heldSlots--)),
        Effect.zipRight(Effect.logWarning(heldSlotLines.released(this.requestId)))
      )
    })
  }

  /**
   * Ends its time in flight: out of `life.inFlight`, and its hold on the handler's fiber, the
   * scopes and the stream let go of. The serve Effect's closures keep this object reachable
   * after the invocation (from objects V8 promoted and only frees at its next full GC); holding
   * on to those would carry every invocation's fiber, context and scopes into the old
   * generation with it (about 5x the bytes promoted per scavenge, twice the full GCs). The
   * old `Lifecycle` cleared its fields at the same point.
   */
  private release(): void {
    this.loop.life.remove(this)
    this.handlerFiber = undefined
    this.detached = undefined
    this.scope = undefined
    this.streamed = undefined
  }

  /**
   * Posts the result, unless something else answered first. Not cut off by a shutdown: a result
   * half-posted would be lost, one posted is the best answer. Marked answered inside the
   * region, so that a shutdown never posts a second one.
   */
  private answer(exit: Exit.Exit<Response, unknown>, abandoned: boolean): Effect.Effect<void, FatalRuntimeError> {
    return Effect.uninterruptible(Effect.suspend(() => {
      if (this.answered) return Effect.void
      this.answered = true
      const streamed = this.streamed!
      const post = streamed.started()
        ? this.annotated(reportStreamed(streamed, exit, abandoned))
        : Exit.isFailure(exit)
        ? this.annotated(postResult(this.loop, this.requestId, exit))
        : postResult(this.loop, this.requestId, exit, (effect) => this.annotated(effect))
      return Effect.tap(post, () => this.loop.onAnswered?.(this.requestId))
    }))
  }

  /** Answers with `document` (an invocation that cannot be served). */
  private answerWith(document: ErrorDocument): Effect.Effect<void, FatalRuntimeError> {
    return Effect.uninterruptible(Effect.suspend(() => {
      this.answered = true
      return Effect.tap(sendError(this.loop, this.requestId, document), () => this.loop.onAnswered?.(this.requestId))
    }))
  }

  /**
   * Answers with `document` on a connection of its own, outside any fiber (an error outside
   * Effect: the process is about to exit); `undefined` if it was already answered.
   */
  answerOutside(document: ErrorDocument): Promise<void> | undefined {
    if (this.answered) return undefined
    this.answered = true
    return this.loop.life.report?.({ requestId: this.requestId }, document)
  }

  /**
   * Stops the invocation on shutdown: the handler and the detached fibers are interrupted and
   * their finalizers run, an invocation not yet answered gets `Runtime.Shutdown` (or the result
   * its handler already has), each wait within the shutdown budget (`life.within`).
   */
  stop(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const life = this.loop.life
      const handler = this.handlerFiber
      const streamed = this.streamed
      const signal = life.shutdownSignal
      return this.annotated(Effect.gen(this, function*() {
        streamed?.interruptedBy(new ShutdownError({ signal }))
        if (handler !== undefined && handler.unsafePoll() === null) yield* handler.interruptAsFork(FiberId.none)
        if (!this.answered && streamed?.started() !== true) {
          this.answered = true
          const done = handler?.unsafePoll()
          const post: Effect.Effect<void, RuntimeApiError | FatalRuntimeError> =
            done !== undefined && done !== null && !(Exit.isFailure(done) && Exit.isInterrupted(done))
              ? postResult(this.loop, this.requestId, done)
              : Effect.zipRight(
                Effect.logError(shutdownAnswerLine(signal)),
                this.loop.api.fail(this.requestId, shutdownDocument(signal))
              )
          yield* life.within(
            `the result POST of invocation ${this.requestId}`,
            Effect.catchAll(post, (error) => Effect.logError(`Could not answer the invocation: ${error.message}`))
          )
        }
        if (handler !== undefined && handler.unsafePoll() === null) {
          yield* life.within(`the handler (fiber #${handler.id().id})`, Fiber.await(handler))
        }
        const detached = this.detached
        if (detached !== undefined && !detached.isEmpty()) {
          yield* life.within(`detached fibers ${detached.liveFiberIds().join(", ") || "(finalizers)"}`, detached.close)
        }
        const scope = this.scope
        if (scope !== undefined && Detached.hasFinalizers(scope)) {
          yield* life.within("the invocation scope's finalizers", Scope.close(scope, Exit.interrupt(FiberId.none)))
        }
        life.remove(this)
      }))
    })
  }
}
