/**
 * `run --help` and `create --help` in Docker's words: each flag's value
 * type and usage as Docker 20.10's CLI prints them (`docker run --help`
 * here, 2026-12-01), applied to the flags this engine has by their long
 * name or alias (the flags Docker has and this engine has not are left out).
 *
 * @module
 */

import type { FlagSpec } from "./flags.ts";

/** long name → [value type ("" for none), usage], from Docker 20.10. */
const DOCKER_RUN_FLAGS: Readonly<Record<string, readonly [string, string]>> = {
  "add-host": ["list", "Add a custom host-to-IP mapping (host:ip)"],
  "cap-add": ["list", "Add Linux capabilities"],
  "cap-drop": ["list", "Drop Linux capabilities"],
  "cgroup-parent": ["string", "Optional parent cgroup for the container"],
  "cpu-shares": ["int", "CPU shares (relative weight)"],
  cpus: ["decimal", "Number of CPUs"],
  "cpuset-cpus": ["string", "CPUs in which to allow execution (0-3, 0,1)"],
  "cpuset-mems": ["string", "MEMs in which to allow execution (0-3, 0,1)"],
  detach: ["", "Run container in background and print container ID"],
  device: ["list", "Add a host device to the container"],
  dns: ["list", "Set custom DNS servers"],
  "dns-option": ["list", "Set DNS options"],
  "dns-search": ["list", "Set custom DNS search domains"],
  entrypoint: ["string", "Overwrite the default ENTRYPOINT of the image"],
  env: ["list", "Set environment variables"],
  "env-file": ["list", "Read in a file of environment variables"],
  "group-add": ["list", "Add additional groups to join"],
  "health-cmd": ["string", "Command to run to check health"],
  "health-interval": ["duration", "Time between running the check (ms|s|m|h) (default 0s)"],
  "health-retries": ["int", "Consecutive failures needed to report unhealthy"],
  "health-start-period": [
    "duration",
    "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)",
  ],
  "health-timeout": ["duration", "Maximum time to allow one check to run (ms|s|m|h) (default 0s)"],
  hostname: ["string", "Container host name"],
  init: ["", "Run an init inside the container that forwards signals and reaps processes"],
  interactive: ["", "Keep STDIN open even if not attached"],
  ip: ["string", "IPv4 address (e.g., 172.30.100.104)"],
  label: ["list", "Set meta data on a container"],
  "label-file": ["list", "Read in a line delimited file of labels"],
  memory: ["bytes", "Memory limit"],
  "memory-reservation": ["bytes", "Memory soft limit"],
  "memory-swap": ["bytes", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"],
  "memory-swappiness": ["int", "Tune container memory swappiness"],
  mount: ["mount", "Attach a filesystem mount to the container"],
  name: ["string", "Assign a name to the container"],
  network: ["network", "Connect a container to a network"],
  "no-healthcheck": ["", "Disable any container-specified HEALTHCHECK"],
  "oom-kill-disable": ["", "Disable OOM Killer"],
  "pids-limit": ["int", "Tune container pids limit (set -1 for unlimited)"],
  privileged: ["", "Give extended privileges to this container"],
  publish: ["list", "Publish a container's port(s) to the host"],
  pull: ["string", 'Pull image before running ("always"|"missing"|"never") (default "missing")'],
  "read-only": ["", "Mount the container's root filesystem as read only"],
  restart: ["string", 'Restart policy to apply when a container exits (default "no")'],
  rm: ["", "Automatically remove the container when it exits"],
  "security-opt": ["list", "Security Options"],
  "stop-signal": ["string", 'Signal to stop a container (default "SIGTERM")'],
  "stop-timeout": ["int", "Timeout (in seconds) to stop a container"],
  tmpfs: ["list", "Mount a tmpfs directory"],
  tty: ["", "Allocate a pseudo-TTY"],
  ulimit: ["ulimit", "Ulimit options (default [])"],
  user: ["string", "Username or UID (format: <name|uid>[:<group|gid>])"],
  volume: ["list", "Bind mount a volume"],
  workdir: ["string", "Working directory inside the container"],
};

/** `flags` with Docker's type and usage where Docker has the flag. */
export function withDockerRunHelp(flags: readonly FlagSpec[]): FlagSpec[] {
  return flags.map((f) => {
    const docker = DOCKER_RUN_FLAGS[f.long] ??
      f.aliases?.map((a) => DOCKER_RUN_FLAGS[a]).find((d) => d !== undefined);
    if (!docker) return f;
    const [type, help] = docker;
    return { ...f, type, help };
  });
}
