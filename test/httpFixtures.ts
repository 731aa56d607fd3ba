// The captured-style HTTP events (test/fixtures/http) and reading an integration's answer: plain
// data helpers, shared by the LambdaHttp tests of both lines (no Effect, no test runner here).
import { readFileSync } from "node:fs"

/** A JSON document as the tests read it. */
export type Json = Record<string, any>

/** One of the captured-style events in test/fixtures/http. */
export const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`fixtures/http/${name}.json`, import.meta.url), "utf8"))

/** The body of an integration answer, base64-decoded when it says so. */
export const decodedBody = (doc: Json): Buffer => Buffer.from(doc.body, doc.isBase64Encoded ? "base64" : "utf8")

/** The REST (1.0) fixture as a POST. */
export const v1Post = { ...fixture("apigw-v1"), httpMethod: "POST" }

/** `event` with another path and method, in its own shape. */
export const withPath = (event: Json, path: string, method = "GET"): Json =>
  event.version === "2.0"
    ? {
      ...event,
      rawPath: path,
      rawQueryString: "",
      requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method } }
    }
    : { ...event, path, httpMethod: method }
