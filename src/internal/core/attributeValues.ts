/**
 * DynamoDB's AttributeValue maps (`{ Id: { N: "101" } }`) to plain values (`{ Id: 101 }`) and
 * back, as plain code: each line's `AttributeMap` Schema wraps these two functions in its own
 * transformation.
 */

/**
 * Why an AttributeValue map does not decode, and where (`m.M.price.N`).
 *
 * @internal
 */
export class AttributeError {
  constructor(readonly path: string, readonly message: string) {}
}

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"))

/**
 * `N` is sent as text so that no precision is lost: integers beyond 2^53 become bigints,
 * everything else a number.
 */
const decodeNumber = (text: string, path: string): number | bigint => {
  const n = Number(text)
  if (text.trim() === "" || Number.isNaN(n)) throw new AttributeError(path, `${JSON.stringify(text)} is not a number`)
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && /^-?\d+$/.test(text.trim())) return BigInt(text.trim())
  return n
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const stringsAt = (value: unknown, path: string): ReadonlyArray<string> => {
  if (!Array.isArray(value) || value.some((s) => typeof s !== "string")) {
    throw new AttributeError(path, "expected an array of strings")
  }
  return value as ReadonlyArray<string>
}

const unmarshallValue = (av: unknown, path: string): unknown => {
  if (!isRecord(av)) throw new AttributeError(path, "expected an AttributeValue object")
  const keys = Object.keys(av)
  if (keys.length !== 1) throw new AttributeError(path, `expected exactly one type key, got ${JSON.stringify(keys)}`)
  const type = keys[0]!
  const value = av[type]
  const at = `${path}.${type}`
  switch (type) {
    case "S":
      if (typeof value !== "string") throw new AttributeError(at, "expected a string")
      return value
    case "N":
      if (typeof value !== "string") throw new AttributeError(at, "expected a number as a string")
      return decodeNumber(value, at)
    case "B":
      if (typeof value !== "string") throw new AttributeError(at, "expected base64 text")
      return fromBase64(value)
    case "BOOL":
      if (typeof value !== "boolean") throw new AttributeError(at, "expected a boolean")
      return value
    case "NULL":
      return null
    case "SS":
      return [...stringsAt(value, at)]
    case "NS":
      return stringsAt(value, at).map((n, i) => decodeNumber(n, `${at}[${i}]`))
    case "BS":
      return stringsAt(value, at).map(fromBase64)
    case "L":
      if (!Array.isArray(value)) throw new AttributeError(at, "expected an array")
      return value.map((item, i) => unmarshallValue(item, `${at}[${i}]`))
    case "M":
      return unmarshallAt(value, at)
    default:
      throw new AttributeError(at, `unknown AttributeValue type ${JSON.stringify(type)}`)
  }
}

const unmarshallAt = (map: unknown, path: string): Record<string, unknown> => {
  if (!isRecord(map)) throw new AttributeError(path, "expected a map of AttributeValues")
  const out: Record<string, unknown> = {}
  for (const [key, av] of Object.entries(map)) out[key] = unmarshallValue(av, path === "" ? key : `${path}.${key}`)
  return out
}

/**
 * An AttributeValue map as plain values: `S` strings, `N` numbers (bigints beyond 2^53), `B`
 * bytes, `BOOL`, `NULL` as `null`, `L` arrays, `M` objects, the sets `SS`, `NS`, `BS` as
 * arrays; or the first thing that does not decode.
 *
 * @internal
 */
export const unmarshallMap = (map: unknown): Record<string, unknown> | AttributeError => {
  try {
    return unmarshallAt(map, "")
  } catch (error) {
    if (error instanceof AttributeError) return error
    throw error
  }
}

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

const marshallValue = (value: unknown): unknown => {
  if (value === null || value === undefined) return { NULL: true }
  if (typeof value === "string") return { S: value }
  if (typeof value === "number" || typeof value === "bigint") return { N: String(value) }
  if (typeof value === "boolean") return { BOOL: value }
  if (value instanceof Uint8Array) return { B: toBase64(value) }
  if (Array.isArray(value)) return { L: value.map(marshallValue) }
  return { M: marshallMap(value as Record<string, unknown>) }
}

/**
 * Plain values back to an AttributeValue map (sets are written back as lists; `undefined`
 * fields are left out).
 *
 * @internal
 */
export const marshallMap = (map: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(map)) if (value !== undefined) out[key] = marshallValue(value)
  return out
}
