// The realistic function's event on the Effect 4 line: the same rules as the Effect 3 line's
// bench/functions/realistic/order.ts (and the plain handler's hand-written checks), in Effect 4's
// Schema, where the v3 refinements became checks on the base schemas.
import { Schema } from "effect"

/** v3's `Schema.NonEmptyTrimmedString`, which Effect 4 spells as two checks. */
const NonEmptyTrimmed = Schema.Trimmed.check(Schema.isNonEmpty())

/** An order as the benchmark sends it (bench/functions/realistic/order.ts has the sample). */
export const Order = Schema.Struct({
  orderId: NonEmptyTrimmed,
  customer: Schema.Struct({
    email: Schema.String.check(Schema.isPattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/))
  }),
  items: Schema.NonEmptyArray(Schema.Struct({
    sku: NonEmptyTrimmed,
    quantity: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))
  }))
})

/** The decoded order. */
export type Order = typeof Order.Type
