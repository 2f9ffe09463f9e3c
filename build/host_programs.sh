#!/bin/sh
# The host programs and libraries of src/host_programs.ts (the one list), for make and .ci/run.
#   host_programs.sh list      "program package" per line (libraries by soname, libfoo.so.N)
#   host_programs.sh missing   the programs `command -v` and the libraries `ldconfig -p` do not find
#   host_programs.sh install   apt-get install the packages of the missing ones (root)
set -eu
cd "$(dirname "$0")/.."
# Debian's `su` (without -) keeps the caller's PATH, which has no sbin
# directory: iptables (in /usr/sbin) would count as missing though installed.
for d in /usr/local/sbin /usr/sbin /sbin; do
  case ":$PATH:" in *":$d:"*) ;; *) PATH=$PATH:$d ;; esac
done
export PATH
list() {
  sed -nE 's/^  "?([a-z0-9_.-]+)"?: \["([a-z0-9.+-]+)",.*/\1 \2/p' src/host_programs.ts
}
present() {
  case "$1" in
  *.so.*) ldconfig -p 2>/dev/null | grep -q "^[[:space:]]$1 " ;;
  *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}
missing() {
  list | while read -r prog pkg; do
    present "$prog" || echo "$prog"
  done
}
case "${1:-}" in
list) list ;;
missing) missing ;;
install)
  progs=$(missing)
  [ -z "$progs" ] && exit 0
  pkgs=$(for p in $progs; do list | awk -v p="$p" '$1 == p { print $2 }'; done | sort -u | tr '\n' ' ')
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing host programs: $(echo $progs); as root: apt-get install $pkgs" >&2
    exit 1
  fi
  echo "installing $pkgs(for $(echo $progs)) with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
  still=$(missing)
  [ -z "$still" ] || { echo "still missing after apt-get: $(echo $still)" >&2; exit 1; }
  ;;
*) echo "usage: $0 list|missing|install" >&2; exit 2 ;;
esac
