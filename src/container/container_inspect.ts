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
    // Docker leaves Tmpfs out when there is none.
    Tmpfs: sec.tmpfs.length
      ? Object.fromEntries(sec.tmpfs.map((t) => [t.destination, t.options.join(",")]))
      : undefined,
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
      : s.error ?? "",
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
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    // Docker publishes nothing without a network of the container's own (`none`, `host`).
    Ports: ep ? portBindings(rec.config.ports) : {},
    SandboxKey: rec.state.status === "running" ? `/proc/${rec.state.pid}/ns/net` : "",
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: ep?.hostVeth ?? "",
    Gateway: ep?.gateway ?? "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    IPAddress: ep?.ipAddress ?? "",
    IPPrefixLen: ep?.prefixLen ?? 0,
    IPv6Gateway: "",
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

/** `labels` with its keys in order, as Go writes a map. */
export function sortedKeys(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]]));
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
  // Docker: the ports -p publishes are exposed too.
  const exposed = [...new Set(cfg.ports.map((p) => `${p.containerPort}/${p.protocol}`))];
  // Records made before Config.Volumes was kept: their -v CONTAINER volumes.
  const volumes = cfg.volumes ??
    cfg.binds.filter((b) => b.anonymous && !b.viaMountFlag).map((b) => b.destination);
  const security = securityKeys(securityOf(cfg));
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
    // No SELinux or AppArmor labels here, and exec sessions are not kept.
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null,
    // Docker's order and keys; those without a setting here keep Docker's zero value.
    HostConfig: {
      Binds: binds.length ? binds : null,
      ContainerIDFile: "",
      LogConfig: { Type: "json-file", Config: {} },
      NetworkMode: cfg.networkMode,
      PortBindings: portBindings(cfg.ports),
      RestartPolicy: {
        Name: cfg.restartPolicy?.name ?? "no",
        MaximumRetryCount: cfg.restartPolicy?.maximumRetryCount ?? 0,
      },
      AutoRemove: cfg.autoRemove,
      VolumeDriver: "",
      VolumesFrom: null,
      CapAdd: security.CapAdd,
      CapDrop: security.CapDrop,
      // Every container here has a cgroup namespace of its own.
      CgroupnsMode: "private",
      Dns: cfg.dns?.servers ?? [],
      DnsOptions: cfg.dns?.options ?? [],
      DnsSearch: cfg.dns?.search ?? [],
      ExtraHosts: cfg.extraHosts?.length ? cfg.extraHosts : null,
      GroupAdd: security.GroupAdd,
      IpcMode: "private",
      Cgroup: "",
      Links: null,
      OomScoreAdj: 0,
      PidMode: "",
      Privileged: security.Privileged,
      PublishAllPorts: false,
      ReadonlyRootfs: security.ReadonlyRootfs,
      SecurityOpt: security.SecurityOpt,
      Tmpfs: security.Tmpfs,
      UTSMode: "",
      UsernsMode: "",
      // /dev/shm is 64 MiB (src/oci/defaults.ts).
      ShmSize: 67108864,
      Runtime: "runc",
      ConsoleSize: [0, 0],
      ...(cfg.init ? { Init: true } : {}),
      Isolation: "",
      CpuShares: r.cpuShares ?? 0,
      Memory: r.memory ?? 0,
      NanoCpus: r.nanoCpus ?? 0,
      CgroupParent: r.cgroupParent ?? "",
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: null,
      BlkioDeviceWriteBps: null,
      BlkioDeviceReadIOps: null,
      BlkioDeviceWriteIOps: null,
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: r.cpusetCpus ?? "",
      CpusetMems: r.cpusetMems ?? "",
      Devices: security.Devices,
      DeviceCgroupRules: null,
      DeviceRequests: null,
      KernelMemory: 0,
      KernelMemoryTCP: 0,
      MemoryReservation: r.memoryReservation ?? 0,
      MemorySwap: r.memorySwap ?? 0,
      MemorySwappiness: r.memorySwappiness ?? null,
      OomKillDisable: r.oomKillDisable ?? false,
      PidsLimit: r.pidsLimit ?? null,
      Ulimits: security.Ulimits,
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      Mounts: mountFlags.length ? mountFlags : undefined,
      MaskedPaths: security.MaskedPaths,
      ReadonlyPaths: security.ReadonlyPaths,
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
      Domainname: "",
      User: securityOf(cfg).user ?? "",
      AttachStdin: !cfg.detach && cfg.openStdin,
      AttachStdout: !cfg.detach,
      AttachStderr: !cfg.detach,
      ...(exposed.length ? { ExposedPorts: Object.fromEntries(exposed.map((p) => [p, {}])) } : {}),
      Tty: cfg.tty,
      OpenStdin: cfg.openStdin,
      StdinOnce: !cfg.detach && cfg.openStdin,
      Env: cfg.env.length ? cfg.env : null,
      Cmd: command.length ? command : null,
      ...healthcheck(cfg.healthcheck),
      Image: cfg.image,
      Volumes: volumes.length ? Object.fromEntries(volumes.map((v) => [v, {}])) : null,
      WorkingDir: cfg.workingDir,
      Entrypoint: cfg.entrypoint ?? null,
      OnBuild: null,
      Labels: sortedKeys(cfg.labels ?? {}),
      ...(cfg.stopSignal ? { StopSignal: cfg.stopSignal } : {}),
      ...(cfg.stopTimeout !== undefined ? { StopTimeout: cfg.stopTimeout } : {}),
    },
    NetworkSettings: networkSettings(rec),
  };
}
