#!/bin/bash
# Run by containerd_pause_test.ts as the only process of a private mount
# namespace (unshare -m): a private containerd (its /run on a tmpfs of this
# namespace, its state under $WORK), a detached busybox task run through
# RUNTIME, then `ctr task pause` / `resume`, as the shim calls them.
# Prints one "key value" line per observation; the test judges them.
# Usage: _containerd_pause.sh RUNTIME IMAGE_TAR WORK CGROUP
set -u
RT=$1 IMAGE_TAR=$2 WORK=$3 CGROUP=$4
mount -t tmpfs -o mode=0755,size=16m dgsh-pause-run /run || exit 2
SOCK=/run/dgsh-pause/containerd.sock
mkdir -p /run/dgsh-pause/tmp "$WORK/root" "$WORK/state" "$WORK/opt"
cat > "$WORK/config.toml" <<EOT
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$WORK/opt"
EOT
TMPDIR=/run/dgsh-pause/tmp containerd --config "$WORK/config.toml" > "$WORK/containerd.log" 2>&1 &
CPID=$!
stop() {
  for t in $(timeout 10 "${C[@]}" task ls -q 2>/dev/null); do
    timeout 10 "${C[@]}" task kill -s SIGKILL "$t" >/dev/null 2>&1; sleep 0.5
    timeout 10 "${C[@]}" task delete -f "$t" >/dev/null 2>&1
  done
  for t in $(timeout 10 "${C[@]}" container ls -q 2>/dev/null); do
    timeout 10 "${C[@]}" container delete "$t" >/dev/null 2>&1
  done
  kill -TERM $CPID 2>/dev/null; wait $CPID 2>/dev/null
  # The shims: only this namespace's own processes are in it.
  local me p
  me=$(readlink /proc/self/ns/mnt)
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$me" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
}
C=(ctr --address "$SOCK" -n dgsh-pause)
trap stop EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "containerd did not start: $(tail -3 "$WORK/containerd.log")"; exit 2; }
timeout 30 "${C[@]}" image import "$IMAGE_TAR" > /dev/null || exit 2
status() { timeout 10 "${C[@]}" task ls | awk '$1 == "dgsh-pause" {print $3}'; }
counter() { cat "/proc/$PID/root/tmp/tick"; }
timeout 30 "${C[@]}" run -d --runc-binary "$RT" --cgroup "$CGROUP" docker.io/library/busybox:latest \
  dgsh-pause sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/t; mv /tmp/t /tmp/tick; sleep 0.02; done' || exit 2
PID=$(timeout 10 "${C[@]}" task ls | awk '$1 == "dgsh-pause" {print $2}')
sleep 0.3
echo "started $(status)"
timeout 10 "${C[@]}" task pause dgsh-pause; echo "pause-rc $?"
echo "paused $(status)"
a=$(counter); sleep 0.3; echo "paused-counter $a $(counter)"
timeout 10 "${C[@]}" task resume dgsh-pause; echo "resume-rc $?"
echo "resumed $(status)"
a=$(counter); sleep 0.3; echo "resumed-counter $a $(counter)"
timeout 10 "${C[@]}" task pause dgsh-pause
timeout 10 "${C[@]}" task kill -s SIGKILL dgsh-pause
for _ in $(seq 50); do [ "$(status)" = STOPPED ] && break; sleep 0.1; done
echo "killed-paused $(status)"
timeout 10 "${C[@]}" task delete dgsh-pause > /dev/null; echo "delete-rc $?"
timeout 10 "${C[@]}" container delete dgsh-pause; echo "container-delete-rc $?"
