#!/bin/sh
# Writes OUT: one executable file that carries DENO and the bundle directory
# BUNDLE (`deno bundle --code-splitting` output): build/self_extract_header.sh
# with its placeholders filled in, followed by a gzipped tar of both and of
# the header's template. The tar
# is reproducible (sorted, numeric root owner, mtime 0, gzip -n), so the same
# inputs give the same sha256 and share one unpacked cache directory.
#   self_extracting.sh DENO BUNDLE OUT
set -eu
deno=$1 bundle=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
mkdir "$work/rt"
cp "$deno" "$work/rt/deno"
cp -R "$bundle" "$work/rt/bundle"
echo "self-extracting" >"$work/rt/bundle/BUILD"
# The header too: it decides how the runtime runs (Deno's flags, which key its
# code cache), so a header that runs the same Deno and bundle otherwise has
# another sha256 and unpacks into a directory of its own.
cp "$here/self_extract_header.sh" "$work/rt/header.sh"
tar -C "$work/rt" --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -cf - deno bundle header.sh |
  gzip -6 -n >"$work/payload"
sum=$(sha256sum <"$work/payload")
sum=${sum%% *}
# The payload starts right after the header, whose length depends on the
# number written into it: fill in until the number and the length agree.
start=1
while :; do
  sed -e "s/@SHA256@/$sum/g" -e "s/@START@/$start/g" "$here/self_extract_header.sh" >"$work/header"
  next=$(($(wc -c <"$work/header") + 1))
  [ "$next" -eq "$start" ] && break
  start=$next
done
cat "$work/header" "$work/payload" >"$out.tmp"
chmod 0755 "$out.tmp"
mv "$out.tmp" "$out"
