/**
 * A handler written for Lambda Managed Instances, where one process serves many invocations at
 * once (`AWS_LAMBDA_MAX_CONCURRENCY`): it spends its time waiting on I/O (a price service over
 * HTTP), so one process can keep dozens of invocations in flight. Nothing in it is specific to
 * the mode: each invocation has its own fibers, scope, deadline and detached work, and every log
 * line (Effect's and `console`'s) carries its own request id. The one rule of the mode is the
 * usual Effect rule: keep per-invocation state in the handler, never in module-level variables.
 *
 * Configuration through `Config`: PRICES_URL, the price service's base URL.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Config, Context, Data, Effect, Layer, Schema } from "effect"
import { LambdaContext } from "../../src/index.js"

/** The price service did not give a price (unreachable, an error status, or a body that is not one). */
export class PriceUnavailable extends Data.TaggedError("PriceUnavailable")<{
  readonly sku: string
  readonly cause: unknown
}> {
  override get message() {
    return `no price for ${this.sku}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

const Price = Schema.Struct({ sku: Schema.String, cents: Schema.Int })

export class Prices extends Context.Tag("examples/Prices")<Prices, {
  readonly quote: (sku: string) => Effect.Effect<number, PriceUnavailable>
}>() {}

/** One HTTP client for the process, shared by every invocation in flight. */
export const layer = Layer.effect(
  Prices,
  Effect.gen(function*() {
    const baseUrl = yield* Config.string("PRICES_URL")
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
    return {
      quote: (sku) =>
        client.get(`${baseUrl}/prices/${encodeURIComponent(sku)}`).pipe(
          Effect.flatMap(HttpClientResponse.schemaBodyJson(Price)),
          Effect.map((price) => price.cents),
          Effect.scoped,
          Effect.mapError((cause) => new PriceUnavailable({ sku, cause }))
        )
    }
  })
).pipe(Layer.provide(FetchHttpClient.layer))

export const handler = (event: { readonly sku: string; readonly quantity: number }, context: LambdaContext) =>
  Effect.gen(function*() {
    const prices = yield* Prices
    yield* Effect.log(`quoting ${event.quantity} x ${event.sku}`)
    const cents = yield* prices.quote(event.sku)
    const total = cents * event.quantity
    // After the response, in this invocation's slot: the next invocation of this slot waits for
    // it, the other slots do not.
    yield* LambdaContext.detach(Effect.log(`quote recorded: ${event.sku} ${total}`))
    return { requestId: context.requestId, sku: event.sku, totalCents: total }
  })
