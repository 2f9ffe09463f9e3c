#!/usr/bin/env bash
# build/lazy_imports.sh DIR: in the bundle `deno bundle` wrote to DIR, turns
# each dynamic import of a chunk, `import("./x.js")`, into
# `import(String("./x.js"))`. Same meaning; but Deno loads (reads and
# parses) every module a literal dynamic import names when the program
# starts, so with literals `ps` read all ~140 chunks, the init's too.
# Measured: `ps -a` 139 chunks read → 38, 61–69 ms → 48 ms (same load).
set -euo pipefail
dir=$1
sed -i 's/import("\(\.\/[^"]*\)")/import(String("\1"))/g' "$dir"/*.js
if grep -l 'import("\./' "$dir"/*.js >/dev/null; then
  echo "lazy_imports.sh: a literal chunk import is left in $dir" >&2
  exit 1
fi
