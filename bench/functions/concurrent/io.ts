// The concurrent benchmark's I/O: one GET to a loopback server in the bench process
// (BENCH_IO_URL) that answers after 20 ms, over a keep-alive agent created at init. Both
// variants (this runtime and aws-lambda-ric) call this same function, so only the runtime differs.
import * as http from "node:http"

const target = new URL(process.env.BENCH_IO_URL ?? "http://127.0.0.1:9/")
const agent = new http.Agent({ keepAlive: true })

/** The I/O call: resolves with the answer's length in bytes; `signal` aborts it. */
export const callIo = (signal?: AbortSignal): Promise<number> =>
  new Promise((resolve, reject) => {
    const request = http.get(
      { host: target.hostname, port: target.port, path: target.pathname, agent, signal },
      (response) => {
        let length = 0
        response.on("data", (chunk: Buffer) => {
          length += chunk.length
        })
        response.on("end", () => resolve(length))
        response.on("error", reject)
      }
    )
    request.on("error", reject)
  })
