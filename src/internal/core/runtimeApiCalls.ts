/**
 * The Runtime API's calls on keep-alive connections (http1.ts), each with its outcome handed to a
 * callback: the request table of runtimeApiRequests.ts applied, the answer checked and read. Both
 * lines of the runtime wrap these in their Effect (one `Effect.async`/`Effect.callback` per call),
 * so the client exists once.
 *
 * @internal
 */
import type * as Http1 from "./http1.js"
import type { ErrorDocument } from "./protocol.js"
import * as Requests from "./runtimeApiRequests.js"

/**
 * A call's outcome: its failure, or (`undefined` failure) the value its answer carries.
 *
 * @internal
 */
export type Done<A> = (failure: Requests.Failure | undefined, value: A) => void

/**
 * The calls of one client: the loop's on one connection, the extension's long poll on another.
 *
 * @internal
 */
export interface Calls {
  readonly next: (done: Done<Requests.Invocation>) => void
  readonly respond: (requestId: string, body: Uint8Array | string, contentType: string, done: Done<void>) => void
  readonly fail: (requestId: string, error: ErrorDocument, done: Done<void>) => void
  readonly initError: (error: ErrorDocument, done: Done<void>) => void
  /** Registers an extension with no events; its id is the value. */
  readonly register: (name: string, done: Done<string>) => void
  /** The extension's long poll (never answered when no event is subscribed). */
  readonly extensionNext: (id: string, done: Done<void>) => void
}

/** Reads an accepted answer: what it carries, or why it is not one after all. */
type Read<A> = (answer: Http1.Answer, done: Done<A>) => void

const nothing: Read<void> = (_answer, done) => done(undefined, undefined)

const readInvocation: Read<Requests.Invocation> = (answer, done) => {
  const invocation = Requests.parseInvocation(answer)
  if (invocation !== undefined) done(undefined, invocation)
  else done(Requests.malformedInvocation(answer), undefined as never)
}

const readRegisteredId: Read<string> = (answer, done) => {
  const id = Requests.registeredId(answer)
  if (id !== undefined) done(undefined, id)
  else done(Requests.unregistered(answer), undefined as never)
}

const send = <A>(
  connection: Http1.Connection,
  call: Requests.Call,
  path: string,
  headers: Requests.Headers,
  body: Uint8Array | string | undefined,
  read: Read<A>,
  done: Done<A>
): void =>
  connection.exchange(call.method, path, headers, body, (cause, answer) => {
    if (cause !== undefined) done(Requests.transportFailure(call.operation, cause), undefined as never)
    else if (answer!.status !== call.accepted) {
      done(Requests.statusFailure(call.operation, answer!.status, answer!.body), undefined as never)
    } else read(answer!, done)
  })

/**
 * The calls on `loop` (and the extension's long poll on `extension`).
 *
 * @internal
 */
export const make = (loop: Http1.Connection, extension: Http1.Connection): Calls => ({
  next: (done) => send(loop, Requests.next, Requests.next.path, Requests.next.headers, undefined, readInvocation, done),
  respond: (requestId, body, contentType, done) =>
    send(
      loop,
      Requests.response,
      Requests.response.path(requestId),
      Requests.response.headers(contentType),
      body,
      nothing,
      done
    ),
  fail: (requestId, error, done) =>
    send(
      loop,
      Requests.error,
      Requests.error.path(requestId),
      Requests.error.headers(error),
      Requests.error.body(error),
      nothing,
      done
    ),
  initError: (error, done) =>
    send(
      loop,
      Requests.initError,
      Requests.initError.path,
      Requests.initError.headers(error),
      Requests.initError.body(error),
      nothing,
      done
    ),
  // On the loop's connection, which `/next` then reuses: one connect less before the first invocation.
  register: (name, done) =>
    send(
      loop,
      Requests.register,
      Requests.register.path,
      Requests.register.headers(name),
      Requests.register.body,
      readRegisteredId,
      done
    ),
  extensionNext: (id, done) =>
    send(
      extension,
      Requests.extensionNext,
      Requests.extensionNext.path,
      Requests.extensionNext.headers(id),
      undefined,
      nothing,
      done
    )
})
