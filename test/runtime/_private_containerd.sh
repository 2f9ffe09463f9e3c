# Sourced by the containerd scenario scripts (_containerd_*.sh), each run by
# its test as the only process of a private mount namespace (unshare -m): a
# private containerd (its /run on a tmpfs of this namespace, its state under
# $WORK) with the harness's busybox image imported; `C` is its ctr, and on
# exit every task, container, the daemon and its shims are gone.
# Arguments of the scenario script: RUNTIME IMAGE_TAR WORK CGROUP NAME.
set -u
RT=$1 IMAGE_TAR=$2 WORK=$3 CGROUP=$4 NAME=$5
mount -t tmpfs -o mode=0755,size=16m "$NAME-run" /run || exit 2
SOCK="/run/$NAME/containerd.sock"
mkdir -p "/run/$NAME/tmp" "$WORK/root" "$WORK/state" "$WORK/opt"
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
TMPDIR="/run/$NAME/tmp" containerd --config "$WORK/config.toml" > "$WORK/containerd.log" 2>&1 &
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
C=(ctr --address "$SOCK" -n "$NAME")
trap stop EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "containerd did not start: $(tail -3 "$WORK/containerd.log")"; exit 2; }
timeout 30 "${C[@]}" image import "$IMAGE_TAR" > /dev/null || exit 2
