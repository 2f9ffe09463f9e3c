/**
 * `inspect` of a container: the record in Docker's JSON shape and key
 * names, so that scripts written for `docker inspect` (and its `--format`
 * templates) work. Keys without a meaning here keep Docker's empty value.
 *
 * Two honest differences: an exit nobody could observe (the container's
 * parent was gone) has ExitCode -1, which no process can exit with, and
 * State.Error says why; FinishedAt is then when dockergsh first saw the
 * process gone, an upper bound.
 *
 * @module
 */

import { ImageStore } from "../image/store.ts";
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from "../oci/defaults.ts";
import { securityOf } from "./container_spec.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";
import type { ContainerRecord, HealthConfig, PortMapping, SecurityConfig } from "./record.ts";
import { statusWord } from "./state.ts";
import { hasProbes } from "./health_state.ts";
import { isRestarting } from "./restarting.ts";

/** ExitCode shown when the exit was not observed. */
export const UNKNOWN_EXIT_CODE = -1;

/** HostConfig's confinement keys, as Docker names and fills them. */
function securityKeys(sec: SecurityConfig) {
  const opts = [
    ...(sec.noNewPrivileges ? ["no-new-privileges"] : []),
    ...(sec.seccomp === "unconfined" ? ["seccomp=unconfined"] : []),
    ...(typeof sec.seccomp === "object" ? [`seccomp=${sec.seccomp.profile}`] : []),
  ];
  return {
    Privileged: sec.privileged,
    CapAdd: sec.capAdd.length ? sec.capAdd : null,
    CapDrop: sec.capDrop.length ? sec.capDrop : null,
    GroupAdd: sec.groupAdd.length ? sec.groupAdd : null,
    ReadonlyRootfs: sec.readOnlyRootfs,
    SecurityOpt: opts.length ? opts : null,
    Tmpfs: sec.tmpfs.length
      ? Object.fromEntries(sec.tmpfs.map((t) => [t.destination, t.options.join(",")]))
      : null,
    Ulimits: sec.ulimits.length
      ? sec.ulimits.map((u) => ({
        Name: u.type.slice("RLIMIT_".length).toLowerCase(),
        Hard: u.hard,
        Soft: u.soft,
      }))
      : null,
    Devices: sec.devices.map((d) => ({
      PathOnHost: d.hostPath,
      PathInContainer: d.node.path,
      CgroupPermissions: d.rule.access ?? "rwm",
    })),
    MaskedPaths: sec.privileged ? null : [...DEFAULT_MASKED_PATHS],
    ReadonlyPaths: sec.privileged ? null : [...DEFAULT_READONLY_PATHS],
  };
}

