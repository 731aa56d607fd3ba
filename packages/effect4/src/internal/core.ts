/**
 * The Effect-free core this line shares with the Effect 3 line (the repository's
 * `src/internal/core`: the Runtime API's wire format, the HTTP/1.1 connection, error documents).
 * It exists once; this module is the one place the Effect 4 line reaches it from, so that the
 * move of the core into a package of its own (docs/design/effect-4.md, section 5) changes one path.
 *
 * @internal
 */
export * as Console from "../../../../src/internal/core/console.js"
export * as CodeCache from "../../../../src/internal/core/codeCache.js"
export * as ErrorDocument from "../../../../src/internal/core/errorDocument.js"
export * as Inspect from "../../../../src/internal/core/inspect.js"
export * as InvokeStore from "../../../../src/internal/core/invokeStore.js"
export * as LogLine from "../../../../src/internal/core/logLine.js"
export * as Http1 from "../../../../src/internal/core/http1.js"
export * as Protocol from "../../../../src/internal/core/protocol.js"
export * as Calls from "../../../../src/internal/core/runtimeApiCalls.js"
export * as Requests from "../../../../src/internal/core/runtimeApiRequests.js"
export * as WarmUp from "../../../../src/internal/core/warmUp.js"
export * as HttpEvents from "../../../../src/internal/core/httpEvents.js"
export * as HttpRequest from "../../../../src/internal/core/httpRequest.js"
export * as HttpResults from "../../../../src/internal/core/httpResults.js"
