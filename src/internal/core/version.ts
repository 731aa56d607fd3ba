// Written by scripts/version.mjs from both lines' package.json (`npm version` runs it): do not edit.

/**
 * The Effect 3 line's version (the repository's root package).
 *
 * @internal
 */
export const VERSION = "0.1.0"

/**
 * The `effect` versions the Effect 3 line supports: its peer dependency range.
 *
 * @internal
 */
export const SUPPORTED_EFFECT = "^3.22.2"

/**
 * The Effect 4 line's version (packages/effect4).
 *
 * @internal
 */
export const EFFECT4_VERSION = "1.0.0"

/**
 * The `effect` versions the Effect 4 line supports: its peer dependency range.
 *
 * @internal
 */
export const EFFECT4_SUPPORTED_EFFECT = "^4.1.5"
