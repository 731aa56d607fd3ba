/**
 * The Effect-free core this line shares with the Effect 3 line (the repository's
 * `src/internal/core`: the Runtime API's wire format, the HTTP/1.1 connection, error documents).
 * It exists once; this module is the one place the Effect 4 line reaches it from, so that the
 * move of the core into a package of its own (docs/design/effect-4.md, section 5) changes one path.
 *
 * @internal
 */
export * as AttributeValues from "../../../../src/internal/core/attributeValues.js"
export * as Batch from "../../../../src/internal/core/batch.js"
export * as Console from "../../../../src/internal/core/console.js"
export * as CodeCache from "../../../../src/internal/core/codeCache.js"
export * as EventFields from "../../../../src/internal/core/eventFields.js"
export * as ErrorDocument from "../../../../src/internal/core/errorDocument.js"
export * as Inspect from "../../../../src/internal/core/inspect.js"
export * as InvokeStore from "../../../../src/internal/core/invokeStore.js"
export * as LogLine from "../../../../src/internal/core/logLine.js"
export * as Http1 from "../../../../src/internal/core/http1.js"
export * as HttpIntegration from "../../../../src/internal/core/httpIntegration.js"
export * as Protocol from "../../../../src/internal/core/protocol.js"
export * as Calls from "../../../../src/internal/core/runtimeApiCalls.js"
export * as Requests from "../../../../src/internal/core/runtimeApiRequests.js"
export * as ResponseStream from "../../../../src/internal/core/responseStream.js"
export * as RuntimeErrors from "../../../../src/internal/core/runtimeErrors.js"
export * as Samples from "../../../../src/internal/core/samples/index.js"
export * as WarmUp from "../../../../src/internal/core/warmUp.js"
export * as EmulatorEngine from "../../../../src/internal/core/emulator/engine.js"
export * as EmulatorService from "../../../../src/internal/core/emulator/service.js"
export type * as EmulatorTypes from "../../../../src/internal/core/emulator/types.js"
export * as BuildEngine from "../../../../src/internal/core/build/engine.js"
export type * as BuildTypes from "../../../../src/internal/core/build/types.js"
export * as Lifecycle from "../../../../src/internal/core/lifecycle.js"
export * as ProcessHandlers from "../../../../src/internal/core/processHandlers.js"
export * as Timers from "../../../../src/internal/core/timers.js"
export * as HandlerResolution from "../../../../src/internal/core/handlerResolution.js"
export * as NodeContext from "../../../../src/internal/core/nodeContext.js"
export * as NodeLine from "../../../../src/internal/core/nodeLine.js"
export * as StreamifyResponse from "../../../../src/internal/core/streamifyResponse.js"
export * as HttpEvents from "../../../../src/internal/core/httpEvents.js"
export * as HttpRequest from "../../../../src/internal/core/httpRequest.js"
export * as HttpResults from "../../../../src/internal/core/httpResults.js"
export * as Cli from "../../../../src/internal/core/cli/main.js"
export * as TestKit from "../../../../src/internal/core/testKit.js"
export * as EffectMajor from "../../../../src/internal/core/effectMajor.js"
