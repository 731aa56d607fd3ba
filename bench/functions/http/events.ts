// API Gateway HTTP API (payload format 2.0) events for the HTTP benchmark: GETs of existing
// items and POSTs of new ones, with the headers a browser-ish client sends through API Gateway.

const requestContext = (method: string, path: string, n: number) => ({
  accountId: "123456789012",
  apiId: "bench",
  domainName: "bench.execute-api.us-east-1.amazonaws.com",
  domainPrefix: "bench",
  http: { method, path, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "bench/1.0" },
  requestId: `r-${n}`,
  routeKey: "$default",
  stage: "$default",
  time: "12/Mar/2020:19:03:58 +0000",
  timeEpoch: 1583348638390
})

const headers = (extra: Record<string, string>) => ({
  accept: "application/json",
  "accept-encoding": "gzip, deflate, br",
  host: "bench.execute-api.us-east-1.amazonaws.com",
  "user-agent": "bench/1.0",
  "x-amzn-trace-id": "Root=1-5e6a8b1e-0123456789abcdef01234567",
  "x-forwarded-for": "192.0.2.1",
  "x-forwarded-port": "443",
  "x-forwarded-proto": "https",
  ...extra
})

/** A `GET /items/:id` event. */
export const getEvent = (id: string, n: number) => ({
  version: "2.0",
  routeKey: "$default",
  rawPath: `/items/${id}`,
  rawQueryString: "",
  headers: headers({}),
  requestContext: requestContext("GET", `/items/${id}`, n),
  isBase64Encoded: false
})

/** A `POST /items` event with a JSON body. */
export const postEvent = (
  item: { readonly name: string; readonly price: number; readonly tags: ReadonlyArray<string> },
  n: number
) => {
  const body = JSON.stringify(item)
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/items",
    rawQueryString: "",
    headers: headers({ "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }),
    requestContext: requestContext("POST", "/items", n),
    body,
    isBase64Encoded: false
  }
}

/** What each event must get back: the status and the JSON body (ids of created items vary). */
export interface Expected {
  readonly status: number
  readonly body: Record<string, unknown>
}

/** The benchmark's event mix (half GETs, half POSTs, alternating), serialised once, with the expected answers. */
export const eventMix = (): ReadonlyArray<{ readonly event: string; readonly expected: Expected }> => [
  {
    event: JSON.stringify(getEvent("i-1", 1)),
    expected: { status: 200, body: { id: "i-1", name: "coffee beans", price: 12.5, tags: ["food", "coffee"] } }
  },
  {
    event: JSON.stringify(postEvent({ name: "kettle", price: 35, tags: ["kitchen", "tea"] }, 2)),
    expected: { status: 201, body: { name: "kettle", price: 35, tags: ["kitchen", "tea"] } }
  },
  {
    event: JSON.stringify(getEvent("i-2", 3)),
    expected: { status: 200, body: { id: "i-2", name: "grinder", price: 89, tags: ["kitchen"] } }
  },
  {
    event: JSON.stringify(postEvent({ name: "filter papers", price: 4.2, tags: ["coffee"] }, 4)),
    expected: { status: 201, body: { name: "filter papers", price: 4.2, tags: ["coffee"] } }
  }
]

/** Why a runtime's answer to one event is wrong, or undefined when it is right. */
export const answerMismatch = (text: string, expected: Expected): string | undefined => {
  try {
    const answer = JSON.parse(text) as { statusCode?: number; body?: string; isBase64Encoded?: boolean }
    if (answer.statusCode !== expected.status) {
      return `status ${answer.statusCode} instead of ${expected.status}: ${text.slice(0, 200)}`
    }
    const raw = answer.isBase64Encoded === true
      ? Buffer.from(answer.body ?? "", "base64").toString()
      : answer.body ?? ""
    const body = JSON.parse(raw) as Record<string, unknown>
    for (const [key, value] of Object.entries(expected.body)) {
      if (JSON.stringify(body[key]) !== JSON.stringify(value)) {
        return `body.${key} is ${JSON.stringify(body[key])}: ${raw.slice(0, 200)}`
      }
    }
    return undefined
  } catch (error) {
    return `unreadable answer (${String(error)}): ${text.slice(0, 200)}`
  }
}
