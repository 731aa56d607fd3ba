/**
 * The part of the Extensions API a runtime uses: registering an internal extension (for SIGTERM)
 * and its `event/next` poll, which the emulator never answers.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type * as http from "node:http"
import * as P from "../protocol.js"
import type { EmulatorInstance } from "./state.js"
import { apiError, header, now, readBody, send, UUID } from "./wire.js"

/**
 * `POST /extension/register`: internal extensions subscribing to `INVOKE`, during init only.
 *
 * @internal
 */
export const onRegister = (emulator: EmulatorInstance, req: http.IncomingMessage, res: http.ServerResponse) => {
  const { config, state } = emulator
  const at = now()
  readBody(req, P.MAX_BUFFERED_RESPONSE_BYTES, (body) => {
    const forbidden = (errorType: string, message: string) => apiError(res, 403, errorType, message)
    if (state.initDone) return forbidden(P.apiErrorTypes.registrationClosed, "Registration is closed after init")
    const name = header(req, P.headers.extensionName)
    if (name === undefined || name === "") {
      return forbidden(P.apiErrorTypes.invalidExtensionName, "Missing Lambda-Extension-Name")
    }
    let events: ReadonlyArray<string>
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"))
      if (typeof parsed !== "object" || parsed === null || "configurationKeys" in parsed) throw new Error("bad body")
      const list = (parsed as { events?: unknown }).events
      if (!Array.isArray(list) || !list.every((event) => typeof event === "string")) throw new Error("bad events")
      events = list
    } catch {
      return forbidden(P.apiErrorTypes.invalidRequestFormat, `Expected {"events":[...]}`)
    }
    const invalid = events.find((event) => event !== P.extensionEvents.invoke)
    if (invalid !== undefined) {
      return forbidden(P.apiErrorTypes.invalidEventType, `Internal extensions cannot subscribe to ${invalid}`)
    }
    if (state.extensionsThisInit >= P.MAX_EXTENSIONS) {
      return forbidden(P.apiErrorTypes.tooManyExtensions, `At most ${P.MAX_EXTENSIONS} extensions`)
    }
    const id = randomUUID()
    state.extensions.push({ name, id, events, registeredAt: at })
    state.extensionsThisInit++
    send(
      res,
      200,
      JSON.stringify({
        functionName: config.functionName,
        functionVersion: config.functionVersion,
        handler: config.handler ?? "index.handler"
      }),
      {
        [P.headers.contentType]: P.contentTypes.json,
        [P.headers.extensionIdentifier]: id
      }
    )
  })
}

/**
 * `GET /extension/event/next`: validated, then held open (no event is ever sent).
 *
 * @internal
 */
export const onExtensionNext = (emulator: EmulatorInstance, req: http.IncomingMessage, res: http.ServerResponse) => {
  const { state } = emulator
  req.resume()
  const id = header(req, P.headers.extensionIdentifier)
  if (id === undefined || id === "") {
    return apiError(res, 403, P.apiErrorTypes.missingExtensionIdentifier, "Missing Lambda-Extension-Identifier")
  }
  if (!UUID.test(id)) {
    return apiError(res, 403, P.apiErrorTypes.invalidExtensionIdentifier, "Invalid Lambda-Extension-Identifier")
  }
  if (!state.extensions.some((extension) => extension.id === id)) {
    return apiError(res, 403, P.apiErrorTypes.unknownExtensionIdentifier, "Unknown Lambda-Extension-Identifier")
  }
  // No event is ever delivered: the poll stays open until the connection or the server closes.
  state.extensionPolls.add(res)
  res.on("close", () => state.extensionPolls.delete(res))
}
