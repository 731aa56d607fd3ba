/**
 * Reading and describing values that may be hostile: getters and `toJSON` that throw, Proxies
 * that throw on every trap, null prototypes, cycles, BigInts, strings of hundreds of megabytes.
 * The error document and the loggers are built from these, so reporting a failure never fails
 * itself. Every function here is total: it returns, whatever it is given.
 *
 * @internal
 */

/**
 * Whether `u` is a non-null object (`typeof` runs no trap, even on a Proxy).
 *
 * @internal
 */
export const isObject = (u: unknown): u is object => typeof u === "object" && u !== null

/**
 * `u[key]`, or `undefined` when reading it throws (a getter, a Proxy trap).
 *
 * @internal
 */
export const read = (u: object, key: PropertyKey): unknown => {
  try {
    return (u as Record<PropertyKey, unknown>)[key]
  } catch {
    return undefined
  }
}

/**
 * `u[key]` when it is a string, else `undefined`.
 *
 * @internal
 */
export const readString = (u: object, key: PropertyKey): string | undefined => {
  const value = read(u, key)
  return typeof value === "string" ? value : undefined
}

/**
 * `u instanceof Error`, `false` when the check throws (a Proxy's `getPrototypeOf` trap).
 *
 * @internal
 */
export const isError = (u: unknown): u is Error => {
  try {
    return u instanceof Error
  } catch {
    return false
  }
}

/**
 * `u instanceof constructor`, `false` when the check throws (a Proxy's `getPrototypeOf` trap).
 *
 * @internal
 */
export const isInstanceOf = <A>(u: unknown, constructor: abstract new(...args: never) => A): u is A => {
  try {
    return u instanceof constructor
  } catch {
    return false
  }
}

/**
 * JSON.stringify's replacer for values it refuses: BigInts become their decimal digits.
 *
 * @internal
 */
export const bigintReplacer = (_key: string, value: unknown): unknown =>
  typeof value === "bigint" ? value.toString() : value

/**
 * `JSON.stringify(u)` with BigInts as strings and cycles dropped, `undefined` when it still
 * throws (a throwing getter or `toJSON`, a Proxy, a result too long for a string).
 *
 * @internal
 */
export const tryJson = (u: unknown): string | undefined => {
  try {
    const seen = new WeakSet<object>()
    return JSON.stringify(u, (key, value: unknown) => {
      if (isObject(value)) {
        if (seen.has(value)) return "[Circular]"
        seen.add(value)
      }
      return bigintReplacer(key, value)
    })
  } catch {
    return undefined
  }
}

const tryString = (u: unknown): string | undefined => {
  try {
    const text = String(u)
    return typeof text === "string" ? text : undefined
  } catch {
    return undefined
  }
}

/**
 * A one-line description of any value, for messages: a string as is, an `Error` as
 * `name: message`, an object as JSON (or its own `toString`), and when all of those throw,
 * `[object Tag]` or its `typeof`.
 *
 * @internal
 */
export const describe = (u: unknown): string => {
  if (typeof u === "string") return u
  if (!isObject(u) && typeof u !== "function") return tryString(u) ?? typeof u
  if (isError(u)) {
    const name = readString(u, "name") ?? "Error"
    const message = readString(u, "message")
    if (message !== undefined) return message.length > 0 ? `${name}: ${message}` : name
  }
  if (isObject(u)) {
    const json = tryJson(u)
    if (json !== undefined && json !== "{}") return json
  }
  const text = tryString(u)
  if (text !== undefined) return text
  try {
    return Object.prototype.toString.call(u)
  } catch {
    return `[${typeof u}]`
  }
}

/**
 * An `Error`'s message (when it can be read), or else a description of the thrown value.
 *
 * @internal
 */
export const messageOf = (u: unknown): string => {
  if (isError(u)) {
    const message = readString(u, "message")
    if (message !== undefined) return message
  }
  return describe(u)
}

/**
 * `text` cut to at most `max` characters (never in the middle of a surrogate pair), with a
 * note saying how much was left out.
 *
 * @internal
 */
export const truncate = (text: string, max: number): string => {
  if (text.length <= max) return text
  let end = max
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}... [truncated: ${text.length - end} more characters]`
}
