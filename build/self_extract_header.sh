#!/bin/sh
# dockergsh, self-extracting: this shell header, then (from byte @START@) a
# gzipped tar of the pinned Deno and the bundled program, sha256 @SHA256@.
# The first run unpacks it, checksum-verified, into a root-only directory
# named by that sha256 under the state root (DOCKERGSH_ROOT, default
# /var/lib/dockergsh); every later run finds the directory and execs Deno at
# once. Made by build/self_extracting.sh (`make build`).
sum=@SHA256@
runtime=${DOCKERGSH_ROOT:-/var/lib/dockergsh}/runtime
dir=$runtime/$sum

# Unpack into a temporary directory beside $dir and rename it into place:
# $dir exists only complete, and of two first runs at once the later rename
# fails harmlessly. Temporaries of unpacks that were killed are removed.
unpack() {
  umask 077
  mkdir -p "$runtime" || return 1
  [ -O "$runtime" ] || { echo "dockergsh: $runtime is not owned by $(id -un); not unpacking there" >&2; return 1; }
  for old in "$runtime"/.unpack-*; do
    [ -d "$old" ] || continue
    pid=${old#"$runtime"/.unpack-}
    pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || rm -rf "$old"
  done
  tmp=$(mktemp -d "$runtime/.unpack-$$-XXXXXX") || return 1
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM HUP
  tail -c +@START@ "$0" >"$tmp/payload" || return 1
  got=$(sha256sum <"$tmp/payload") || return 1
  got=${got%% *}
  if [ "$got" != "$sum" ]; then
    echo "dockergsh: $0 is damaged: its payload has sha256 $got, not $sum" >&2
    return 1
  fi
  mkdir "$tmp/rt" && tar -xzf "$tmp/payload" -C "$tmp/rt" || return 1
  mv -T "$tmp/rt" "$dir" 2>/dev/null || [ -O "$dir/deno" ] || return 1
  rm -rf "$tmp"
  trap - EXIT INT TERM HUP
}

if [ ! -O "$dir" ]; then
  unpack || { echo "dockergsh: cannot unpack its runtime into $runtime" >&2; exit 125; }
fi
exec "$dir/deno" run --allow-all --no-prompt --quiet --no-config --no-lock "$dir/bundle/main.js" "$@"
exit 127
