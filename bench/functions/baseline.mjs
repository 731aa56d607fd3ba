// The practical limit: a hand-written Runtime API loop on node:http with one keep-alive socket.
import http from "node:http"

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":")
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

const request = (method, path, body) =>
  new Promise((resolve, reject) => {
    const req = http.request({
      host,
      port,
      method,
      path,
      agent,
      headers: body === undefined
        ? {}
        : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
    }, (res) => {
      const chunks = []
      res.on("data", (chunk) => chunks.push(chunk))
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on("error", reject)
    req.end(body)
  })

for (;;) {
  const next = await request("GET", "/2018-06-01/runtime/invocation/next")
  const id = next.headers["lambda-runtime-aws-request-id"]
  const event = JSON.parse(next.body.toString())
  const result = JSON.stringify({ ok: true, echo: event.n })
  await request("POST", `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, result)
}
