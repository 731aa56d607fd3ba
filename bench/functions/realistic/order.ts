// The realistic functions' event, as an Effect Schema (shared by the two Effect variants; the
// plain handler validates the same shape by hand).
import { Schema } from "effect"

export const Order = Schema.Struct({
  orderId: Schema.NonEmptyTrimmedString,
  customer: Schema.Struct({
    email: Schema.String.pipe(Schema.pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/))
  }),
  items: Schema.NonEmptyArray(Schema.Struct({
    sku: Schema.NonEmptyTrimmedString,
    quantity: Schema.Int.pipe(Schema.between(1, 100))
  }))
})

export type Order = typeof Order.Type

/** The event every realistic function receives in the benchmark. */
export const sampleOrder: Order = {
  orderId: "o-1",
  customer: { email: "ada@example.com" },
  items: [{ sku: "BOOK-1", quantity: 2 }, { sku: "PEN-7", quantity: 1 }]
}
