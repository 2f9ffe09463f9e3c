#!/bin/sh
# dockergsh, self-extracting: this shell header, then (from byte @START@) a
# gzipped tar of the pinned Deno, the bundled program and this header's
# template, sha256 @SHA256@.
# The first run unpacks it, checksum-verified, into a root-only directory
# named by that sha256 under the state root (DOCKERGSH_ROOT, default
# /var/lib/dockergsh); every later run finds the directory and execs Deno at
# once. Made by build/self_extracting.sh (`make build`).
sum=@SHA256@
root=${DOCKERGSH_ROOT:-/var/lib/dockergsh}
runtime=$root/runtime
dir=$runtime/$sum

# Every failure is one line on stderr and exit status 125, as the engine's.
die() {
  echo "dockergsh: $*" >&2
  exit 125
}

# Whoever runs this (root, usually) runs the code in $dir, so it is used only
# when no other user can have put or changed anything there: $runtime and
# $dir are each a real directory (not a symlink: stat does not follow them)
# owned by this user with mode 0700, in a state root (symlink followed) of
# this user that neither group nor others may write (they could rename
# $runtime away and put theirs in its place). One stat: this is every run's path.
private() {
  modes=$(stat -c %A -- "$root/" "$runtime" "$dir" 2>/dev/null) || return 1
  case $modes in
  d????-??-?"
drwx------
drwx------") ;;
  *) return 1 ;;
  esac
  [ -O "$root/" ] && [ -O "$runtime" ] && [ -O "$dir" ]
}

# Unpacks into a temporary directory beside $dir and renames it into place:
# $dir exists only complete, and of two first runs at once the later rename
# fails harmlessly. Temporaries of unpacks that were killed are removed.
unpack() {
  # The engine, exec'd after, runs with the caller's umask, not this one.
  caller_umask=$(umask)
  umask 077
  mkdir -p "$runtime" 2>/dev/null || die "cannot make $runtime (its state root $root must be writable)"
  case $(stat -c %A -- "$root/" "$runtime" 2>/dev/null) in
  d????-??-?"
drwx------") [ -O "$root/" ] && [ -O "$runtime" ] ;;
  *) false ;;
  esac || die "refusing to unpack into $runtime: it and $root must be directories of $(id -un) that no other user can write ($runtime: not a symlink, mode 0700)"
  for old in "$runtime"/.unpack-*; do
    [ -d "$old" ] || continue
    pid=${old#"$runtime"/.unpack-}
    pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || rm -rf "$old"
  done
  tmp=$(mktemp -d "$runtime/.unpack-$$-XXXXXX" 2>/dev/null) || die "cannot make a directory in $runtime"
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM HUP
  err=$(tail -c +@START@ "$0" 2>&1 >"$tmp/payload") || die "cannot unpack its runtime into $runtime: ${err:-tail failed}"
  got=$(sha256sum <"$tmp/payload") || die "cannot checksum $tmp/payload"
  got=${got%% *}
  [ "$got" = "$sum" ] || die "$0 is damaged: its payload has sha256 $got, not $sum"
  mkdir "$tmp/rt" && err=$(tar -xzf "$tmp/payload" -C "$tmp/rt" 2>&1) ||
    die "cannot unpack its runtime into $runtime: $(echo "${err:-tar failed}" | head -n 1)"
  # A failed rename: another first run's $dir is in place (checked by the caller).
  mv -T "$tmp/rt" "$dir" 2>/dev/null
  rm -rf "$tmp"
  trap - EXIT INT TERM HUP
  umask "$caller_umask"
}

if ! private; then
  unpack
  private || die "refusing to run from $dir: not a directory of $(id -un) with mode 0700 (remove it to unpack afresh)"
fi
# Invoked as dockergsh-runc (busybox-style, through the link make creates): the OCI runtime.
case ${0##*/} in
dockergsh-runc) set -- runc "$@" ;;
esac
# Deno's caches (compiled code, module analysis) are this runtime's own, in
# it: never those of the caller's HOME or XDG_CACHE_HOME, which `su` without
# `-` or `sudo -E` keep, where another user could plant code this runs.
# The init (but one in a user namespace, which runs without a code cache) and
# the monitor inherit it, and V8's flags with it: the flags are part of each
# cached entry's key, so every process of this runtime runs with these (the
# monitor adds a heap size, which is no part of that key). With --no-lazy a
# module's functions are compiled, and cached, with the module; lazily, each
# function a run called was compiled again on every run (README, Performance).
DENO_DIR=$dir/cache
DENO_V8_FLAGS=--no-lazy
export DENO_DIR DENO_V8_FLAGS
exec "$dir/deno" run --allow-all --no-prompt --quiet --no-config --no-lock "$dir/bundle/main.js" "$@"
exit 127
