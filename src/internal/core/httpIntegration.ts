/**
 * The HTTP integration response format (Function URLs in `RESPONSE_STREAM` mode, API Gateway
 * streaming integrations): a JSON prelude with the status, headers and cookies, eight NUL bytes,
 * then the body. The prelude exists once; each line of the runtime puts it in front of its own
 * `Stream` (the Effect 3 line's http/integration.ts, the Effect 4 line's handler forms).
 *
 * @internal
 */
import { HTTP_PRELUDE_DELIMITER_LENGTH } from "./protocol.js"

/**
 * What the prelude says: the status (default 200), headers, cookies (`Set-Cookie` values).
 *
 * @internal
 */
export interface PreludeFields {
  readonly statusCode?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly cookies?: ReadonlyArray<string> | undefined
}

const encoder = new TextEncoder()

/**
 * The JSON prelude and its delimiter.
 *
 * @internal
 */
export const prelude = (response: PreludeFields): Uint8Array => {
  const json: { statusCode: number; headers?: Readonly<Record<string, string>>; cookies?: ReadonlyArray<string> } = {
    statusCode: response.statusCode ?? 200
  }
  if (response.headers !== undefined) json.headers = response.headers
  if (response.cookies !== undefined && response.cookies.length > 0) json.cookies = response.cookies
  // JSON.stringify escapes U+0000, so the prelude itself can never contain the delimiter.
  const text = encoder.encode(JSON.stringify(json))
  const bytes = new Uint8Array(text.byteLength + HTTP_PRELUDE_DELIMITER_LENGTH)
  bytes.set(text)
  return bytes
}

/**
 * Whether a body element carries bytes: the prelude goes out with the first one that does, so
 * that a body failing before producing anything is still reported with `/error`.
 *
 * @internal
 */
export const nonEmpty = (item: Uint8Array | string): boolean =>
  typeof item === "string" ? item.length > 0 : item.byteLength > 0
