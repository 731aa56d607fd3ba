/**
 * Whether the `effect` a line runs on is one its package supports: a pure function of the
 * installed version and the package's peer range (src/internal/core/version.ts, written from the
 * package.json files), reported by each line as the init error.
 *
 * @internal
 */

/**
 * The `/init/error` type when the installed `effect` is outside the supported range.
 *
 * @internal
 */
export const UNSUPPORTED_EFFECT = "Runtime.UnsupportedEffectVersion"

type Triple = readonly [number, number, number]

const parse = (version: string): { readonly core: Triple; readonly prerelease: boolean } | undefined => {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version.trim())
  return match === null
    ? undefined
    : { core: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4] !== undefined }
}

const compare = (a: Triple, b: Triple): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]

/**
 * Whether `version` is in `range`: caret ranges (`^3.22.2`), alone or joined by `||`, which is
 * what scripts/version.mjs accepts for the peer dependency. `^x.y.z` is `>= x.y.z` and below
 * the next major (below the next minor for `^0.y.z`, the next patch for `^0.0.z`). A prerelease
 * is below its release and is in the range when its release is above the lower bound and below
 * the upper one (`3.23.0-beta.1` is in `^3.22.2`, `4.0.0-beta.1` is not).
 *
 * @internal
 */
export const satisfies = (version: string, range: string): boolean => {
  const parsed = parse(version)
  if (parsed === undefined) return false
  return range.split("||").some((part) => {
    const bound = /^\^(.*)$/.exec(part.trim())
    const lower = bound === null ? undefined : parse(bound[1]!)
    if (lower === undefined) return false
    const [x, y, z] = lower.core
    const upper: Triple = x > 0 ? [x + 1, 0, 0] : y > 0 ? [0, y + 1, 0] : [0, 0, z + 1]
    const fromLower = compare(parsed.core, lower.core)
    return (fromLower > 0 || (fromLower === 0 && (!parsed.prerelease || lower.prerelease))) &&
      compare(parsed.core, upper) < 0
  })
}

/**
 * The start-up check: `undefined` when `installed` (the `effect` the runtime loaded) is in
 * `supported`, else the init error's message, naming both.
 *
 * @internal
 */
export const effectVersionProblem = (installed: string, supported: string, self: string): string | undefined =>
  satisfies(installed, supported)
    ? undefined
    : `effect-lambda-runtime ${self} supports effect ${supported}; effect ${installed} is installed. ` +
      "Install an effect version in that range (`npm ls effect` lists the installed copies)"
