/**
 * Values no error reporter expects: each one once crashed the runtime while it reported a
 * failure (issue 10). Shared by the fault tests and their child-process fixture.
 */

const throwingGetter = <A extends object>(target: A, key: string): A =>
  Object.defineProperty(target, key, {
    get() {
      throw new Error(`${key} getter`)
    }
  })

/** A Proxy whose handler answers every trap with one that throws. */
const proxyThrowingOnEveryTrap = (): object =>
  new Proxy(
    {},
    new Proxy({}, {
      get: (_target, trap) => () => {
        throw new Error(`trap ${String(trap)}`)
      }
    })
  )

const cyclic = () => {
  const value: Record<string, unknown> = { _tag: "Cyclic" }
  value.self = value
  return value
}

/** Name -> a fresh value (fresh, so a getter's side effects never leak between invocations). */
export const hostile: Record<string, () => unknown> = {
  nullPrototype: () => Object.create(null),
  throwingMessage: () => throwingGetter(new Error("hidden"), "message"),
  throwingTag: () => throwingGetter({ message: "tagged" }, "_tag"),
  throwingStack: () => throwingGetter(new Error("no stack"), "stack"),
  throwingName: () => throwingGetter(new Error("no name"), "name"),
  throwingToJsonAndToString: () => ({
    toJSON() {
      throw null
    },
    toString() {
      throw undefined
    }
  }),
  proxy: proxyThrowingOnEveryTrap,
  bigint: () => ({ _tag: "X", amount: 10n }),
  cyclic,
  // Not hostile to JavaScript, but to the protocol: an empty error-type trailer reads as "no error".
  emptyTag: () => ({ _tag: "", message: "empty tag" })
}

export type HostileName = keyof typeof hostile
