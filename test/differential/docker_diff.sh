#!/usr/bin/env bash
# The differential measure: the same commands against the real Docker (the
# peer daemon, ../shared/peers/docker-peer.sh) and against dockergsh,
# comparing each case's exit code, stdout and first stderr line after IDs,
# times and durations are normalised. Not part of `deno test`: `make diff`
# builds ./dockergsh, starts the peer and runs this.
#
#   test/differential/docker_diff.sh [-v] [-k REGEX]
#     -v: show both sides of every case; -k: only the cases whose description
#     matches REGEX (after the shared fixtures; a case that needs an earlier
#     one's container may then differ)
#
# Both engines run every container with `--network none`; dockergsh gets a
# private state root and a cgroup parent inside this shell's own cgroups. All
# names start with d14-; everything made is removed at the end, and what is
# pruned on the shared peer is limited by a label (other users' stopped
# containers and unused images stay). Ends with "N same, N differ"; exits 1
# when any case differs.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DG=${DG:-$REPO/dockergsh}
VERBOSE=0
ONLY=
while [ $# -gt 0 ]; do
  case $1 in
    -v) VERBOSE=1 ;;
    -k) ONLY=$2; shift ;;
    *) echo "usage: $0 [-v] [-k REGEX]" >&2; exit 2 ;;
  esac
  shift
done
PEER=${PEER:-$REPO/../shared/peers/docker-peer.sh}
eval "$("$PEER" env)"
DOCKER=$PEER_DOCKER
"$DOCKER" version >/dev/null 2>&1 || { echo "docker_diff: the Docker peer does not answer (run $PEER start)" >&2; exit 2; }
[ -x "$DG" ] || { echo "docker_diff: no dockergsh at $DG (make build)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/d14-diff.XXXXXX)
export DOCKERGSH_ROOT=$WORK/root
mkdir -m 0700 "$DOCKERGSH_ROOT"
# The deepest of this shell's cgroups (v1 controllers may sit at different
# depths): containers must not leave the cgroups of whoever runs this.
CGP=$(awk -F: '{ if (length($3) > length(d)) d = $3 } END { print (d == "/" ? "" : d) "/d14-diff" }' /proc/self/cgroup)
# Events since this run began (the peer keeps earlier runs' d14- containers' events).
START=$(date +%s)
export DOCKER DG CGP WORK START

# `run`/`create` (also as `container run|create`) get --network none, unless
# the case names a network; dockergsh also gets the cgroup parent.
with_defaults() {
  local engine=$1; shift
  local i=0 args=("$@")
  [ "${args[0]:-}" = container ] && i=1
  case "${args[$i]:-}" in
    run | create)
      local extra=()
      [[ " ${args[*]} " == *" --network"* || " ${args[*]} " == *" --net "* ]] || extra+=(--network none)
      [ "$engine" = dockergsh ] && extra+=(--cgroup-parent "$CGP")
      args=("${args[@]:0:$((i + 1))}" "${extra[@]}" "${args[@]:$((i + 1))}")
      ;;
  esac
  if [ "$engine" = docker ]; then "$DOCKER" "${args[@]}"; else "$DG" "${args[@]}"; fi
}
export -f with_defaults

# Go's time formats and Docker's human durations, IDs, and the work folder;
# runs of blanks (table columns, whose widths follow the durations) as three.
normalise() {
  sed -E \
    -e 's/sha256:[0-9a-f]{64}/<DIGEST>/g; s/[0-9a-f]{64}/<ID>/g; s/\b[0-9a-f]{12}\b/<SID>/g' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?( ?[+-][0-9]{2}:?[0-9]{2})?( [A-Z]{3,4})?Z?/<T>/g' \
    -e 's/(Less than a second|About a minute|About an hour|[0-9]+ (second|minute|hour|day|week)s?)/<DUR>/g' \
    -e "s#$WORK#<WORK>#g" \
    -e 's/ {2,}/   /g; s/ +$//'
}

