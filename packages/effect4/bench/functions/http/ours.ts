// The HTTP benchmark's API (bench/functions/http/api.ts) on the Effect 4 line: the same
// endpoints, catalogue and rules, in effect/http-api, served with LambdaHttp.fromHttpApi.
import { Effect, Layer, Schema } from "effect"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { LambdaHttp, LambdaRuntime } from "../../../src/index.js"

class Item extends Schema.Class<Item>("Item")({
  id: Schema.String,
  name: Schema.String,
  price: Schema.Number,
  tags: Schema.Array(Schema.String)
}) {}

class NewItem extends Schema.Class<NewItem>("NewItem")({
  name: Schema.NonEmptyString,
  price: Schema.Number.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))),
  tags: Schema.Array(Schema.String)
}) {}

class ItemNotFound extends Schema.TaggedError<ItemNotFound>()("ItemNotFound", { id: Schema.String }, {
  httpApiStatus: 404
}) {}

const Api = HttpApi.make("bench").add(
  HttpApiGroup.make("items")
    .add(
      HttpApiEndpoint.get("get", "/items/:id", { params: { id: Schema.String }, success: Item, error: ItemNotFound })
    )
    .add(HttpApiEndpoint.post("create", "/items", { payload: NewItem, success: Item.pipe(HttpApiSchema.status(201)) }))
)

const catalogue: Readonly<
  Record<string, { readonly name: string; readonly price: number; readonly tags: ReadonlyArray<string> }>
> = {
  "i-1": { name: "coffee beans", price: 12.5, tags: ["food", "coffee"] },
  "i-2": { name: "grinder", price: 89, tags: ["kitchen"] }
}

let created = 0

const ItemsLive = HttpApiBuilder.group(Api, "items", (handlers) =>
  handlers
    .handle("get", ({ params }) => {
      const found = catalogue[params.id]
      return found === undefined
        ? Effect.fail(new ItemNotFound({ id: params.id }))
        : Effect.succeed(new Item({ id: params.id, name: found.name, price: found.price, tags: [...found.tags] }))
    })
    .handle("create", ({ payload }) =>
      Effect.sync(() =>
        new Item({ id: `n-${++created}`, name: payload.name, price: payload.price, tags: payload.tags })
      )))

LambdaRuntime.run(LambdaHttp.fromHttpApi(HttpApiBuilder.layer(Api).pipe(Layer.provide(ItemsLive))))
