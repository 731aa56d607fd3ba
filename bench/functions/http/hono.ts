// The same two routes as a Hono app behind its AWS Lambda adapter (run by aws-lambda-ric). The
// POST body is checked with Hono's built-in validator and a hand-written check of the same rules
// as the Schema (a non-empty name, a non-negative price, string tags).
import { Hono } from "hono"
import { handle } from "hono/aws-lambda"
import { validator } from "hono/validator"

const catalogue: Record<
  string,
  { readonly name: string; readonly price: number; readonly tags: ReadonlyArray<string> }
> = {
  "i-1": { name: "coffee beans", price: 12.5, tags: ["food", "coffee"] },
  "i-2": { name: "grinder", price: 89, tags: ["kitchen"] }
}

interface NewItem {
  readonly name: string
  readonly price: number
  readonly tags: ReadonlyArray<string>
}

const isNewItem = (value: unknown): value is NewItem => {
  if (typeof value !== "object" || value === null) return false
  const { name, price, tags } = value as Record<string, unknown>
  return typeof name === "string" && name.length > 0 && typeof price === "number" && price >= 0 &&
    Array.isArray(tags) && tags.every((tag) => typeof tag === "string")
}

let created = 0

const app = new Hono()
  .get("/items/:id", (c) => {
    const id = c.req.param("id")
    const found = catalogue[id]
    return found === undefined
      ? c.json({ _tag: "ItemNotFound", id }, 404)
      : c.json({ id, name: found.name, price: found.price, tags: found.tags })
  })
  .post(
    "/items",
    validator("json", (value, c) => (isNewItem(value) ? value : c.json({ _tag: "ParseError" }, 400))),
    (c) => {
      const item = c.req.valid("json")
      return c.json({ id: `n-${++created}`, name: item.name, price: item.price, tags: item.tags }, 201)
    }
  )

export const handler = handle(app)
