#!/bin/bash
# Run by containerd_userns_test.ts: a detached busybox task in a user
# namespace run through RUNTIME, an exec in it, then kill and delete.
# Prints one "key value" line per observation; the test judges them.
# Usage: _containerd_userns.sh RUNTIME IMAGE_TAR WORK CGROUP NAME
. "$(dirname "$0")/_private_containerd.sh"
status() { timeout 10 "${C[@]}" task ls | awk '$1 == "dgsh-userns" {print $3}'; }
# Not `ctr run --uidmap`: ctr 1.6 then replaces the task's runtime options
# (IoUid), --runc-binary with them, and the shim runs the runc on PATH. The
# spec is ctr's default plus a user namespace, its root the harness's busybox
# rootfs owned by the mapped IDs, as containerd's remapped snapshots are.
mkdir "$WORK/rootfs" && tar -xzf "$(dirname "$IMAGE_TAR")/rootfs-amd64.tar.gz" -C "$WORK/rootfs" &&
  chown -R 100000:100000 "$WORK/rootfs" || exit 2
timeout 10 "${C[@]}" oci spec > "$WORK/spec.json" || exit 2
python3 - "$WORK/spec.json" "$WORK/rootfs" <<'PY' || exit 2
import json, sys
path = sys.argv[1]
spec = json.load(open(path))
spec["root"] = {"path": sys.argv[2]}
spec["process"]["args"] = ["sleep", "100"]
spec["process"]["env"] = ["PATH=/bin:/usr/bin:/sbin:/usr/sbin"]
spec["linux"]["namespaces"].append({"type": "user"})
for key in ("uidMappings", "gidMappings"):
    spec["linux"][key] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
json.dump(spec, open(path, "w"))
PY
# The mapped root must reach the bundle's root under containerd's state, as with runc.
chmod 0711 "$WORK"
timeout 30 "${C[@]}" run -d --runc-binary "$RT" --cgroup "$CGROUP" --config "$WORK/spec.json" \
  dgsh-userns || exit 2
PID=$(timeout 10 "${C[@]}" task ls | awk '$1 == "dgsh-userns" {print $2}')
echo "started $(status)"
echo "uid-map $(tr -s ' ' < "/proc/$PID/uid_map" | sed 's/^ //')"
echo "host-uid $(awk '/^Uid:/ {print $2}' "/proc/$PID/status")"
echo "user-ns $([ "$(readlink "/proc/$PID/ns/user")" != "$(readlink /proc/self/ns/user)" ] && echo own)"
echo "exec $(timeout 10 "${C[@]}" task exec --exec-id e1 dgsh-userns id -u | tr -d '\r')"
timeout 10 "${C[@]}" task kill -s SIGKILL dgsh-userns
for _ in $(seq 50); do [ "$(status)" = STOPPED ] && break; sleep 0.1; done
echo "killed $(status)"
timeout 10 "${C[@]}" task delete dgsh-userns > /dev/null; echo "delete-rc $?"
timeout 10 "${C[@]}" container delete dgsh-userns; echo "container-delete-rc $?"
