/**
 * The container record: everything dockergsh knows about one container,
 * stored as `<root>/containers/<id>/config.json` and written atomically.
 *
 * @module
 */

import type { Resources } from "../cgroup/resources.ts";
import type { NetworkEndpoint, PortMapping } from "../network/endpoint.ts";
import type { LinuxDevice, LinuxDeviceCgroup, Rlimit } from "../oci/spec.ts";

// Parts of the record that the network layer defines; the record's readers take them from here.
export type { NetworkEndpoint, PortMapping };

/** Lifecycle states (Docker's names). `removed` is the absence of a record. */
export type ContainerStatus = "created" | "running" | "exited";

/**
 * One bind mount (`-v HOST:CONTAINER[:ro]`, `--mount type=bind`) or volume
 * (`-v NAME:CONTAINER`, `-v CONTAINER`, `--mount type=volume`).
 */
export interface BindMount {
  /** Host path; for a volume its `_data` directory (filled in at create). */
  source: string;
  destination: string;
  readOnly: boolean;
  /** A volume's name (a 64-hex one for an anonymous volume). */
  volume?: string;
  /** An anonymous volume: `rm -v` removes it with the container. */
  anonymous?: boolean;
  /** A volume that is empty gets the image's content at `destination` (not `nocopy`). */
  copyUp?: boolean;
  /** `--mount type=bind`: a missing source is an error, not made as `-v` makes it. */
  mustExist?: boolean;
  /** How the user wrote it: `-v` (in HostConfig.Binds) or `--mount` (in HostConfig.Mounts). */
  viaMountFlag?: boolean;
  /** `bind-nonrecursive`: the mounts below the source are not bound with it. */
  nonRecursive?: boolean;
}

/** `--restart`: Docker's policy names. */
export interface RestartPolicy {
  name: "no" | "on-failure" | "always" | "unless-stopped";
  maximumRetryCount: number;
}

/** `--health-*`: Docker's Config.Healthcheck (durations in nanoseconds; absent: Docker's defaults). */
export interface HealthConfig {
  /** `["CMD-SHELL", cmd]`, or `["NONE"]` for `--no-healthcheck`. */
  test: string[];
  intervalNs?: number;
  timeoutNs?: number;
  retries?: number;
  startPeriodNs?: number;
}

/** One probe's result, as Docker's State.Health.Log keeps it. */
export interface HealthProbe {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** Docker's State.Health of the current run. */
export interface HealthState {
  status: "starting" | "healthy" | "unhealthy";
  failingStreak: number;
  /** The last five probes. */
  log: HealthProbe[];
}

/** `--dns`, `--dns-search`, `--dns-option`: the container's resolv.conf. */
export interface DnsConfig {
  servers: string[];
  search: string[];
  options: string[];
}

/**
 * Confinement asked for at create time (Docker's HostConfig security
 * fields); `container_spec.ts` turns it into the runtime-spec's terms.
 */
export interface SecurityConfig {
  privileged: boolean;
  /** `CAP_…` names, or `ALL`. */
  capAdd: string[];
  capDrop: string[];
  /** `-u USER[:GROUP]`; absent: the image's user, else root. */
  user?: string;
  groupAdd: string[];
  readOnlyRootfs: boolean;
  tmpfs: Array<{ destination: string; options: string[] }>;
  /** Docker's default profile, none, or a profile's JSON text (read at create, as Docker does). */
  seccomp: "default" | "unconfined" | { profile: string };
  noNewPrivileges: boolean;
  ulimits: Rlimit[];
  /** `--device`: the node made in the container and the cgroup rule that lets it be used. */
  devices: Array<{ hostPath: string; node: LinuxDevice; rule: LinuxDeviceCgroup }>;
}

/** Resource limits (`-m`, `--cpus`, …): the cgroup drivers' terms. */
export type { Resources };

/** What the container runs and how: fixed at create time. */
export interface ContainerConfig {
  image: string;
  imageId: string;
  /** argv of the user's command: entrypoint and arguments. */
  cmd: string[];
  /** Docker's Config.Entrypoint: the first part of `cmd` (absent: none). */
  entrypoint?: string[];
  /**
   * Docker's Config.Env: the user's and the image's variables. (Records made
   * before it was so also hold PATH and HOSTNAME; merging those again changes nothing.)
   */
  env: string[];
  hostname: string;
  workingDir: string;
  tty: boolean;
  openStdin: boolean;
  detach: boolean;
  autoRemove: boolean;
  binds: BindMount[];
  resources: Resources;
  networkMode: string;
  ports: PortMapping[];
  ipRequest?: string;
  /** Absent in records made before confinement existed: those get the defaults. */
  security?: SecurityConfig;
  /** `-l/--label`, `--label-file` (Config.Labels). */
  labels?: Record<string, string>;
  /** `--add-host NAME:IP` lines, as given. */
  extraHosts?: string[];
  dns?: DnsConfig;
  /** `--stop-signal`, or the image's STOPSIGNAL; absent: SIGTERM. */
  stopSignal?: string;
  /** `--stop-timeout` in seconds; absent: Docker's 10. */
  stopTimeout?: number;
  restartPolicy?: RestartPolicy;
  /** Docker's Config.Volumes: the image's VOLUMEs and the `-v CONTAINER` paths (overridden or not). */
  volumes?: string[];
  /** `--init`: a reaper (tini) is PID 1 and runs `cmd` as its child. */
  init?: boolean;
  healthcheck?: HealthConfig;
}

/** What the kernel last told us about the container's process. */
export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  /** starttime (field 22 of /proc/<pid>/stat) of `pid`, to tell a recycled PID apart. */
  pidStartTime: number;
  /** Exit code; null while running or when nobody could observe the exit. */
  exitCode: number | null;
  startedAt: string;
  finishedAt: string;
  oomKilled: boolean;
  /** True while running with every process frozen (`pause`); Docker's status is then "paused". */
  paused?: boolean;
  /** Why its last start failed (Docker's State.Error); gone once a start succeeds. */
  error?: string;
}

/** The stored record. */
export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  config: ContainerConfig;
  state: ContainerState;
  endpoint?: NetworkEndpoint;
  /** Times the monitor restarted it under its restart policy (Docker's RestartCount). */
  restartCount?: number;
  /** `stop` (or `rm -f`) ended its last run: no restart policy brings it back. */
  manuallyStopped?: boolean;
  /**
   * Its restart policy's next start is due by then (the monitor's back-off):
   * Docker's "restarting" state until it starts, is stopped, or the time has
   * passed (the monitor that would have started it is gone).
   */
  restartingUntil?: string;
  /** What the health checks of its current (or last) run found; with a healthcheck only. */
  health?: HealthState;
}

/** A fresh state for a container that has not started yet. */
export function createdState(): ContainerState {
  return {
    status: "created",
    pid: 0,
    pidStartTime: 0,
    exitCode: null,
    startedAt: "0001-01-01T00:00:00Z",
    finishedAt: "0001-01-01T00:00:00Z",
    oomKilled: false,
  };
}
