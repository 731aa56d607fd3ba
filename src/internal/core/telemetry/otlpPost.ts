/**
 * One OTLP/HTTP request with Node's own `fetch`: a connection pool of its own (never the Runtime
 * API's), and nothing more loaded than Node has already. No retries: the window after a response
 * is billed time, and a collector that fails is paused by the caller's `FailureStreak` instead.
 *
 * @internal
 */

/**
 * POSTs `body` to `url`; resolves once the collector answered 2xx and its answer was read (so that
 * the connection is free again), rejects with the reason otherwise. `signal` aborts it.
 *
 * @internal
 */
export const postOtlp = async (
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string | Uint8Array,
  contentType: string,
  signal: AbortSignal
): Promise<void> => {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...headers, "content-type": contentType },
    body,
    signal
  })
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`the collector answered ${response.status}`)
}

/**
 * A failed POST as the warning says it: fetch's own message is "fetch failed", the reason
 * (`connect ECONNREFUSED 127.0.0.1:4318`) is its `cause`'s.
 *
 * @internal
 */
export const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return typeof error === "string" ? error : String(error)
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message
}
