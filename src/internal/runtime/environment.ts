/**
 * Whether a fiber reads its configuration from Effect's default provider (`process.env`, as
 * `ConfigProvider.fromEnv()` reads it). Init reads its variables straight from `process.env`
 * then (settings.ts, telemetry.ts): `Config`'s first reads cost a cold start about 7 ms of CPU and
 * 200 page faults (`Config.all` over ten variables, then the telemetry's sixteen), a plain read
 * a few microseconds. Any other provider (tests, `Effect.withConfigProvider`) goes through
 * `Config` as before.
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"

/** The provider a fiber has when nobody set one. */
const defaultProvider = Context.get(DefaultServices.liveServices, ConfigProvider.ConfigProvider)

/**
 * `process.env` when the fiber's provider is Effect's default one, else `undefined` (read through
 * `Config` then).
 *
 * @internal
 */
export const defaultEnvironment: Effect.Effect<NodeJS.ProcessEnv | undefined> = Effect.configProviderWith(
  (provider) => Effect.succeed(provider === defaultProvider ? process.env : undefined)
)
