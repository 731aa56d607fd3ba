// Part of each line's `npm run build` (after tsc): writes <package>/dist/node.js, the drop-in
// bootstrap the package ships (`node node_modules/effect-lambda-runtime/dist/node.js`), as one
// esbuild bundle of the line's src/node.ts with effect inside. Node then reads one file instead of resolving and
// evaluating some 300 ESM modules at every cold start. Everything else in <outdir> stays tsc's
// output (the build's `dropIn: true` bundles internal/node/main.js from there).
//
//   node scripts/bundle-drop-in.mjs [effect3|effect4] [outdir]   (defaults: effect3, the root package; its dist)
import * as esbuild from "esbuild"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
// Each line's package folder and the Node its engines name.
const lines = {
  effect3: { folder: root, target: "node20" },
  effect4: { folder: join(root, "packages/effect4"), target: "node22" }
}
const line = lines[process.argv[2] ?? "effect3"]
if (line === undefined) {
  console.error(`bundle-drop-in: unknown line ${process.argv[2]} (effect3 or effect4)`)
  process.exit(2)
}

await esbuild.build({
  entryPoints: [join(line.folder, "src/node.ts")],
  outfile: join(process.argv[3] === undefined ? join(line.folder, "dist") : resolve(process.argv[3]), "node.js"),
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: line.target,
  minify: true,
  // Linked: `node --enable-source-maps` maps stack traces back to the sources (src/ ships with
  // the package; effect's are in node_modules), which the map names rather than copies.
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning"
})
