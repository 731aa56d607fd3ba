/**
 * Spans to the X-Ray daemon without the X-Ray SDK: each span becomes a subsegment document of the
 * daemon's JSON format (the invocation's SERVER span a subsegment of Lambda's own `function`
 * segment, whose id is the header's `Parent`), sent over UDP with the daemon's header line.
 * Only sampled spans are sent (`Sampled=1`); nothing is sent for `Sampled=0`.
 *
 * @internal
 */
import type { FinishedSpan } from "./spans.js"
import type { XRaySettings } from "./settings.js"

/**
 * The daemon's header line, before each document of a datagram.
 *
 * @internal
 */
export const DAEMON_HEADER = "{\"format\":\"json\",\"version\":1}\n"

/**
 * The largest datagram the daemon reads (64 KB); a document beyond it is dropped and counted.
 *
 * @internal
 */
export const MAX_DATAGRAM_BYTES = 64 * 1024

/**
 * One span as a subsegment document (`type: "subsegment"`, `trace_id` in X-Ray's form,
 * `parent_id`, seconds as floats, `fault` and `cause.exceptions` for failures, `http` for HTTP
 * spans, attributes as `metadata` and the string ones of `faas.*` as `annotations`), or undefined
 * when it is not sampled.
 *
 * @internal
 */
export const toSubsegment = (span: FinishedSpan, serviceName: string): string | undefined => {
  void span
  void serviceName
  throw new Error("not implemented")
}

/**
 * A UDP sender to the daemon. `send` never fails (UDP has no answer; a daemon that is not there
 * loses the documents, as the X-Ray SDK does) and resolves once the datagrams are handed to the
 * socket; the socket is unref'd so that it never keeps the process alive.
 *
 * @internal
 */
export interface DaemonSender {
  /** Sends each sampled span, one datagram per document; resolves with how many datagrams were sent. */
  readonly send: (spans: ReadonlyArray<FinishedSpan>, serviceName: string) => Promise<number>
  readonly close: () => void
}

/**
 * Opens the sender (`node:dgram`, loaded on first use).
 *
 * @internal
 */
export const makeDaemonSender = (settings: XRaySettings): DaemonSender => {
  void settings
  throw new Error("not implemented")
}
