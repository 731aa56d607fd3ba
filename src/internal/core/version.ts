// Written by scripts/version.mjs from package.json (`npm version` runs it): do not edit.

/**
 * This package's version.
 *
 * @internal
 */
export const VERSION = "0.1.0"

/**
 * The `effect` versions this version supports: its peer dependency range.
 *
 * @internal
 */
export const SUPPORTED_EFFECT = "^3.22.2"
