/**
 * The engine's side of the contract: a container record (image, flags)
 * becomes the runtime-spec's `process`, `root`, `mounts` and `linux`,
 * which the init applies without knowing about Docker's flags. Docker's
 * defaults come from src/oci/defaults.ts; this file decides how the flags
 * change them (`--privileged`, `--cap-add/--cap-drop`, `--security-opt`,
 * `--read-only`, `--tmpfs`, `--device`, `--ulimit`).
 *
 * @module
 */

import { CAPABILITIES } from "../../ffi/constants.ts";
import { splitDev } from "../_fs.ts";
import { UserError } from "../errors.ts";
import { DEFAULT_DEVICES, DOCKER_DEFAULT_DEVICE_RULES } from "../oci/default_devices.ts";
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  defaultMounts,
} from "../oci/defaults.ts";
import type { SeccompHost } from "../oci/seccomp_profile.ts";
import type {
  Capabilities,
  LinuxDevice,
  LinuxDeviceCgroup,
  LinuxNamespace,
  LinuxResources,
  LinuxSeccomp,
  Mount,
  Process,
  Spec,
} from "../oci/spec.ts";
import { DEFAULT_CGROUP_PARENT } from "../cgroup/path.ts";
import { CFS_PERIOD_US } from "../cgroup/units.ts";
import type { ContainerConfig, Resources, SecurityConfig } from "./record.ts";
import { runtimeEnv } from "./_env.ts";

/** What a record made before confinement existed gets: Docker's defaults. */
export const DEFAULT_SECURITY: SecurityConfig = {
  privileged: false,
  capAdd: [],
  capDrop: [],
  groupAdd: [],
  readOnlyRootfs: false,
  tmpfs: [],
  seccomp: "default",
  noNewPrivileges: false,
  ulimits: [],
  devices: [],
};

/** `config.security`, or the defaults for an old record. */
export function securityOf(config: ContainerConfig): SecurityConfig {
  return config.security ?? DEFAULT_SECURITY;
}

/** `net_admin`, `NET_ADMIN`, `CAP_NET_ADMIN` → `CAP_NET_ADMIN`; `all` → `ALL`. Unknown: an error. */
export function capabilityName(flag: "CapAdd" | "CapDrop", name: string): string {
  const upper = name.toUpperCase();
  if (upper === "ALL") return "ALL";
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (CAPABILITIES[full] === undefined) {
    throw new UserError(
      `dockergsh: Error response from daemon: invalid ${flag}: unknown capability: "${full}"`,
    );
  }
  return full;
}

/**
 * The capabilities this process may hand on: its own bounding set. A
 * privileged container gets all of them (not every capability the kernel
 * knows: a host root without CAP_SYS_RESOURCE cannot give it away).
 */
