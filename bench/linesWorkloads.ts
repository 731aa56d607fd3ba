/**
 * What bench/lines.ts runs on both lines: each workload is one function, written once per line
 * (bench/functions/* and packages/effect4/bench/functions/*) or, for the drop-in, one plain Node
 * handler run by each line's drop-in bootstrap; and what every invocation of it must answer.
 */
import { BATCH_SIZE, sqsEvent } from "./functions/batch/orders.js"
import { answerMismatch, eventMix } from "./functions/http/events.js"
import { sampleOrder } from "./functions/realistic/order.js"
import { here } from "./common.js"

/** The two lines, in the order their rows appear. */
export const lines = ["effect3", "effect4"] as const
export type Line = typeof lines[number]
export const lineLabel: Record<Line, string> = { effect3: "Effect 3 line", effect4: "Effect 4 line" }

/** What each line builds: its function's entry (relative to bench/), or its drop-in bootstrap. */
export type Source = Readonly<Record<Line, string>> | "dropIn"

/** One workload, and what every invocation of it must answer. */
export interface Workload {
  readonly id: string
  readonly title: string
  readonly source: Source
  /** The events served in turn (invocation i gets `events[i % length]`). */
  readonly events: ReadonlyArray<string>
  /** Invocations per round, as a share of BENCH_LINES_INVOCATIONS. */
  readonly share: number
  /** Extra environment of the function. */
  readonly env?: Readonly<Record<string, string>>
  /** The function's working directory (the drop-in's task root). */
  readonly cwd?: string
  /** SQS messages each invocation sends to the fake endpoint; checked with the answers. */
  readonly sends?: number
  /** Why the answer to `events[index]` is wrong, or undefined when it is right. */
  readonly check: (index: number, body: string) => string | undefined
}

const exactly = (expected: string) => (_: number, body: string) =>
  body === expected ? undefined : `${body.slice(0, 200)} instead of ${expected}`

const httpMix = eventMix()

/** The queue the realistic function sends to (its requests go to the fake endpoint). */
const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"

/**
 * The drop-in's plain handler: the one bench/dropin.ts runs (an ESM module, the same task root
 * and `_HANDLER` for both lines).
 */
const DROP_IN_TASK_ROOT = here("./functions/ric")

/** The workloads; the realistic one sends to the fake SQS endpoint at `sqsEndpoint`. */
export const workloads = (sqsEndpoint: string): ReadonlyArray<Workload> => [
  {
    id: "trivial",
    title: "trivial JSON handler",
    source: { effect3: "./functions/trivial.ts", effect4: "../packages/effect4/bench/functions/trivial.ts" },
    events: [`{"n":7}`],
    share: 1,
    check: exactly(`{"ok":true,"echo":7}`)
  },
  {
    id: "realistic",
    title: "realistic: SQS client in a scoped layer, Schema-decoded event, detached send",
    source: { effect3: "./functions/realistic.ts", effect4: "../packages/effect4/bench/functions/realistic.ts" },
    events: [JSON.stringify(sampleOrder)],
    // Each invocation also makes an HTTP call (to the fake SQS): a fifth of the fast functions' count.
    share: 0.2,
    env: {
      QUEUE_URL,
      SQS_ENDPOINT: sqsEndpoint,
      // What Lambda gives the SDK (the fake endpoint checks none of it).
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDBENCH",
      AWS_SECRET_ACCESS_KEY: "bench-secret",
      AWS_SESSION_TOKEN: "bench-token"
    },
    sends: 1,
    check: exactly(JSON.stringify({ accepted: sampleOrder.orderId, items: sampleOrder.items.length }))
  },
  {
    id: "dropIn",
    title: "drop-in: plain Node handler (bench/functions/ric/index.mjs)",
    source: "dropIn",
    events: [`{"n":7}`],
    share: 1,
    env: { LAMBDA_TASK_ROOT: DROP_IN_TASK_ROOT, _HANDLER: "index.handler" },
    cwd: DROP_IN_TASK_ROOT,
    check: exactly(`{"ok":true,"echo":7}`)
  },
  {
    id: "httpApi",
    title: "HttpApi (fromHttpApi), API Gateway v2 GETs and POSTs",
    source: { effect3: "./functions/http/ours.ts", effect4: "../packages/effect4/bench/functions/http/ours.ts" },
    events: httpMix.map((m) => m.event),
    share: 1,
    check: (index, body) => answerMismatch(body, httpMix[index % httpMix.length]!.expected)
  },
  ...[1, 10].map((concurrency): Workload => ({
    id: `batch${concurrency}`,
    title: `SQS batch of ${BATCH_SIZE} (each record decoded, then 20 ms of I/O), concurrency ${concurrency}`,
    source: { effect3: "./functions/batch/ours.ts", effect4: "../packages/effect4/bench/functions/batch/ours.ts" },
    events: [JSON.stringify(sqsEvent())],
    share: 0.01,
    env: { BENCH_BATCH_CONCURRENCY: String(concurrency) },
    check: exactly(`{"batchItemFailures":[]}`)
  }))
]
