/**
 * One OTLP/HTTP request with Node's own `http`/`https` and a keep-alive agent of its own (never the
 * Runtime API's connection), loaded on the first export: a function without telemetry loads
 * nothing of it. `fetch` was the first choice; undici cost about 1.5 ms of CPU per request and
 * some 150 ms on the first one (billed: the export runs before the next `/next`). No retries but
 * one: a request on a kept-alive connection that the collector closed while the process was
 * frozen fails before any answer, and is sent again on a new connection (what Node's
 * `request.reusedSocket` is for). Any other failure is the caller's `FailureStreak`'s.
 *
 * @internal
 */
import type * as Http from "node:http"

type Client = Pick<typeof Http, "request" | "Agent">

/** Per scheme: the module and its agent, made on first use. */
const clients = new Map<string, { readonly client: Client; readonly agent: Http.Agent }>()

const clientFor = async (protocol: string) => {
  const known = clients.get(protocol)
  if (known !== undefined) return known
  const client: Client = protocol === "https:" ? await import("node:https") : await import("node:http")
  const made = { client, agent: new client.Agent({ keepAlive: true, maxSockets: 8 }) }
  clients.set(protocol, made)
  return made
}

/** Whether `error` is a reused connection closed under the request before any answer. */
const staleConnection = (request: Http.ClientRequest, error: unknown): boolean =>
  request.reusedSocket && error instanceof Error && "code" in error &&
  (error.code === "ECONNRESET" || error.code === "EPIPE")

const send = (
  { agent, client }: { readonly client: Client; readonly agent: Http.Agent },
  url: URL,
  headers: Readonly<Record<string, string | number>>,
  body: Uint8Array,
  signal: AbortSignal,
  retried: boolean
): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const request = client.request(url, { method: "POST", agent, headers, signal }, (response) => {
      // Read to its end so that the connection is free again.
      response.resume()
      response.on("error", reject)
      response.on("end", () => {
        const status = response.statusCode ?? 0
        if (status >= 200 && status < 300) resolve()
        else reject(new Error(`the collector answered ${status}`))
      })
    })
    request.on("error", (error) => {
      if (!retried && staleConnection(request, error)) {
        send({ agent, client }, url, headers, body, signal, true).then(resolve, reject)
      } else reject(error)
    })
    request.end(body)
  })

/**
 * POSTs `body` to `url`; resolves once the collector answered 2xx and its answer was read,
 * rejects with the reason otherwise. `signal` aborts it.
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
  const target = new URL(url)
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body
  const all = { ...headers, "content-type": contentType, "content-length": bytes.byteLength }
  return send(await clientFor(target.protocol), target, all, bytes, signal, false)
}

/**
 * A failed POST as the warning says it (`connect ECONNREFUSED 127.0.0.1:4318`, `the collector
 * answered 503`).
 *
 * @internal
 */
export const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return typeof error === "string" ? error : String(error)
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message
}
