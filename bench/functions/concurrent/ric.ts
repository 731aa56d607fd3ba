// The concurrent benchmark on aws-lambda-ric: the same work as ours.ts as a plain async handler
// (`index.handler` once bundled for aws-lambda-ric).
import { callIo } from "./io.js"

export const handler = async (event: { readonly n: number }) => ({ ok: true, echo: event.n, io: await callIo() })