function ownCapabilities(): string[] {
  if (own) return own;
  const status = Deno.readTextFileSync("/proc/self/status");
  const mask = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? "0"}`);
  own = Object.entries(CAPABILITIES).filter(([, n]) => (mask >> BigInt(n)) & 1n).map(([c]) => c);
  return own;
}
let own: string[] | undefined;

/**
 * Docker's rules: the defaults (or all this process holds, or none), minus
 * the drops, plus the adds.
 */
export function capabilityList(security: SecurityConfig): string[] {
  if (security.privileged) return ownCapabilities();
  let base: readonly string[] = DEFAULT_CAPABILITIES;
  if (security.capAdd.includes("ALL")) base = ownCapabilities();
  if (security.capDrop.includes("ALL")) base = [];
  const caps = base.filter((c) => !security.capDrop.includes(c));
  for (const c of security.capAdd) if (c !== "ALL" && !caps.includes(c)) caps.push(c);
  return caps;
}

/** Refuses, in one line, capabilities this process cannot hand on (capset would say EPERM). */
function checkGrantable(caps: readonly string[]): void {
  const own = ownCapabilities();
  const missing = caps.filter((c) => !own.includes(c));
  if (missing.length > 0) {
    throw new UserError(
      `dockergsh: cannot give the container ${missing.join(", ")}: dockergsh does not hold ` +
        `${missing.length > 1 ? "them" : "it"} itself (this host's root lacks ${
          missing.length > 1 ? "them" : "it"
        })`,
    );
  }
}

/**
 * The five capability sets for `caps`. Inheritable and ambient stay empty
 * (as in Docker since 20.10.14); a non-root user's permitted and effective
 * sets are emptied by the kernel itself at execve, as Docker's are.
 */
function capabilitySets(caps: string[]): Capabilities {
  return { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] };
}

/**
 * A user's profile (`--security-opt seccomp=FILE`, Docker's JSON format)
 * for a container holding `caps`, checked as the filter will check it, so
 * a bad profile is refused at create, in one line.
 */
export async function seccompFromUserProfile(
  json: string,
  caps: readonly string[],
  host?: SeccompHost,
): Promise<LinuxSeccomp> {
  const { seccompFromDockerProfile } = await import("../oci/seccomp_profile.ts");
  const { validateSeccomp } = await import("../security/seccomp_filter.ts");
  const spec = seccompFromDockerProfile(json, caps, host);
  try {
    validateSeccomp(spec);
  } catch (err) {
    if (err instanceof UserError) {
      throw new UserError(`decoding seccomp profile failed: ${err.message}`);
    }
    throw err;
  }
  return spec;
}

/** Host devices a privileged container gets: every node under /dev but the per-container ones. */
function hostDevices(dir = "/dev"): LinuxDevice[] {
  const skip = new Set(["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/console", "/dev/fd"]);
  const out: LinuxDevice[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (skip.has(path) || entry.isSymlink) continue;
    if (entry.isDirectory) {
      out.push(...hostDevices(path));
      continue;
    }
    const info = Deno.statSync(path);
    if (!info.isCharDevice && !info.isBlockDevice) continue;
    out.push({
      path,
      type: info.isCharDevice ? "c" : "b",
      ...splitDev(info.rdev ?? 0),
      fileMode: (info.mode ?? 0o600) & 0o7777,
      uid: info.uid ?? 0,
      gid: info.gid ?? 0,
    });
  }
  return out;
}

/**
 * The device nodes and cgroup rules of a container: Docker's rules, as
 * Docker writes them into the spec (the runtime appends runc's, as runc
 * does).
 */
export function devicesFor(
  security: SecurityConfig,
): { nodes: LinuxDevice[]; rules: LinuxDeviceCgroup[] } {
  if (security.privileged) {
    return { nodes: hostDevices(), rules: [{ allow: true, access: "rwm" }] };
  }
  return {
    nodes: [...DEFAULT_DEVICES, ...security.devices.map((d) => d.node)],
    rules: lastOfEach([...DOCKER_DEFAULT_DEVICE_RULES, ...security.devices.map((d) => d.rule)]),
  };
}

/**
 * `rules` without the earlier copies of a rule that comes again (Docker's
 * and runc's defaults overlap): with "last match wins", an earlier copy
 * never decides anything, and each rule is a cgroup write at every start.
 */
function lastOfEach(rules: readonly LinuxDeviceCgroup[]): LinuxDeviceCgroup[] {
  const key = (r: LinuxDeviceCgroup) =>
    [r.allow, r.type ?? "a", r.major ?? -1, r.minor ?? -1, r.access ?? "rwm"].join(" ");
  const last = new Map(rules.map((r, i) => [key(r), i]));
  return rules.filter((r, i) => last.get(key(r)) === i);
}

/**
 * `-m`, `--memory-swap`, `--memory-reservation`, `--memory-swappiness`,
 * `--oom-kill-disable`, `--cpus`, `-c`, `--cpuset-*`, `--pids-limit` as
 * `linux.resources`, which the runtime turns back into the same cgroup
 * writes (`--cpus` as Docker gives it: a quota over a 100 ms period).
 */
function resourcesFor(r: Resources, devices: LinuxDeviceCgroup[]): LinuxResources {
  const out: LinuxResources = { devices };
  const memory: LinuxResources["memory"] = {};
  if (r.memory !== undefined) memory.limit = r.memory;
  if (r.memorySwap !== undefined && r.memory !== undefined) memory.swap = r.memorySwap;
  if (r.memoryReservation !== undefined) memory.reservation = r.memoryReservation;
  if (r.memorySwappiness !== undefined) memory.swappiness = r.memorySwappiness;
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length > 0) out.memory = memory;
  const cpu: LinuxResources["cpu"] = {};
  if (r.cpuShares !== undefined) cpu.shares = r.cpuShares;
  if (r.nanoCpus !== undefined) {
    cpu.quota = Math.round(r.nanoCpus * CFS_PERIOD_US / 1e9);
    cpu.period = CFS_PERIOD_US;
  }
  if (r.cpusetCpus !== undefined) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems !== undefined) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (r.pidsLimit !== undefined) out.pids = { limit: r.pidsLimit };
  return out;
}

/** Mount depth, for mounting a parent before what goes inside it. */
function depth(m: Mount): number {
  return m.destination.split("/").filter((p) => p !== "").length;
}

/** Host files of a container that are bind-mounted over its /etc files. */
export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

/** Where the runtime finds what the engine prepared for a start. */
export interface SpecPaths {
  /** The container's root (the overlay's mount point). */
  root: string;
  etcFiles: EtcFiles;
  /** With a terminal: the devpts instance holding it, to become /dev/pts. */
  devpts?: string;
}

/** Where `--init` finds the reaper on the host: Debian's static tini (package `tini`). */
export const HOST_INIT = "/usr/bin/tini-static";
/** Where Docker puts it in the container. */
const CONTAINER_INIT = "/sbin/docker-init";

/** `--init`: the reaper bound read-only into the container, or one line when the host has none. */
function initMount(): Mount {
  if (!Deno.statSync(HOST_INIT).isFile) throw new Deno.errors.NotFound(HOST_INIT);
  return {
    destination: CONTAINER_INIT,
    type: "bind",
    source: HOST_INIT,
    options: ["rbind", "rprivate", "ro"],
  };
}

/** The container's process: the command and its privileges. */
function processFor(config: ContainerConfig, caps: string[], security: SecurityConfig): Process {
  return {
    terminal: config.tty,
    user: { uid: 0, gid: 0 },
    // As Docker: the reaper is PID 1 and runs the command as its child.
    args: config.init ? [CONTAINER_INIT, "--", ...config.cmd] : config.cmd,
    env: runtimeEnv(config),
    cwd: config.workingDir,
    capabilities: capabilitySets(caps),
    rlimits: security.ulimits,
    noNewPrivileges: security.noNewPrivileges,
  };
}

/** The container's `linux.namespaces`: all new, but the host's network with `--net host`. */
export function containerNamespaces(
  config: Pick<ContainerConfig, "networkMode">,
): LinuxNamespace[] {
  return [
    { type: "pid" },
    { type: "ipc" },
    { type: "uts" },
    { type: "mount" },
    { type: "cgroup" },
    ...(config.networkMode === "host" ? [] : [{ type: "network" as const }]),
  ];
}

/**
 * The runtime-spec configuration of container `id`, made from `config`;
 * its cgroup is `<--cgroup-parent or /dockergsh>/<id>`, its seccomp filter
 * `seccomp` (see container_seccomp.ts), which the runtime compiles.
 */
export function containerSpec(
  id: string,
  config: ContainerConfig,
  paths: SpecPaths,
  seccomp: LinuxSeccomp | undefined,
): Spec & { process: Process; root: { path: string; readonly: boolean } } {
  const security = securityOf(config);
  const caps = capabilityList(security);
  checkGrantable(caps);
  const devices = devicesFor(security);
  const mounts = defaultMounts(security.privileged).map((m): Mount =>
    m.destination === "/dev/pts" && paths.devpts
      ? { destination: "/dev/pts", type: "bind", source: paths.devpts, options: ["bind"] }
      : m
  );
  const etc: Array<[string, string]> = [
    ["/etc/resolv.conf", paths.etcFiles.resolvConf],
    ["/etc/hostname", paths.etcFiles.hostname],
    ["/etc/hosts", paths.etcFiles.hosts],
  ];
  for (const [destination, source] of etc) {
    mounts.push({ destination, type: "bind", source, options: ["rbind", "rprivate"] });
  }
  if (config.init) {
    try {
      mounts.push(initMount());
    } catch {
      throw new UserError(
        `dockergsh: Error response from daemon: --init: ${HOST_INIT} not found (install Debian's tini)`,
      );
    }
  }
  const user: Mount[] = [
    ...config.binds.map((b): Mount => ({
      destination: b.destination,
      type: "bind",
      source: b.source,
      options: [b.nonRecursive ? "bind" : "rbind", "rprivate", ...(b.readOnly ? ["ro"] : [])],
    })),
    ...security.tmpfs.map((t): Mount => ({
      destination: t.destination,
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", "noexec", ...t.options],
    })),
  ];
  mounts.push(...user.sort((a, b) => depth(a) - depth(b)));
  const namespaces = containerNamespaces(config);
  return {
    ociVersion: "1.1.0",
    process: processFor(config, caps, security),
    root: { path: paths.root, readonly: security.readOnlyRootfs },
    hostname: config.hostname,
    mounts,
    linux: {
      namespaces,
      devices: devices.nodes,
      cgroupsPath: `${config.resources.cgroupParent ?? DEFAULT_CGROUP_PARENT}/${id}`,
      resources: resourcesFor(config.resources, devices.rules),
      maskedPaths: security.privileged ? [] : [...DEFAULT_MASKED_PATHS],
      readonlyPaths: security.privileged ? [] : [...DEFAULT_READONLY_PATHS],
      ...(seccomp ? { seccomp } : {}),
    },
  };
}

/** What `exec` changes of the container's process. */
export interface ExecOverrides {
  args: string[];
  env: string[];
  cwd: string;
  terminal: boolean;
  /** `exec --privileged`: every capability (the container's seccomp filter still applies). */
  privileged: boolean;
}

/**
 * An exec'd process: the container's confinement (capabilities,
 * no_new_privs, rlimits; its seccomp filter is the container's, see
 * container_exec.ts). `exec --privileged` gives it every capability, as
 * Docker's does.
 */
export function execProcess(config: ContainerConfig, exec: ExecOverrides): Process {
  const security = securityOf(config);
  const caps = capabilityList(exec.privileged ? { ...security, privileged: true } : security);
  checkGrantable(caps);
  return {
    ...processFor(config, caps, security),
    args: exec.args,
    env: exec.env,
    cwd: exec.cwd,
    terminal: exec.terminal,
  };
}
