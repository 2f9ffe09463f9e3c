/**
 * Every host program dockergsh, its tests, its benchmarks and its launcher
 * run, with the Debian package that provides it: the one list.
 *
 * - `make` (target `host-programs`) installs, via apt-get, the package of each
 *   program that `command -v` does not find; `.ci/run` then checks each
 *   program with `command -v` and fails naming any that is missing. Both read
 *   this file through `build/host_programs.sh`, which takes one entry per
 *   line in exactly the shape below (`  name: ["package", "who"],`).
 * - The engine names the package when a program is missing (src/network/_exec.ts).
 * - test/host_programs_test.ts greps src/, test/ and bench/ for the programs
 *   they spawn and fails when one is not listed here.
 *
 * Not listed on purpose: `busybox` (the tests use the fixture's static one,
 * fixtures/busybox), the running Deno (`Deno.execPath()`), and the peers the
 * benchmarks install or skip themselves (runc, crun).
 *
 * @module
 */

/** program name → [Debian package, who runs it]. */
export const HOST_PROGRAMS: Readonly<Record<string, readonly [string, string]>> = {
  ip: ["iproute2", "engine: bridges, veths, addresses (src/network)"],
  iptables: ["iptables", "engine: NAT and port rules (src/network); tests"],
  "iptables-restore": ["iptables", "engine: rule sets in one step (src/network)"],
  "iptables-save": ["iptables", "tests: no rule left behind"],
  nsenter: ["util-linux", "runtime: exec in a user namespace (src/process/userns_spawn.ts); tests"],
  tar: ["tar", "tests; launcher unpack; make"],
  cp: ["coreutils", "launcher: the bundle copy; tests: an old-format image"],
  ps: ["procps", "engine: top with ps options"],
  unshare: ["util-linux", "runtime: a user namespace (src/process/userns_spawn.ts); tests"],
  setpriv: ["util-linux", "tests: a non-root caller"],
  script: ["bsdutils", "tests: a terminal for run -it / exec -it"],
  gzip: ["gzip", "tests: gzipped import; launcher payload"],
  sleep: ["coreutils", "tests: a process to watch"],
  grep: ["grep", "tests: no record left behind"],
  sh: ["dash", "tests; bench; launcher"],
  sha256sum: ["coreutils", "launcher: payload checksum; make"],
  mount: ["mount", "tests: small tmpfs state roots"],
  umount: ["mount", "tests: small tmpfs state roots"],
  df: ["coreutils", "tests: free space of a full disk"],
  skopeo: ["skopeo", "bench: the peer of pull (skopeo copy docker:// dir:)"],
  find: ["findutils", "tests: no temporary file left; .ci/run"],
  mknod: ["coreutils", "tests: device nodes under cgroup device rules"],
  rm: ["coreutils", "tests (sh -c); make; launcher"],
  mkdir: ["coreutils", "tests (sh -c); make; launcher"],
  cat: ["coreutils", "tests (fake tools); make"],
  sed: ["sed", "tests (fake tools); make; .ci/run"],
  bash: ["bash", ".ci/run; tests: the containerd harness (../shared/oci)"],
  env: ["coreutils", ".ci/run (#!/usr/bin/env bash)"],
  make: ["make", ".ci/run installs it first"],
  "apt-get": ["apt", "make: installs what is missing; fixture; bench"],
  tail: ["coreutils", "launcher: the payload; .ci/run"],
  head: ["coreutils", "launcher; .ci/run"],
  mktemp: ["coreutils", "launcher; make; fixture"],
  mv: ["coreutils", "launcher (GNU mv -T); make; fixture"],
  stat: ["coreutils", "launcher: who owns the runtime directory"],
  id: ["coreutils", "launcher; make"],
  chmod: ["coreutils", "make; fixture"],
  chown: ["coreutils", "tests: a host symlink's own owner (chown -h)"],
  ln: ["coreutils", "make; fixture"],
  du: ["coreutils", "make: the size built"],
  cut: ["coreutils", "make"],
  wc: ["coreutils", "make; .ci/run"],
  tee: ["coreutils", ".ci/run"],
  sort: ["coreutils", "make"],
  tr: ["coreutils", "make"],
  dirname: ["coreutils", "make; fixture"],
  awk: ["mawk", "make"],
  npm: ["npm", "make: fetches the pinned Deno"],
  "dpkg-deb": ["dpkg", "make: unpacks busybox-static for the fixture"],
  ldconfig: ["libc-bin", "make, .ci/run: finds the shared libraries below"],
  curl: ["curl", "tests: the registry harness (shared/registry)"],
  openssl: ["openssl", "tests: the registry harness's CA and token keys"],
  python3: ["python3", "tests: the registry harness's image build and token server"],
  setsid: ["util-linux", "tests: the registry harness starts its daemons"],
  flock: ["util-linux", "tests: the registry harness's lock"],
  ss: ["iproute2", "tests: the registry harness checks its ports"],
  jq: ["jq", "make diff: the key paths of inspect documents (test/differential)"],
  timeout: ["coreutils", "make diff: a case that hangs ends (test/differential)"],
  "tini-static": ["tini", "engine: run --init binds it in as /sbin/docker-init, as Docker"],
};

/**
 * Shared libraries the engine loads with `Deno.dlopen` (soname → [Debian
 * package, who loads it]), installed and checked with the programs above
 * (`ldconfig -p`), in the same one-entry-a-line shape.
 */
export const HOST_LIBRARIES: Readonly<Record<string, readonly [string, string]>> = {
  "libseccomp.so.2": ["libseccomp2", "engine: builds seccomp filters (ffi/seccomp.ts)"],
};
