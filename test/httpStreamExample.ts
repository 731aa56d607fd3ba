/**
 * What both lines' example tests check of `examples/http-stream.ts` (each line's own copy of
 * the example, run as a child process against the emulator): the event it is invoked with and
 * what its caller sees of the streamed answer. No Effect, no vitest: each suite asserts on
 * {@link ticksSeen} with its own `expect`.
 */
import { readFileSync } from "node:fs"
import type { InvocationRecord } from "../src/internal/core/emulator/types.js"

/** The Function URL event the example is invoked with (`examples/events/http-stream.json`: `GET /ticks?count=3`). */
export const ticksEvent = (): unknown =>
  JSON.parse(readFileSync(new URL("../examples/events/http-stream.json", import.meta.url), "utf8"))

/** What the caller got: the head decoded from the HTTP integration stream, the events, and the time they took. */
export const ticksSeen = (record: InvocationRecord) => {
  const outcome = record.outcome
  if (outcome?._tag !== "Response" || outcome.http?._tag !== "Decoded") return { outcome }
  const events = Buffer.from(outcome.http.body).toString().split("\n\n").filter((event) => event.length > 0)
  return {
    streaming: outcome.streaming,
    statusCode: outcome.http.statusCode,
    contentType: outcome.http.headers["content-type"],
    events: events.length,
    /** Whether the first event is a tick numbered 1, as the example writes it. */
    firstIsTick: /^event: tick\ndata: \{"n":1,/.test(events[0] ?? ""),
    /** From the first byte to the last (ms): ticks are 100 ms apart, so well over 100 when streamed. */
    spreadMs: record.lastByteAt! - record.firstByteAt!
  }
}

/** What {@link ticksSeen} must match, the timing aside: three ticks (`count=3`), streamed. */
export const ticksExpected = {
  streaming: true,
  statusCode: 200,
  contentType: "text/event-stream",
  events: 3,
  firstIsTick: true
} as const
