#!/bin/bash
# Run by containerd_pause_test.ts: a detached busybox task run through
# RUNTIME, then `ctr task pause` / `resume`, as the shim calls them.
# Prints one "key value" line per observation; the test judges them.
# Usage: _containerd_pause.sh RUNTIME IMAGE_TAR WORK CGROUP NAME
. "$(dirname "$0")/_private_containerd.sh"
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
