#!/usr/bin/env bash
# Runs the detached-work tests against the newest effect 3.x release, in a temporary copy of the
# project, so that a change inside Effect (src/internal/runtime/detached.ts relies on the shape of its
# ScopeImpl) is caught before users hit it. The project's own node_modules is left untouched.
#
#   npm run test:effect-latest            # newest 3.x from the npm registry
#   EFFECT_VERSION=3.21.0 npm run test:effect-latest
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
modules="$(readlink -f "$root/node_modules")"
[ -d "$modules" ] || { echo "check-effect-latest: run npm install first (no $root/node_modules)" >&2; exit 2; }

version="${EFFECT_VERSION:-$(npm view 'effect@>=3 <4' version --json | node -e '
  const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(Array.isArray(v) ? v[v.length - 1] : v)')}"
installed="$(node -p 'require(process.argv[1]).version' "$modules/effect/package.json")"

work="$(mktemp -d "${TMPDIR:-/tmp}/effect-latest.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "check-effect-latest: effect $version (the project has $installed), in $work"

# The project's sources and test setup (not its node_modules).
for entry in src test examples package.json tsconfig.json vitest.config.ts; do
  [ -e "$root/$entry" ] && cp -R "$root/$entry" "$work/$entry"
done

# node_modules: hard links where the filesystem allows (fast, no space), else a copy. Whatever is
# replaced below is unlinked first, so the project's files are never written through a link.
cp -al "$modules" "$work/node_modules" 2>/dev/null || cp -a "$modules" "$work/node_modules"
rm -rf "$work/node_modules/.vite" "$work/node_modules/.cache" "$work/node_modules/effect"
find "$work/node_modules" -path '*/node_modules/effect' -type d -prune -exec rm -rf {} + 2>/dev/null || true
tarball="$(cd "$work" && npm pack "effect@$version" --silent --pack-destination "$work")"
mkdir "$work/node_modules/effect"
tar -xzf "$work/$tarball" -C "$work/node_modules/effect" --strip-components=1
echo "check-effect-latest: node_modules/effect is $(node -p 'require(process.argv[1]).version' "$work/node_modules/effect/package.json")"

# effect's own dependencies come from the project's tree: say which versions they are, and warn
# when one is outside a caret range (no semver package here; caret is what effect uses).
node -e '
  const { createRequire } = require("node:module")
  const req = createRequire(process.argv[1] + "/")
  const deps = req("effect/package.json").dependencies ?? {}
  const parse = (v) => v.replace(/^[\^~]/, "").split(/[.-]/).slice(0, 3).map(Number)
  for (const [name, range] of Object.entries(deps)) {
    let found
    try { found = JSON.parse(require("node:fs").readFileSync(process.argv[2] + "/" + name + "/package.json", "utf8")).version } catch {}
    const [a, b, c] = found === undefined ? [] : parse(found)
    const [x, y, z] = parse(range)
    const ok = found !== undefined && range.startsWith("^") && a === x && (x > 0 || b === y) &&
      (a > x || b > y || (b === y && c >= z))
    console.log(`check-effect-latest: effect needs ${name}@${range}: found ${found ?? "nothing"}${ok ? "" : " (WARNING: may not satisfy it)"}`)
  }
' "$work/node_modules/effect" "$work/node_modules"

cd "$work"
status=0
echo "check-effect-latest: tsc --noEmit"
npx tsc --noEmit || status=1
echo "check-effect-latest: detached-work tests"
npx vitest run test/Detached.test.ts test/LambdaRuntime.test.ts -t '[Dd]etached' || status=1
if [ "$status" -eq 0 ]; then
  echo "check-effect-latest: OK with effect $version"
else
  echo "check-effect-latest: FAILED with effect $version" >&2
fi
exit "$status"