/** Docker's `"80/tcp": [{HostIp, HostPort}]` map of published ports. */
function portBindings(ports: readonly PortMapping[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const p of ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    (out[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}

/** Docker's State.Health: null before the first start, absent without a healthcheck. */
function health(rec: ContainerRecord) {
  if (!hasProbes(rec.config.healthcheck)) return {};
  const h = rec.health;
  return {
    Health: h
      ? {
        Status: h.status,
        FailingStreak: h.failingStreak,
        Log: h.log.map((p) => ({
          Start: p.start,
          End: p.end,
          ExitCode: p.exitCode,
          Output: p.output,
        })),
      }
      : null,
  };
}

/** Docker's Config.Healthcheck: the fields given, durations in nanoseconds. */
function healthcheck(check: HealthConfig | undefined) {
  if (!check) return {};
  return {
    Healthcheck: {
      Test: check.test,
      ...(check.intervalNs ? { Interval: check.intervalNs } : {}),
      ...(check.timeoutNs ? { Timeout: check.timeoutNs } : {}),
      ...(check.startPeriodNs ? { StartPeriod: check.startPeriodNs } : {}),
      ...(check.retries ? { Retries: check.retries } : {}),
    },
  };
}

function state(rec: ContainerRecord) {
  const s = rec.state;
  const unknownExit = s.status === "exited" && s.exitCode === null;
  // Docker, in a restart's back-off: "restarting", Running true, Pid 0 (measured).
  const restarting = isRestarting(rec, new Date());
  return {
    Status: restarting ? "restarting" : statusWord(s),
    Running: s.status === "running" || restarting,
    Paused: statusWord(s) === "paused",
    Restarting: restarting,
    OOMKilled: s.oomKilled,
    Dead: false,
    Pid: s.status === "running" ? s.pid : 0,
    ExitCode: unknownExit ? UNKNOWN_EXIT_CODE : s.exitCode ?? 0,
    Error: unknownExit
      ? "exit code unknown: the process exited while no dockergsh process was its parent"
      : "",
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
    ...health(rec),
  };
}

function networkSettings(rec: ContainerRecord) {
  // Like Docker, addresses are shown while the container runs.
  const ep = rec.state.status === "running" ? rec.endpoint : undefined;
  const network = ep?.network ?? rec.config.networkMode;
  return {
    Bridge: "",
    SandboxID: "",
    // Docker publishes nothing without a network of the container's own (`none`, `host`).
    Ports: ep ? portBindings(rec.config.ports) : {},
    SandboxKey: rec.state.status === "running" ? `/proc/${rec.state.pid}/ns/net` : "",
    Gateway: ep?.gateway ?? "",
    IPAddress: ep?.ipAddress ?? "",
    IPPrefixLen: ep?.prefixLen ?? 0,
    MacAddress: ep?.macAddress ?? "",
    Networks: {
      [network]: {
        IPAMConfig: rec.config.ipRequest ? { IPv4Address: rec.config.ipRequest } : null,
        Links: null,
        Aliases: null,
        NetworkID: "",
        EndpointID: ep?.hostVeth ?? "",
        Gateway: ep?.gateway ?? "",
        IPAddress: ep?.ipAddress ?? "",
        IPPrefixLen: ep?.prefixLen ?? 0,
        IPv6Gateway: "",
        GlobalIPv6Address: "",
        GlobalIPv6PrefixLen: 0,
        MacAddress: ep?.macAddress ?? "",
        DriverOpts: null,
      },
    },
  };
}

/** `docker inspect`'s object for one container. */
export function inspectContainer(root: StateRoot, rec: ContainerRecord): Record<string, unknown> {
  const cfg = rec.config;
  const paths = containerPaths(root, rec.id);
  const r = cfg.resources;
  const command = cfg.cmd.slice(cfg.entrypoint?.length ?? 0);
  // As Docker: `-v` entries other than anonymous volumes in Binds, `--mount` ones in Mounts.
  const binds = cfg.binds.filter((b) => !b.viaMountFlag && !b.anonymous).map((b) =>
    `${b.volume ?? b.source}:${b.destination}${b.readOnly ? ":ro" : ""}`
  );
  const mountFlags = cfg.binds.filter((b) => b.viaMountFlag).map((b) => ({
    Type: b.volume === undefined ? "bind" : "volume",
    ...(b.anonymous ? {} : { Source: b.volume ?? b.source }),
    Target: b.destination,
    ...(b.readOnly ? { ReadOnly: true } : {}),
  }));
  // Records made before Config.Volumes was kept: their -v CONTAINER volumes.
  const volumes = cfg.volumes ??
    cfg.binds.filter((b) => b.anonymous && !b.viaMountFlag).map((b) => b.destination);
  return {
    Id: rec.id,
    Created: rec.created,
    Path: cfg.cmd[0],
    Args: cfg.cmd.slice(1),
    State: state(rec),
    Image: `sha256:${cfg.imageId}`,
    ResolvConfPath: paths.resolvConf,
    HostnamePath: paths.hostname,
    HostsPath: paths.hosts,
    LogPath: paths.log,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount ?? 0,
    Driver: "overlay2",
    Platform: "linux",
    HostConfig: {
      Binds: binds.length ? binds : null,
      NetworkMode: cfg.networkMode,
      PortBindings: portBindings(cfg.ports),
      AutoRemove: cfg.autoRemove,
      CgroupParent: r.cgroupParent ?? "",
      CpuShares: r.cpuShares ?? 0,
      Memory: r.memory ?? 0,
      NanoCpus: r.nanoCpus ?? 0,
      CpusetCpus: r.cpusetCpus ?? "",
      CpusetMems: r.cpusetMems ?? "",
      MemorySwap: r.memorySwap ?? 0,
      PidsLimit: r.pidsLimit ?? null,
      ...securityKeys(securityOf(cfg)),
      Mounts: mountFlags.length ? mountFlags : undefined,
      Dns: cfg.dns?.servers ?? [],
      DnsSearch: cfg.dns?.search ?? [],
      DnsOptions: cfg.dns?.options ?? [],
      ExtraHosts: cfg.extraHosts?.length ? cfg.extraHosts : null,
      RestartPolicy: {
        Name: cfg.restartPolicy?.name ?? "no",
        MaximumRetryCount: cfg.restartPolicy?.maximumRetryCount ?? 0,
      },
      ...(cfg.init ? { Init: true } : {}),
      LogConfig: { Type: "json-file", Config: {} },
    },
    GraphDriver: {
      Data: {
        LowerDir: new ImageStore(root).layerDirs(cfg.imageId).join(":"),
        MergedDir: paths.merged,
        UpperDir: paths.upper,
        WorkDir: paths.work,
      },
      Name: "overlay2",
    },
    Mounts: cfg.binds.map((b) =>
      b.volume === undefined
        ? {
          Type: "bind",
          Source: b.source,
          Destination: b.destination,
          Mode: b.readOnly ? "ro" : "",
          RW: !b.readOnly,
          Propagation: "rprivate",
        }
        : {
          Type: "volume",
          Name: b.volume,
          Source: b.source,
          Destination: b.destination,
          Driver: "local",
          // Docker's: "z" for a --mount volume, the -v mode otherwise.
          Mode: b.viaMountFlag ? "z" : b.readOnly ? "ro" : "",
          RW: !b.readOnly,
          Propagation: "",
        }
    ),
    Config: {
      Hostname: cfg.hostname,
      User: securityOf(cfg).user ?? "",
      Domainname: "",
      AttachStdin: !cfg.detach && cfg.openStdin,
      AttachStdout: !cfg.detach,
      AttachStderr: !cfg.detach,
      Tty: cfg.tty,
      OpenStdin: cfg.openStdin,
      StdinOnce: !cfg.detach && cfg.openStdin,
      Env: cfg.env.length ? cfg.env : null,
      Cmd: command.length ? command : null,
      Image: cfg.image,
      Volumes: volumes.length ? Object.fromEntries(volumes.map((v) => [v, {}])) : null,
      WorkingDir: cfg.workingDir,
      Entrypoint: cfg.entrypoint ?? null,
      Labels: cfg.labels ?? {},
      ...(cfg.stopSignal ? { StopSignal: cfg.stopSignal } : {}),
      ...(cfg.stopTimeout !== undefined ? { StopTimeout: cfg.stopTimeout } : {}),
      ...healthcheck(cfg.healthcheck),
    },
    NetworkSettings: networkSettings(rec),
  };
}
