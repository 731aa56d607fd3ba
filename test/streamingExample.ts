/**
 * What both lines' tests check of `examples/streaming.ts` (each line's own copy of the example,
 * run as a child process against the emulator): the event it is invoked with and what its caller
 * sees of the streamed CSV export, however the suite received it (the invoke endpoint's HTTP
 * reply, or the emulator's record). No Effect, no vitest: each suite asserts on {@link csvSeen}
 * with its own `expect`.
 */

/** The event: an export of 2000 rows. */
export const csvEvent = { rows: 2000 } as const

/** What the caller received, from the prelude and the body. */
export interface CsvReply {
  readonly statusCode: number
  readonly contentType: string | undefined
  readonly cookies: ReadonlyArray<string> | undefined
  readonly body: string
}

/** The reply summed up: the head, the number of lines, the first, and whether the last is a row. */
export const csvSeen = (reply: CsvReply) => {
  const lines = reply.body.trimEnd().split("\n")
  return {
    statusCode: reply.statusCode,
    contentType: reply.contentType,
    cookies: reply.cookies,
    lines: lines.length,
    header: lines[0],
    lastIsRow: /^2000,customer-\d+,[\d.]+$/.test(lines[lines.length - 1] ?? "")
  }
}

/** What {@link csvSeen} must equal for the invocation `requestId` (the cookie names it). */
export const csvExpected = (requestId: string) => ({
  statusCode: 200,
  contentType: "text/csv; charset=utf-8",
  cookies: [`last-export=${requestId}; Path=/; HttpOnly`],
  lines: 2001,
  header: "id,customer,amount",
  lastIsRow: true
})

/** The detached audit line the example writes after the last byte. */
export const csvAuditLine = `audit: ${csvEvent.rows} rows exported`
