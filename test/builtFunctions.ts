/**
 * What both lines' build suites (test/Build.test.ts on Effect 3, packages/effect4/test/Build.test.ts
 * on Effect 4) read out of a build, written once: the modes of `function.zip`'s entries, the zip
 * unpacked as Lambda unpacks it, and the drop-in's handlers in test/fixtures/drop-in with what each
 * must answer. Effect-free, so that either line's suite can use it.
 */
import { unzipSync } from "fflate"
import { createSocket } from "node:dgram"
import { chmodSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { messageIdOf } from "./sqsEndpoint.js"

/** Name and Unix mode of every entry of a zip archive, from its central directory. */
export const zipModes = (archive: Buffer): Record<string, number> => {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  const entries = archive.readUInt16LE(end + 10)
  let at = archive.readUInt32LE(end + 16)
  const modes: Record<string, number> = {}
  for (let i = 0; i < entries; i++) {
    const nameLength = archive.readUInt16LE(at + 28)
    const rest = nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32)
    modes[archive.toString("utf8", at + 46, at + 46 + nameLength)] = (archive.readUInt32LE(at + 38) >>> 16) & 0o777
    at += 46 + rest
  }
  return modes
}

/** Unpacks `archive` into `dir` with the archive's modes, as Lambda unpacks a function (or a layer into /opt). */
export const unpackZip = (archive: Buffer, dir: string): void => {
  const modes = zipModes(archive)
  for (const [name, data] of Object.entries(unzipSync(new Uint8Array(archive)))) {
    writeFileSync(join(dir, name), data)
    chmodSync(join(dir, name), modes[name]!)
  }
}

/** What a code-cached build's `function.zip` holds, with each file's mode. */
export const cachedZipModes = { "bootstrap": 0o755, "main.cjs": 0o644, "start.cjs": 0o644, "main.cjs.cache": 0o644 }

/** `LAMBDA_TASK_ROOT` of the drop-in's handlers. */
export const dropInTaskRoot = fileURLToPath(new URL("fixtures/drop-in", import.meta.url))

/**
 * The drop-in's handlers of each module kind (.mjs, ESM .js under `type: module`, CommonJS):
 * `_HANDLER`, the event, and what the built drop-in must answer (the cache accepted).
 */
export const dropInHandlers: ReadonlyArray<readonly [string, unknown, Record<string, unknown>]> = [
  ["esm.handler", { n: 1 }, { kind: "mjs", echo: { n: 1 }, codeCache: "accepted" }],
  ["pkg/index.handler", 2, { kind: "esm-js", echo: 2, codeCache: "accepted" }],
  ["cjs.handler", 3, { kind: "cjs", echo: 3, codeCache: "accepted" }]
]

/**
 * What Lambda gives a function's process on `provided.al2023`, and nothing else: the Runtime
 * API's `environment` (the emulator's), the Node binary first on `PATH` (a layer's `/opt/bin` in
 * production), fake credentials as the execution role's, `TZ=:UTC`, the task root.
 */
export const lambdaEnvironment = (
  environment: Readonly<Record<string, string>>,
  taskRoot: string,
  extra: Record<string, string>
): Record<string, string> => ({
  ...environment,
  PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin/:/bin:/opt/bin`,
  LANG: "en_US.UTF-8",
  TZ: ":UTC",
  LAMBDA_TASK_ROOT: taskRoot,
  LAMBDA_RUNTIME_DIR: "/var/runtime",
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  AWS_SESSION_TOKEN: "fake-session-token",
  AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
  ...extra
})

/** The epoch milliseconds a Lambda text-format log line starts with. */
export const loggedAt = (line: string): number => Date.parse(line.split("\t")[0]!)

/** A stdout line as a JSON object, if it is one. */
export const parseJson = (line: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === "object" && value !== null ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/**
 * The idle function's rounds (test/fixtures/real/idle.ts and its Effect 4 twin): the real idle
 * time before each invocation, and the job it is given (the third sleeps past its 1 s deadline).
 */
export const idleRounds = [
  { idleMs: 2000, job: { id: "first", sleepMs: 5, detachedMs: 300 } },
  { idleMs: 1500, job: { id: "second", sleepMs: 5, detachedMs: 300 } },
  { idleMs: 1500, job: { id: "too-slow", sleepMs: 5000, detachedMs: 0 } },
  { idleMs: 1500, job: { id: "after-timeout", sleepMs: 50, detachedMs: 300 } }
]

/**
 * An X-Ray daemon on loopback: `onDocument` receives each document (segment, subsegment) the
 * X-Ray SDK sends it over UDP, each datagram a header line then one JSON document.
 */
export const startXRayDaemon = (
  onDocument: (document: Record<string, unknown>) => void
): Promise<{ readonly port: number; readonly close: () => void }> =>
  new Promise((resolve) => {
    const socket = createSocket("udp4")
    socket.on("message", (datagram) => {
      const document = parseJson(datagram.toString().split("\n").slice(1).join("\n"))
      if (document !== undefined) onDocument(document)
    })
    socket.bind(0, "127.0.0.1", () => resolve({ port: socket.address().port, close: () => socket.close() }))
  })

/** The X-Ray trace roots of the Tracer case's two invocations. */
export const traceRoots = ["1-5759e988-bd862e3fe1be46a994272793", "1-5759e988-bd862e3fe1be46a994272794"]

/** The `Lambda-Runtime-Trace-Id` of an invocation under `root`. */
export const traceHeader = (root: string) => `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`

/** The `## handler` subsegment the i-th invocation (under `root`) must send the daemon. */
export const handlerSubsegment = (i: number, root: string) => ({
  type: "subsegment",
  name: "## handler",
  trace_id: root,
  parent_id: "53995c3f42cd8ad8",
  annotations: { ColdStart: i === 0, orderId: `o-${i}` }
})

/** Whether `line` is the one the function logs when `client` has enqueued `orderId` (sent `via`). */
export const enqueuedBy = (orderId: string, via: string, client: string) => (line: string): boolean =>
  line.includes(`order ${orderId} enqueued by ${client} as ${messageIdOf(JSON.stringify({ orderId, via }))}`)

/**
 * The ERROR lines of a function's stdout, but Node's process warnings (the SDK's Node-version
 * notice): they go through console.error, which the runtime formats as ERROR lines, as the
 * official runtime does; they are not runtime errors.
 */
export const errorLines = (stdout: string): ReadonlyArray<string> =>
  stdout.split("\n").filter((line) => line.includes("ERROR") && !/\(node:\d+\) Warning:/.test(line))
