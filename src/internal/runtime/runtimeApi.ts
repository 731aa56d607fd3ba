/**
 * The tag of the Runtime API client service (documented in RuntimeApi.ts), here so that the loop
 * and the test kit reach it without importing the public module. Nothing but the tag: the HTTP
 * client is runtimeApiClient.ts.
 */
import * as Context from "effect/Context"
import type { RuntimeApiService } from "../../RuntimeApi.js"

/**
 * The Runtime API client service.
 *
 * @internal
 */
export class RuntimeApi extends Context.Tag("effect-lambda-runtime/RuntimeApi")<RuntimeApi, RuntimeApiService>() {}
