// The benchmark's HttpApi, shared by this runtime's function and the @effect-aws/lambda one: a
// JSON GET with a path parameter and a POST whose body a Schema decodes. The handlers do what a
// small real endpoint does (a lookup, a computed field) and nothing that would dominate the
// adapter's own cost.
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Effect, Layer, Schema } from "effect"

/** An item of the catalogue. */
export class Item extends Schema.Class<Item>("Item")({
  id: Schema.String,
  name: Schema.String,
  price: Schema.Number,
  tags: Schema.Array(Schema.String)
}) {}

/** What a POST carries. */
export class NewItem extends Schema.Class<NewItem>("NewItem")({
  name: Schema.NonEmptyString,
  price: Schema.Number.pipe(Schema.nonNegative()),
  tags: Schema.Array(Schema.String)
}) {}

/** No such item (404). */
export class ItemNotFound extends Schema.TaggedError<ItemNotFound>()(
  "ItemNotFound",
  { id: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** The API: `GET /items/:id` and `POST /items` (201). */
export const Api = HttpApi.make("bench").add(
  HttpApiGroup.make("items")
    .add(
      HttpApiEndpoint.get("get", "/items/:id")
        .setPath(Schema.Struct({ id: Schema.String }))
        .addSuccess(Item)
        .addError(ItemNotFound)
    )
    .add(HttpApiEndpoint.post("create", "/items").setPayload(NewItem).addSuccess(Item, { status: 201 }))
)

/** The catalogue both implementations serve (the Hono app has its own copy of the same data). */
export const catalogue: Readonly<
  Record<string, { readonly name: string; readonly price: number; readonly tags: ReadonlyArray<string> }>
> = {
  "i-1": { name: "coffee beans", price: 12.5, tags: ["food", "coffee"] },
  "i-2": { name: "grinder", price: 89, tags: ["kitchen"] }
}

let created = 0

const ItemsLive = HttpApiBuilder.group(Api, "items", (handlers) =>
  handlers
    .handle("get", ({ path }) => {
      const found = catalogue[path.id]
      return found === undefined
        ? Effect.fail(new ItemNotFound({ id: path.id }))
        : Effect.succeed(new Item({ id: path.id, name: found.name, price: found.price, tags: [...found.tags] }))
    })
    .handle("create", ({ payload }) =>
      Effect.sync(() =>
        new Item({ id: `n-${++created}`, name: payload.name, price: payload.price, tags: payload.tags })
      )))

/** The API's implementation, ready for `LambdaHttp.fromHttpApi` or `LambdaHandler.fromHttpApi`. */
export const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(ItemsLive))
