/**
 * The X-Ray error cause (`Lambda-Runtime-Function-XRay-Error-Cause`): the failure of an
 * invocation as X-Ray records it on the function's segment (exception type, message, frames with
 * file and line). Built from the error document already posted, so it costs nothing when the
 * handler succeeds and cannot throw: a document holds plain bounded strings only.
 */
import type { ErrorDocument } from "./protocol.js"

/**
 * Headers share one limit on most HTTP servers (16 KiB in Node's `http`, which the emulator
 * uses); the platform truncates causes past 64 KiB anyway. Frames go first, then the message.
 *
 * @internal
 */
export const MAX_XRAY_ERROR_CAUSE_BYTES = 8 * 1024

/**
 * One stack frame as X-Ray records it (`exceptions[].stack[]`).
 *
 * @internal
 */
export interface Frame {
  readonly path: string
  readonly line: number
  readonly label: string
}

// `at label (path:line:column)` or `at path:line:column`, as V8 writes them.
const FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/

const frameOf = (line: string): Frame | undefined => {
  const match = FRAME.exec(line)
  if (match === null) return undefined
  return { path: match[2]!, line: Number(match[3]), label: match[1] ?? "anonymous" }
}

/**
 * The V8 frames of a stack's lines (`at label (path:line:column)`), other lines skipped; shared
 * with the X-Ray subsegments of failed spans, so that both read stacks the same way.
 *
 * @internal
 */
export const stackFrames = (lines: ReadonlyArray<string>): Array<Frame> => lines.flatMap((line) => frameOf(line) ?? [])

// Header values are ASCII: anything else is escaped the way JSON allows, so the value stays valid JSON.
const ascii = (json: string) =>
  json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

const encode = (error: ErrorDocument, message: string, frames: ReadonlyArray<Frame>, workingDirectory: string) =>
  ascii(JSON.stringify({
    working_directory: workingDirectory,
    exceptions: [{ type: error.errorType, message, stack: frames }],
    paths: [...new Set(frames.map((frame) => frame.path))]
  }))

/**
 * The header's value: one line of ASCII JSON, at most {@link MAX_XRAY_ERROR_CAUSE_BYTES} (frames
 * are dropped from the end, then the message is shortened, until it fits).
 *
 * @internal
 */
export const xrayErrorCause = (error: ErrorDocument, workingDirectory: string = process.cwd()): string => {
  const frames = stackFrames(error.stackTrace)
  let message = error.errorMessage
  let value = encode(error, message, frames, workingDirectory)
  while (value.length > MAX_XRAY_ERROR_CAUSE_BYTES && frames.length > 0) {
    frames.length = Math.floor(frames.length / 2)
    value = encode(error, message, frames, workingDirectory)
  }
  while (value.length > MAX_XRAY_ERROR_CAUSE_BYTES && message.length > 0) {
    message = message.slice(0, Math.floor(message.length / 2))
    value = encode(error, message, frames, workingDirectory)
  }
  return value
}