same=0
differ=0
differing=()
# case DESCRIPTION COMMAND: COMMAND is bash in which `E` is the engine.
case_() {
  local desc=$1 cmd=$2 engine out rc err
  local -A got
  [ -n "$ONLY" ] && ! [[ $desc =~ $ONLY ]] && return
  for engine in docker dockergsh; do
    out=$(timeout 60 bash -c "E() { with_defaults $engine \"\$@\"; }; $cmd" 2>"$WORK/stderr" </dev/null)
    rc=$?
    err=$(head -n 1 "$WORK/stderr")
    [ "$engine" = dockergsh ] && { out=${out//dockergsh/docker}; err=${err//dockergsh/docker}; }
    got[$engine]=$(printf '%s\nrc=%s\nstderr: %s\n' "$out" "$rc" "$err" | normalise)
  done
  if [ "${got[docker]}" == "${got[dockergsh]}" ]; then
    same=$((same + 1))
    echo "same    $desc"
    [ $VERBOSE = 1 ] && sed 's/^/    /' <<<"${got[docker]}"
  else
    differ=$((differ + 1))
    differing+=("$desc")
    echo "DIFFER  $desc"
    if [ $VERBOSE = 1 ]; then
      printf '  docker:\n%s\n  dockergsh:\n%s\n' "$(sed 's/^/    /' <<<"${got[docker]}")" "$(sed 's/^/    /' <<<"${got[dockergsh]}")"
    else
      diff <(echo "${got[docker]}") <(echo "${got[dockergsh]}") | grep '^[<>]' | head -n 8 |
        sed 's/^</    docker:   /; s/^>/    dockergsh:/'
    fi
  fi
}

# Object key paths of an inspect document, sorted (arrays not entered).
export KEYPATHS='.[0] | paths | select(all(.[]; type == "string")) | join(".")'

cleanup() {
  local c
  for c in $("$DOCKER" ps -aq --filter name=d14-); do "$DOCKER" rm -fv "$c" >/dev/null 2>&1; done
  "$DOCKER" images --format '{{.Repository}}:{{.Tag}}' | grep '^d14-' | xargs -r "$DOCKER" rmi -f >/dev/null 2>&1
  "$DOCKER" volume ls -q --filter name=d14- | xargs -r "$DOCKER" volume rm -f >/dev/null 2>&1
  "$DOCKER" container prune -f --filter label=d14-prune >/dev/null 2>&1
  "$DOCKER" images -q --filter label=d14-prune | xargs -r "$DOCKER" rmi -f >/dev/null 2>&1
  "$DOCKER" volume prune -f --filter label=d14-prune >/dev/null 2>&1
  for c in $("$DG" ps -aq); do "$DG" rm -fv "$c" >/dev/null 2>&1; done
  local h
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [ -d "$h$CGP" ] && find "$h$CGP" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  if grep -q " $WORK" /proc/self/mountinfo; then
    echo "docker_diff: mounts left under $WORK, not removing it" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
# The peer's own busybox image, so both run the same tree (and image ID).
"$DOCKER" save busybox:latest | "$DG" load >/dev/null || { echo "docker_diff: docker save busybox | dockergsh load failed" >&2; exit 2; }
# A d14- container an interrupted run left on the peer.
"$DOCKER" ps -aq --filter name=d14- | xargs -r "$DOCKER" rm -fv >/dev/null 2>&1

# Fixtures, made the same way on both engines.
for engine in docker dockergsh; do
  E() { with_defaults "$engine" "$@"; }
  # d14-w: exits 5 after a second; d14-p: exits 3 on SIGTERM.
  E run -d --name d14-w busybox sh -c 'sleep 1; exit 5' >/dev/null
  E run -d --name d14-p busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done' >/dev/null
  # d14-t: ran in the foreground, changed its tree, wrote to stdout and stderr.
  E run --name d14-t busybox sh -c 'mkdir -p /tmp/d/e; echo x > /tmp/d/e/f; rm /etc/group; echo y >> /etc/passwd;
    ln -s /etc /lnk; ln -s /tmp/d/e/f /lf; ln -s f /tmp/d/e/ls; chown -h 1000:1000 /tmp/d/e/ls;
    echo out1; echo err1 >&2; echo out2; echo err2 >&2' >/dev/null 2>&1
  E create --name d14-x busybox true >/dev/null
  # d14-s: runs, with a label and an environment.
  E run -d --name d14-s -l role=server -e A=1 busybox sleep 1000 >/dev/null
done
unset -f E
sleep 1.2

echo "== run"
case_ "run: stdout"                    'E run --rm busybox echo hi'
case_ "run: exit code"                 'E run --rm busybox sh -c "exit 3"'
case_ "run: command not found"         'E run --rm busybox nosuchcmd 2>&1 | grep -o "executable file not found in \$PATH"; exit ${PIPESTATUS[0]}'
case_ "run: not executable"            'E run --rm busybox /etc 2>&1 | grep -o "permission denied"; exit ${PIPESTATUS[0]}'
case_ "run: -e"                        'E run --rm -e A=1 -e B busybox sh -c "env | grep -E ^[AB]= | sort"'
case_ "run: -w"                        'E run --rm -w /tmp/new busybox pwd'
case_ "run: -u"                        'E run --rm -u 65534:65534 busybox id'
case_ "run: -h"                        'E run --rm -h myhost busybox hostname'
case_ "run: --entrypoint"              'E run --rm --entrypoint echo busybox hi there'
case_ "run: --init is PID 1"           'E run --rm --init busybox ps -o pid,comm | head -n 2'
case_ "run: --init forwards SIGTERM"  'E run -d --init --name d14-is busybox sleep 100 >/dev/null; E stop -t 10 d14-is >/dev/null; E inspect -f "{{.State.ExitCode}}" d14-is'
case_ "run: --env-file"                'printf "A=1\n# c\nB=two words\n" > $WORK/envf; E run --rm --env-file $WORK/envf busybox sh -c "echo \$A \$B"'
case_ "run: --env-file missing"        'E run --rm --env-file /nonexistent busybox true'
case_ "run: -l, --label-file"          'printf "k2=v2\n" > $WORK/lf; E run --name d14-lab -l k1=v1 --label-file $WORK/lf busybox true; E inspect -f "{{json .Config.Labels}}" d14-lab'
case_ "run: --add-host"                'E run --rm --add-host a.test:10.241.0.9 busybox grep a.test /etc/hosts'
case_ "run: --add-host bad"            'E run --rm --add-host nohost busybox true'
case_ "run: --add-host host-gateway"   'E run --rm --add-host gw:host-gateway busybox grep -c gw /etc/hosts'
case_ "run: --dns, --dns-search"       'E run --rm --dns 10.241.0.53 --dns-search x.test --dns-option ndots:2 busybox cat /etc/resolv.conf'
case_ "run: --mount tmpfs"             'E run --rm --mount type=tmpfs,target=/m busybox sh -c "grep \" /m \" /proc/mounts | cut -d\" \" -f1-3"'
case_ "run: --mount bind ro"           'mkdir -p $WORK/b; echo hb > $WORK/b/f; E run --rm --mount type=bind,source=$WORK/b,target=/b,readonly busybox sh -c "cat /b/f; touch /b/g"'
case_ "run: --mount volume"            'E run --rm --mount type=volume,source=d14-mv,target=/data busybox sh -c "echo v > /data/f"; E run --rm -v d14-mv:/data busybox cat /data/f'
case_ "run: --mount bad"               'E run --rm --mount type=bogus,target=/m busybox true'
case_ "run: named volume filled"       'E run --rm -v d14-nv:/bin busybox ls /bin | wc -l; E run --rm -v d14-nv:/bin busybox /bin/sh -c "ls -l /bin/sh"'
case_ "run: the init layer"            'E run --rm busybox sh -c "stat -c \"%A %U %G %s %N\" /etc/mtab; ls -a /dev; ls -a /etc"'
case_ "run: anonymous volume"          'E run --name d14-anon -v /data busybox true; E inspect -f "{{range .Mounts}}{{.Type}} {{.Destination}} {{.RW}}{{end}}" d14-anon'
case_ "run: -v relative"               'E run --rm -v rel:/x:bogus busybox true'
case_ "run: --stop-signal/-timeout"    'E create --name d14-ss --stop-signal SIGUSR1 --stop-timeout 3 busybox true >/dev/null; E inspect -f "{{.Config.StopSignal}} {{.Config.StopTimeout}}" d14-ss'
case_ "run: --stop-signal used by stop" 'E run -d --name d14-sg --stop-signal USR1 busybox sh -c "trap \"exit 7\" USR1; while :; do sleep 0.1; done" >/dev/null; sleep 1; E stop d14-sg >/dev/null; E inspect -f "{{.State.ExitCode}}" d14-sg'
case_ "run: --stop-timeout used by stop" 'E run -d --name d14-st --stop-timeout 1 busybox sleep 100 >/dev/null; s=$(date +%s); E stop d14-st >/dev/null; [ $(($(date +%s) - s)) -lt 6 ] && echo "within 6 s"; E inspect -f "{{.State.ExitCode}}" d14-st'
case_ "run: --restart on-failure:2"    'E run -d --name d14-rs --restart on-failure:2 busybox false >/dev/null; sleep 4; E inspect -f "{{.RestartCount}} {{.State.Status}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}" d14-rs'
case_ "run: --restart bogus"           'E run -d --name d14-rb --restart bogus busybox true'
case_ "run: --restart bogus with --rm" 'E run --rm --restart bogus busybox true'
case_ "run: --restart with --rm"       'E run --rm --restart always busybox true'
case_ "run: --restart always"          'E run -d --name d14-ra --restart always busybox sh -c "exit 2" >/dev/null; sleep 2; E inspect -f "{{.HostConfig.RestartPolicy.Name}} {{if gt .RestartCount 0}}restarted{{end}}" d14-ra'
case_ "run: --restart unless-stopped"  'E run -d --name d14-ru --restart unless-stopped busybox sleep 100 >/dev/null; E stop -t 0 d14-ru >/dev/null; sleep 1; E inspect -f "{{.State.Status}} {{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}" d14-ru'
case_ "run: --health-cmd"              'E run -d --name d14-h --health-cmd true --health-interval 1s busybox sleep 30 >/dev/null; sleep 3; E inspect -f "{{.State.Health.Status}}" d14-h; E ps --filter name=d14-h --format "{{.Status}}"'
case_ "run: --health-* config"         'E create --name d14-hc --health-cmd "exit 1" --health-interval 2s --health-timeout 3s --health-retries 4 --health-start-period 5s busybox true >/dev/null; E inspect -f "{{json .Config.Healthcheck}}" d14-hc; E create --name d14-hn --no-healthcheck busybox true >/dev/null; E inspect -f "{{json .Config.Healthcheck}}" d14-hn'
case_ "run: unhealthy"                 'E run -d --name d14-hu --health-cmd false --health-interval 1s --health-retries 1 busybox sleep 30 >/dev/null; sleep 3; E inspect -f "{{.State.Health.Status}}" d14-hu; E ps --filter name=d14-hu --format "{{.Status}}"'
case_ "run: -p with --network none"    'E run --rm -p 8080:80 busybox true'
case_ "run: /.dockerenv, /dev/mqueue"  'E run --rm busybox sh -c "test -f /.dockerenv && grep -c \" /dev/mqueue \" /proc/mounts"'
case_ "run: -d prints the ID"          'E run -d --name d14-d busybox true'
case_ "run: name in use"               'E run --name d14-t busybox true'
case_ "create: name in use"             'E create --name d14-t busybox true'
case_ "exec: unknown flag"             'E exec --bogus d14-s true'
case_ "run: no image given"            'E run'
case_ "run: image missing locally"     'E run --rm --pull never d14-nosuch:1 true'
case_ "run: -it without a terminal"    'E run --rm -it busybox true'
case_ "run: bad memory"                'E run --rm -m bogus busybox true'
case_ "run: unknown flag"              'E run --bogus busybox'
case_ "run: --rm leaves nothing"       'E run --rm --name d14-gone busybox true; E ps -a --filter name=d14-gone --format "{{.Names}}"'
case_ "run: -i reads stdin"            'echo piped | E run --rm -i busybox cat'

echo "== create, start"
case_ "create prints the ID"           'E create --name d14-c2 busybox echo started'
case_ "start prints the name"          'E start d14-c2'
case_ "start -a"                       'E start -a d14-t; echo "rc=$?"'
case_ "start -a two"                   'E start -a d14-t d14-x'
case_ "start missing"                  'E start d14-nosuch'
case_ "start, start -a: not found"     'E create --name d14-nf busybox nosuchcmd >/dev/null; E start d14-nf 2>/dev/null; echo rc=$?; E start -a d14-nf 2>&1 | grep -o "executable file not found in \$PATH"; echo rc=${PIPESTATUS[0]}; E inspect -f "{{.State.Status}} {{.State.ExitCode}} {{if .State.Error}}has an error{{end}}" d14-nf; E ps -a --filter name=d14-nf --format "{{.Status}}"'
case_ "start no argument"              'E start'
case_ "start a running one"            'E start d14-s'

echo "== ps"
case_ "ps header"                      'E ps --filter name=d14-nosuch'
case_ "ps -a table"                    'E ps -a --filter name=d14-s --filter name=d14-t --format "table {{.Names}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Ports}}"'
case_ "ps -q"                          'E ps -q --filter name=d14-s | wc -l'
case_ "ps -aq"                         'E ps -aq --filter name=d14-t --filter name=d14-x | wc -l'
case_ "ps --no-trunc"                  'E ps -a --no-trunc --filter name=d14-t --format "{{.Command}}" | cut -c1-30'
case_ "ps -f status=exited"            'E ps -a --filter name=d14-w --filter name=d14-s --filter status=exited --format "{{.Names}}"'
case_ "ps -f status=created"           'E ps -a --filter name=d14-x --filter status=created --format "{{.Names}} {{.State}}"'
case_ "ps -f label"                    'E ps --filter label=role=server --filter name=d14- --format "{{.Names}} {{.Labels}}"'
case_ "ps -f ancestor"                 'E ps --filter ancestor=busybox --filter name=d14-s --format "{{.Names}}"'
case_ "ps -f exited=5"                 'E ps -a --filter exited=5 --filter name=d14-w --format "{{.Names}}"'
case_ "ps -f before"                   'E ps -a --filter before=d14-x --filter name=d14- --format "{{.Names}}"'
case_ "ps -f since"                    'E ps -a --filter since=d14-t --filter name=d14-x --format "{{.Names}}"'
case_ "ps -f id"                       'id=$(E ps -aq --filter name=d14-x); E ps -a --filter id=$id --format "{{.Names}}"'
case_ "ps -f status=bogus"             'E ps --filter status=bogus'
case_ "ps -f bogus"                    'E ps --filter bogus=1'
case_ "ps --format bad field"          'E ps --format "{{.Nope}}"'
case_ "ps --format json keys"          'E ps --filter name=d14-s --format "{{json .}}" | jq -r "keys | join(\",\")"'
case_ "ps --format Label"              'E ps --filter name=d14-s --format "{{.Label \"role\"}} {{.Networks}} {{.Mounts}}"'
case_ "ps -n"                          'E ps -a -n 2 --filter name=d14- --format "{{.Names}}"'
case_ "ps -l"                          'E ps -l --filter name=d14- --format "{{.Names}}"'
case_ "ps -n bad"                      'E ps -n x'
case_ "ps -s"                          'E ps -a -s --filter name=d14-x --format "{{.Size}}"'
case_ "ps --help"                      'E ps --help'

echo "== images"
case_ "images header"                  'E images d14-nosuch'
case_ "images REPO"                    'E images busybox --format "{{.Repository}}:{{.Tag}} {{.Size}}"'
case_ "images -q"                      'E images -q busybox | wc -l'
case_ "images json keys"               'E images busybox --format "{{json .}}" | jq -r "keys | join(\",\")"'
case_ "images -f reference"            'E tag busybox d14-ref:1; E images -f reference="d14-ref*" --format "{{.Repository}} {{.Tag}}"'
case_ "images -f dangling"             'E commit -c "LABEL d14-prune=1" d14-t d14-dang:1 >/dev/null; E commit -c "LABEL d14-prune=1" d14-x d14-dang:1 >/dev/null; E images -f dangling=true --format "{{.Repository}}:{{.Tag}}" | sort -u'
case_ "images -f bogus"                'E images -f bogus=1'
case_ "images --digests header"        'E images --digests d14-nosuch'
case_ "images --no-trunc"              'E images --no-trunc -q busybox | cut -c1-7'

echo "== logs"
case_ "logs: foreground stdout"        'E logs d14-t 2>/dev/null'
case_ "logs: foreground stderr"        'E logs d14-t 2>&1 >/dev/null'
# The last lines of both streams merged: written apart in time, as the order of two pipes'
# writes a few microseconds apart is a race for any reader of both (Docker's too).
case_ "logs --tail 1, 2"               'E run --name d14-tl busybox sh -c "echo a; echo b >&2; sleep 0.3; echo c >&2; sleep 0.3; echo d" >/dev/null 2>&1; E logs --tail 1 d14-tl 2>&1; E logs --tail 2 d14-tl 2>&1'
case_ "logs -t"                        'E logs -t d14-t 2>/dev/null | sed -E "s/^[^ ]+ /<stamp> /"'
case_ "logs --since future"            'E logs --since 2099-01-01T00:00:00Z d14-t 2>&1'
case_ "logs --until past"              'E logs --until 2000-01-01T00:00:00Z d14-t 2>&1'
case_ "logs --since 1h"                'E logs --since 1h d14-t 2>/dev/null'
case_ "logs --since bad"               'E logs --since yesterday d14-t'
case_ "logs missing"                   'E logs d14-nosuch'
case_ "logs -f of an exited one"       'E logs -f d14-t 2>/dev/null'

echo "== exec"
case_ "exec: stdout"                   'E exec d14-s echo hi'
case_ "exec: exit code"                'E exec d14-s sh -c "exit 7"'
case_ "exec: not found"                'E exec d14-s nosuchcmd >/dev/null 2>&1'
case_ "exec: not executable"           'E exec d14-s /etc >/dev/null 2>&1'
case_ "exec: -e and Config.Env"        'E exec -e B=2 d14-s sh -c "echo \$A\$B"'
case_ "exec: -w"                       'E exec -w /tmp d14-s pwd'
case_ "exec: -u"                       'E exec -u 65534 d14-s id -u'
case_ "exec: stopped container"        'E exec d14-t true'
case_ "exec: missing container"        'E exec d14-nosuch true'
case_ "exec: no command"               'E exec d14-s'

echo "== stop, kill, rm"
case_ "stop: prints the name"          'E stop -t 1 d14-p'
case_ "stop: exit code of trap"        'E inspect -f "{{.State.ExitCode}} {{.State.Status}}" d14-p'
case_ "stop: missing"                  'E stop d14-nosuch'
case_ "kill: not running"              'E kill d14-t'
case_ "kill: bad signal"               'E kill -s BOGUS d14-s'
case_ "kill: missing"                  'E kill d14-nosuch'
case_ "rm: running"                    'E rm d14-s'
case_ "rm: missing"                    'E rm d14-nosuch'
case_ "rm: one of two missing"         'E rm d14-d d14-nosuch'
case_ "rm -f running"                  'E run -d --name d14-k busybox sleep 100 >/dev/null; E rm -f d14-k'
case_ "rm -v anonymous volume"         'E rm -v d14-anon; E volume ls -q --filter dangling=true | wc -l'
case_ "restart"                        'E restart -t 1 d14-w; sleep 1.5; E inspect -f "{{.State.ExitCode}} {{.RestartCount}}" d14-w'

echo "== inspect"
case_ "inspect: container key paths"   'E inspect d14-s | jq -r "$KEYPATHS" | sort'
case_ "inspect: image key paths"       'E image inspect busybox | jq -r "$KEYPATHS" | sort'
case_ "inspect: Config.Env"            'E inspect -f "{{json .Config.Env}}" d14-s'
case_ "inspect: -f fields"             'E inspect -f "{{.Name}} {{.State.Status}} {{.Config.Cmd}} {{.HostConfig.Privileged}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.LogConfig.Type}} {{.HostConfig.CapAdd}}" d14-s'
case_ "inspect: -f missing field"      'E inspect -f "{{.NoSuchField}}" d14-s'
case_ "inspect: missing"               'E inspect d14-nosuch'
case_ "inspect: --type image of a ctr" 'E inspect --type image d14-s'
case_ "inspect: --type container img"  'E inspect --type container busybox'
case_ "inspect: --type bogus"          'E inspect --type bogus d14-s'
case_ "inspect: -s SizeRw"             'E inspect -s -f "{{.SizeRw}}" d14-x'
case_ "inspect: image fields"          'E image inspect -f "{{.RepoTags}} {{.Config.Cmd}} {{.Os}} {{.Architecture}}" busybox'

echo "== tag, rmi, commit, history"
case_ "tag"                            'E tag busybox d14-img:1'
case_ "tag: bad name"                  'E tag busybox Bad:Tag'
case_ "tag: missing image"             'E tag d14-nosuch d14-img:2'
case_ "rmi: untag"                     'E rmi d14-img:1'
case_ "rmi: missing"                   'E rmi d14-nosuch:1'
case_ "commit: prints the ID"          'E commit d14-t d14-c:1'
case_ "commit: has the changes"        'E run --rm d14-c:1 cat /tmp/d/e/f'
case_ "commit: -c CMD, -m"             'E commit -c "CMD [\"echo\",\"changed\"]" -m msg d14-t d14-c:2 >/dev/null; E run --rm d14-c:2; E image inspect -f "{{.Comment}}" d14-c:2'
case_ "commit: bad change"             'E commit -c "BOGUS x" d14-t d14-c:3'
case_ "commit: missing"                'E commit d14-nosuch d14-c:4'
case_ "rmi: in use"                    'E create --name d14-uses d14-c:1 >/dev/null; E rmi d14-c:1'
case_ "history"                        'E history --format "{{.CreatedBy}}|{{.Comment}}" d14-c:2'

echo "== volume"
case_ "volume create"                  'E volume create d14-v'
case_ "volume create --label"          'E volume create --label k=v d14-vl >/dev/null; E volume inspect -f "{{.Driver}} {{.Name}} {{.Scope}} {{.Labels}}" d14-vl'
case_ "volume ls -q"                   'E volume ls -q --filter name=d14-v'
case_ "volume ls --format"             'E volume ls --filter name=d14-vl --format "{{.Driver}} {{.Name}}"'
case_ "volume ls header"               'E volume ls --filter name=d14-nosuch'
case_ "volume inspect key paths"       'E volume inspect d14-vl | jq -r "$KEYPATHS" | sort'
case_ "volume inspect missing"         'E volume inspect d14-nosuch'
case_ "volume rm in use"               'E create --name d14-vu -v d14-v:/v busybox true >/dev/null; E volume rm d14-v'
case_ "volume rm missing"              'E volume rm d14-nosuch'
case_ "volume prune"                   'E volume create --label d14-prune=1 d14-vp >/dev/null; E volume prune -f --filter label=d14-prune=1'

echo "== network"
case_ "network ls header"              'E network ls --filter name=d14-nosuch'
case_ "network ls --format"            'E network ls --filter name=none --format "{{.Name}} {{.Driver}} {{.Scope}}"'
case_ "network ls -q"                  'E network ls -q --filter name=host | wc -l'
case_ "network ls -f driver"           'E network ls --filter driver=null --format "{{.Name}}"'
case_ "network ls -f bogus"            'E network ls --filter bogus=1'
case_ "network inspect none"           'E network inspect -f "{{.Name}} {{.Driver}}" none'

echo "== cp"
case_ "cp: out to stdout"              'E cp d14-t:/tmp/d/e/f - | tar -xO'
case_ "cp: out to a file"              'E cp d14-t:/tmp/d/e/f $WORK/cpf && cat $WORK/cpf; rm -f $WORK/cpf'
case_ "cp: symlink kept"               'rm -rf $WORK/cpl; E cp d14-t:/lf $WORK/cpl && readlink $WORK/cpl'
case_ "cp -L: symlink followed"        'rm -rf $WORK/cpl; E cp -L d14-t:/lf $WORK/cpl && cat $WORK/cpl; test -L $WORK/cpl; echo link=$?'
case_ "cp -a: owner of a symlink"      'rm -rf $WORK/cpd; E cp -a d14-t:/tmp/d/e $WORK/cpd && stat -c "%n %u %F" $WORK/cpd/ls'
case_ "cp: in, then read"              'echo in > $WORK/cpin; E cp $WORK/cpin d14-s:/tmp/cpin && E exec d14-s cat /tmp/cpin'
case_ "cp: tar stream in"              'mkdir -p $WORK/ts; echo t > $WORK/ts/tf; tar -C $WORK/ts -c tf | E cp - d14-s:/tmp && E exec d14-s cat /tmp/tf'
case_ "cp: missing path"               'E cp d14-t:/nosuch $WORK/x'
case_ "cp: two containers"             'E cp d14-t:/a d14-t:/b'
case_ "cp: no container"               'E cp a b'
case_ "cp --help"                      'E cp --help'

echo "== pause, wait, rename, top, port, diff, export, attach, events"
case_ "wait"                           'E wait d14-w'
case_ "wait: one missing"              'E wait d14-w d14-nosuch'
case_ "rename: same name"              'E rename d14-x d14-x'
case_ "rename: bad name"               'E rename d14-x "bad name"'
case_ "rename: missing"                'E rename d14-nosuch d14-z'
case_ "rename"                         'E rename d14-x d14-y; E ps -a --filter name=d14-y --format "{{.Names}}"'
case_ "pause"                          'E run -d --name d14-pp busybox sleep 100 >/dev/null; E pause d14-pp; E ps --filter name=d14-pp --format "{{.State}} {{.Status}}"'
case_ "pause again"                    'E pause d14-pp'
case_ "inspect paused"                 'E inspect -f "{{.State.Status}} {{.State.Running}} {{.State.Paused}}" d14-pp'
case_ "exec paused"                    'E exec d14-pp true'
case_ "unpause"                        'E unpause d14-pp; E unpause d14-pp'
case_ "pause stopped"                  'E pause d14-t'
case_ "top"                            'E top d14-pp | sed -E "s/ +/ /g" | cut -d" " -f1,8-'
case_ "top stopped"                    'E top d14-t'
case_ "diff"                           'E diff d14-t | sort'
case_ "export"                         'E export d14-t | tar -t | grep -v -E "^(\.dockerenv|dev/|proc/|sys/)" | sort'
case_ "port: none"                     'E port d14-t'
case_ "port: one"                      'E port d14-t 80'
case_ "attach: stopped"                'E attach d14-t'
case_ "attach: output and exit code"   'E run -d --name d14-at busybox sh -c "sleep 1; echo late; echo err >&2; exit 6" >/dev/null; E attach d14-at 2>$WORK/at-err; echo rc=$?; cat $WORK/at-err'
# Docker replays only its last 256 events: a container of its own, just made (and a second for
# its --until 0s to take in the last event).
case_ "events"                         'E run --name d14-ev busybox true; E commit -c "LABEL d14-prune=1" d14-ev >/dev/null; sleep 1; E events --since $START --until 0s --filter container=d14-ev --format "{{.Type}} {{.Action}}"'

echo "== stats"
case_ "stats header"                   'E stats --no-stream d14-s | head -n 1'
# The kernel's byte counts differ from run to run: their shape is compared.
case_ "stats --format"                 'E stats --no-stream --format "{{.Name}} {{.PIDs}} {{.BlockIO}}" d14-s | sed -E "s/[0-9.]+[kMGT]?B/<bytes>/g"'
case_ "stats: missing"                 'E stats --no-stream d14-nosuch'
case_ "stats: stopped"                 'E stats --no-stream --format "{{.Name}} {{.CPUPerc}} {{.MemUsage}}" d14-t'

echo "== prune"
case_ "container prune"                'E create --name d14-pr -l d14-prune=1 busybox true >/dev/null; E container prune -f --filter label=d14-prune=1 | sed "/^Total/s/: .*/: <size>/"'
case_ "container prune bogus filter"   'E container prune -f --filter bogus=1'
case_ "image prune"                    'E commit -c "LABEL d14-prune=1" d14-t >/dev/null; E image prune -f --filter label=d14-prune=1 | grep -c "^deleted: "'
case_ "system prune"                   'E create --name d14-sp -l d14-prune=1 busybox true >/dev/null; E system prune -f --filter label=d14-prune=1 | sed "/^Total/s/: .*/: <size>/"'
case_ "system prune --help"            'E system prune --help'

echo "== system"
case_ "system df rows"                 'E system df --format "{{.Type}}"'
case_ "system df header"               'E system df | head -n 1'
case_ "system df -v sections"          'E system df -v | grep -E "usage:$"'
case_ "version --format"               'E version --format "{{.Server.Os}}/{{.Server.Arch}} {{.Client.Os}}"'
case_ "version sections"               'E version | grep -E "^[A-Z]"'
case_ "info --format"                  'E info --format "{{.OSType}} {{.Architecture}} {{.CgroupVersion}} {{.Driver}}"'
case_ "info sections"                  'E info | grep -E "^[A-Z]"'

echo "== more everyday forms"
case_ "run -d --rm, then gone"         'E run -d --rm --name d14-dr busybox true >/dev/null; sleep 2; E ps -a --filter name=d14-dr --format "{{.Names}}"'
case_ "exec -d"                        'E exec -d d14-s sh -c "echo d > /tmp/execd"; sleep 1; E exec d14-s cat /tmp/execd'
case_ "exec -i reads stdin"            'echo piped | E exec -i d14-s cat'
case_ "kill -s TERM"                   'E run -d --name d14-ks busybox sh -c "trap \"exit 9\" TERM; while :; do sleep 0.1; done" >/dev/null; sleep 1; E kill -s TERM d14-ks; E wait d14-ks'
case_ "wait two"                       'E wait d14-ks d14-t'
case_ "top with ps options"            'E top d14-s -o pid,comm | sed -E "s/ +/ /g" | cut -d" " -f2-'
case_ "logs --tail 0"                  'E logs --tail 0 d14-t 2>&1'
case_ "logs --tail bad"                'E logs --tail x d14-t'
case_ "inspect two, one missing"       'E inspect -f "{{.Name}}" d14-s d14-nosuch'
case_ "inspect volume via top inspect" 'E volume create d14-iv >/dev/null; E inspect -f "{{.Name}} {{.Driver}}" d14-iv'
case_ "history -q"                     'E history -q busybox | wc -l'
case_ "images --format table"          'E images --format "table {{.Repository}}\t{{.Tag}}" busybox'
case_ "version json keys"              'E version --format "{{json .}}" | jq -r "keys | join(\",\")"'
case_ "info json has"                  'E info --format "{{json .}}" | jq -r "[.ID != null, .Containers != null, .Images != null, .Driver, .OSType] | map(tostring) | join(\" \")"'
case_ "stats --no-stream header only"  'E stats --no-stream d14-nosuch-x 2>&1 | head -n 1'
case_ "rename to a taken name"         'E rename d14-s d14-t'
case_ "start -ai a stopped one"        'E create -i --name d14-ai busybox cat >/dev/null; echo typed | E start -ai d14-ai'
case_ "restart a stopped one"          'E restart d14-ai >/dev/null; E inspect -f "{{.State.Status}}" d14-ai'
case_ "port with --network none -p"    'E run -d --name d14-pt -p 8080:80 busybox sleep 30 >/dev/null; E port d14-pt'
case_ "create --name bad"              'E create --name "-x" busybox true'
case_ "volume create then in use"      'E run -d --name d14-vu2 -v d14-vx:/x busybox sleep 30 >/dev/null; E volume rm d14-vx'
case_ "system df Local Volumes"        'E system df --format "{{.Type}} {{.TotalCount}}" | grep Volumes | sed "s/[0-9]*$/N/"'

echo "== confinement and limits seen from inside"
case_ "run --read-only"                'E run --rm --read-only busybox touch /x'
case_ "run --tmpfs"                    'E run --rm --read-only --tmpfs /x busybox sh -c "touch /x/y && grep \" /x \" /proc/mounts | cut -d\" \" -f3"'
case_ "run --cap-drop ALL"             'E run --rm --cap-drop ALL busybox grep CapEff /proc/self/status'
case_ "run default caps"               'E run --rm busybox grep CapEff /proc/self/status'
case_ "run -u nobody"                  'E run --rm -u nobody busybox id'
case_ "run --group-add"                'E run --rm --group-add 1234 busybox id -G'
case_ "run --ulimit"                   'E run --rm --ulimit nofile=1024:2048 busybox sh -c "ulimit -n; ulimit -Hn"'
case_ "run -m seen in cgroup"          'E run --rm -m 64m busybox sh -c "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"'
case_ "run --pids-limit"               'E run --rm --pids-limit 7 busybox sh -c "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"'
case_ "run hostname default"           'E run --rm busybox sh -c "hostname | wc -c"'
case_ "run /etc/hosts none"            'E run --rm -h hh busybox cat /etc/hosts'
case_ "run /etc/resolv.conf none"      'E run --rm busybox cat /etc/resolv.conf'
case_ "run env"                        'E run --rm busybox env | sort | grep -v ^HOSTNAME='
case_ "run PID 1"                      'E run --rm busybox sh -c "echo \$\$; cat /proc/1/cmdline | tr \"\\0\" \" \""'
case_ "run /dev"                       'E run --rm busybox ls /dev'
case_ "run mounts"                     'E run --rm busybox sh -c "cut -d\" \" -f2,3 /proc/mounts | sort"'

echo "== more errors and edge forms"
case_ "stop two, one missing"          'E stop -t 0 d14-nosuch d14-y'
case_ "pause missing"                  'E pause d14-nosuch'
case_ "top missing"                    'E top d14-nosuch'
case_ "port missing"                   'E port d14-nosuch'
case_ "diff missing"                   'E diff d14-nosuch'
case_ "wait missing"                   'E wait d14-nosuch'
case_ "rm -f missing"                  'E rm -f d14-nosuch'
case_ "volume create twice"            'E volume create d14-v2 && E volume create d14-v2'
case_ "volume rm -f missing"           'E volume rm -f d14-nosuch'
case_ "volume ls dangling"             'E volume ls -q --filter dangling=true --filter name=d14-v2'
case_ "cp dir contents out"            'rm -rf $WORK/cpdir; mkdir $WORK/cpdir; E cp d14-t:/tmp/d/. $WORK/cpdir && find $WORK/cpdir | sort | sed "s#$WORK##"'
case_ "export -o"                      'E export -o $WORK/exp.tar d14-t && tar -tf $WORK/exp.tar | grep -c "^etc/"'
case_ "save and load"                  'E save -o $WORK/bb.tar busybox && E load -i $WORK/bb.tar'
case_ "tag same name twice"            'E tag busybox d14-tt:1 && E tag busybox d14-tt:1 && E images -q d14-tt | wc -l'
case_ "create without a command"       'E create busybox'
case_ "rmi -f used"                    'E create --name d14-rf d14-tt:1 true >/dev/null; E rmi -f d14-tt:1'
case_ "events filter event"            'E events --since $START --until 0s --filter container=d14-ev --filter event=die --format "{{.Action}}"'
case_ "history --no-trunc"             'E history --no-trunc --format "{{.ID}}" busybox'
case_ "inspect State json keys"        'E inspect -f "{{json .State}}" d14-s | jq -r "keys | join(\",\")"'

echo "== errors"
case_ "unknown command"                'E nosuchcmd'
case_ "unknown flag of ps"             'E ps --bogus'
case_ "rename: one argument"           'E rename d14-x'
case_ "rm: no argument"                'E rm'
case_ "tag: one argument"              'E tag busybox'
case_ "logs: two arguments"            'E logs d14-t d14-s'
case_ "container: unknown subcommand"  'E container bogus'
case_ "container ls/create/inspect/rm" 'E container create --name d14-mc busybox true >/dev/null; E container ls -a --filter name=d14-mc --format "{{.Names}} {{.State}}"; E container inspect -f "{{.Name}}" d14-mc; E container rm d14-mc'
case_ "image ls/tag/inspect/rm"        'E image tag busybox d14-mi:1; E image ls --format "{{.Repository}}:{{.Tag}}" d14-mi; E image inspect -f "{{.RepoTags}}" d14-mi:1; E image rm d14-mi:1'
case_ "volume: unknown subcommand"     'E volume bogus'

echo
echo "$same same, $differ differ"
[ "$differ" = 0 ]
