/**
 * Effect 4 functions as Lambda runs them, for the process-level tests: a child process (this
 * Node, 22 or later) against the project's emulator (through `toolBridge.ts`) or against a
 * scripted Runtime API of the test's own.
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { startEmulator } from "../../../test/toolBridge.js"
import type { EmulatorBridge } from "../../../test/toolBridge.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

/** A function's process. */
export interface FunctionProcess {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** The exit code (a signal counts as 128 + its number). */
  readonly exited: Effect.Effect<number>
  /** Waits until stdout contains `text`. */
  readonly awaitOutput: (text: string) => Effect.Effect<void>
}

/**
 * How a function's process is started: `loader` is the `--import` hook (default `tsx`; `tsx/esm`
 * leaves CommonJS to Node's own `require`, as the drop-in's user modules are loaded in
 * production), `stdin` gives the test the child's stdin.
 */
export interface SpawnOptions {
  readonly loader?: string | undefined
  readonly stdin?: boolean | undefined
}

/** Starts `path` (relative to packages/effect4) with `environment`; killed with the scope. */
export const spawnFunction = (
  path: string,
  environment: Readonly<Record<string, string>>,
  options: SpawnOptions = {}
): Effect.Effect<FunctionProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, ["--import", options.loader ?? "tsx", path], {
        cwd: packageDir,
        env: { ...process.env, ...environment },
        stdio: [options.stdin === true ? "pipe" : "ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      const waiters: Array<{ readonly text: string; readonly done: () => void }> = []
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString()
        for (const waiter of waiters.filter((waiter) => stdout.includes(waiter.text))) waiter.done()
      })
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<number>((resolve) =>
        child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 143)))
      )
      return {
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        exited: Effect.promise(() => exited),
        awaitOutput: (text: string) =>
          Effect.callback<void>((resume) => {
            if (stdout.includes(text)) return resume(Effect.void)
            waiters.push({ text, done: () => resume(Effect.void) })
          })
      }
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

/** The project's emulator, closed with the scope. */
export const emulator = (options?: Parameters<typeof startEmulator>[0]): Effect.Effect<
  EmulatorBridge,
  never,
  Scope.Scope
> => Effect.acquireRelease(Effect.promise(() => startEmulator(options)), (emulator) => Effect.promise(emulator.close))

/** Answers a request of a scripted Runtime API; a request it does not answer stays parked. */
export type Script = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void

/** A Runtime API that answers as `script` says, on loopback; closed with the scope. */
export const scriptedServer = (script: Script): Effect.Effect<{ readonly host: string }, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<http.Server>((resume) => {
      const server = http.createServer((request, response) => {
        let body = ""
        request.on("data", (chunk: Buffer) => (body += chunk.toString()))
        request.on("end", () => script(request, body, response))
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => ({ host: `127.0.0.1:${(server.address() as AddressInfo).port}` })))

/** The headers of an invocation `/next` hands out, due `deadlineInMs` from now. */
export const invocationHeaders = (requestId: string, deadlineInMs = 3000): Record<string, string> => ({
  "content-type": "application/json",
  "lambda-runtime-aws-request-id": requestId,
  "lambda-runtime-deadline-ms": String(Date.now() + deadlineInMs),
  "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:000000000000:function:fixture"
})

/** The result of an invocation the emulator recorded as a response, parsed; otherwise its outcome. */
export const responseOf = (record: { readonly outcome?: unknown }): unknown => {
  const outcome = record.outcome as { readonly _tag?: string; readonly text?: string } | undefined
  return outcome?._tag === "Response" ? JSON.parse(outcome.text!) : outcome
}

/** Accepts a result as the Runtime API does: 202 and its status document. */
export const ok = (response: http.ServerResponse): void => void response.writeHead(202).end(`{"status":"OK"}`)

/**
 * Answers the internal extension's calls of a function started with `run` (registered, its long
 * poll parked); `true` when the request was one of them.
 */
export const extension = (request: http.IncomingMessage, response: http.ServerResponse): boolean => {
  if (!request.url!.includes("/extension/")) return false
  if (request.url!.endsWith("/register")) {
    response.writeHead(200, { "lambda-extension-identifier": "ext-1" }).end("{}")
  }
  return true
}
