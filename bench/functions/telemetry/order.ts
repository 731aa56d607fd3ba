// The telemetry suite's work (bench/telemetry.ts), the same for every row: an order in the
// event's JSON body, priced ("work") and summarised for an audit record ("audit"). Plain
// TypeScript, so that the Effect 3, Effect 4 and plain Node functions run the same computation.

/** One line of an order. */
export interface Item {
  readonly sku: string
  readonly quantity: number
  readonly unitPrice: number
}

/** The order the event's `body` carries. */
export interface Order {
  readonly orderId: string
  readonly items: ReadonlyArray<Item>
}

/** What every function answers for `order`: checked by the suite before it measures. */
export interface Priced {
  readonly orderId: string
  readonly total: number
}

/** The event every invocation gets: an API-Gateway-like envelope whose body is the order's JSON. */
export const sampleEvent: string = JSON.stringify({
  body: JSON.stringify(
    {
      orderId: "ord-0042",
      items: Array.from({ length: 8 }, (_, i) => ({ sku: `sku-${i}`, quantity: 1 + (i % 3), unitPrice: 250 + 10 * i }))
    } satisfies Order
  )
})

/** The event's order (the body's JSON, trusted: the suite sends only `sampleEvent`). */
export const parseOrder = (event: { readonly body: string }): Order => JSON.parse(event.body) as Order

/** The "work" span's computation: the order's total in cents. */
export const price = (order: Order): Priced => {
  let total = 0
  for (const item of order.items) total += item.quantity * item.unitPrice
  return { orderId: order.orderId, total }
}

/** The "audit" span's computation: the record an audit log would keep. */
export const auditRecord = (order: Order, priced: Priced): string =>
  `${order.orderId}:${order.items.map((item) => `${item.sku}x${item.quantity}`).join(",")}=${priced.total}`
