/**
 * What both lines' build suites (test/Build.test.ts on Effect 3, packages/effect4/test/Build.test.ts
 * on Effect 4) read out of a build, written once: the modes of `function.zip`'s entries, the zip
 * unpacked as Lambda unpacks it, and the drop-in's handlers in test/fixtures/drop-in with what each
 * must answer. Effect-free, so that either line's suite can use it.
 */
import { unzipSync } from "fflate"
import { chmodSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** Name and Unix mode of every entry of a zip archive, from its central directory. */
export const zipModes = (archive: Buffer): Record<string, number> => {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  const entries = archive.readUInt16LE(end + 10)
  let at = archive.readUInt32LE(end + 16)
  const modes: Record<string, number> = {}
  for (let i = 0; i < entries; i++) {
    const nameLength = archive.readUInt16LE(at + 28)
    const rest = nameLength + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32)
    modes[archive.toString("utf8", at + 46, at + 46 + nameLength)] = (archive.readUInt32LE(at + 38) >>> 16) & 0o777
    at += 46 + rest
  }
  return modes
}

/** Unpacks `archive` into `dir` with the archive's modes, as Lambda unpacks a function (or a layer into /opt). */
export const unpackZip = (archive: Buffer, dir: string): void => {
  const modes = zipModes(archive)
  for (const [name, data] of Object.entries(unzipSync(new Uint8Array(archive)))) {
    writeFileSync(join(dir, name), data)
    chmodSync(join(dir, name), modes[name]!)
  }
}

/** What a code-cached build's `function.zip` holds, with each file's mode. */
export const cachedZipModes = { "bootstrap": 0o755, "main.cjs": 0o644, "start.cjs": 0o644, "main.cjs.cache": 0o644 }

/** `LAMBDA_TASK_ROOT` of the drop-in's handlers. */
export const dropInTaskRoot = fileURLToPath(new URL("fixtures/drop-in", import.meta.url))

/**
 * The drop-in's handlers of each module kind (.mjs, ESM .js under `type: module`, CommonJS):
 * `_HANDLER`, the event, and what the built drop-in must answer (the cache accepted).
 */
export const dropInHandlers: ReadonlyArray<readonly [string, unknown, Record<string, unknown>]> = [
  ["esm.handler", { n: 1 }, { kind: "mjs", echo: { n: 1 }, codeCache: "accepted" }],
  ["pkg/index.handler", 2, { kind: "esm-js", echo: 2, codeCache: "accepted" }],
  ["cjs.handler", 3, { kind: "cjs", echo: 3, codeCache: "accepted" }]
]
