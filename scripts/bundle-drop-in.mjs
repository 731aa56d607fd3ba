// Part of `npm run build` (after tsc): replaces <outdir>/node.js, the drop-in bootstrap the
// package ships (`node node_modules/effect-lambda-runtime/dist/node.js`), by one esbuild bundle
// of src/node.ts with effect inside. Node then reads one file instead of resolving and
// evaluating some 300 ESM modules at every cold start. Everything else in <outdir> stays tsc's
// output (the build's `dropIn: true` bundles internal/node/main.js from there).
//
//   node scripts/bundle-drop-in.mjs [outdir]      (default: dist)
import * as esbuild from "esbuild"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const outdir = resolve(root, process.argv[2] ?? "dist")

await esbuild.build({
  entryPoints: [join(root, "src/node.ts")],
  outfile: join(outdir, "node.js"),
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  // The package's engines (>= 20.16).
  target: "node20",
  minify: true,
  // Linked: `node --enable-source-maps` maps stack traces back to the sources (src/ ships with
  // the package; effect's are in node_modules), which the map names rather than copies.
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning"
})
