/**
 * The OCI runtime specification's `config.json` (runtime-spec 1.1), as far
 * as dockergsh reads it: the contract between the engine (images, flags,
 * networks) and the runtime (namespaces, mounts, cgroups, confinement).
 * Field names and shapes are the spec's own, so a `config.json` written by
 * another engine reads the same. Type-only: the init path imports nothing
 * for it.
 *
 * Source: https://github.com/opencontainers/runtime-spec (config.md,
 * config-linux.md), v1.1.0.
 *
 * @module
 */

/** `process.user`: who the container's process runs as. */
export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

/** `process.capabilities`: capability names (`CAP_…`) per set. */
export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** One `process.rlimits` entry (`RLIMIT_NOFILE`, …). */
export interface Rlimit {
  type: string;
  hard: number;
  soft: number;
}

/** `process`: what runs in the container and with which privileges. */
export interface Process {
  terminal?: boolean;
  user: User;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  /** The terminal's size in characters, with `terminal`. */
  consoleSize?: { height: number; width: number };
  /** An AppArmor profile to exec under (refused: no AppArmor support). */
  apparmorProfile?: string;
  /** An SELinux process label (refused: no SELinux support). */
  selinuxLabel?: string;
}

/** `root`: the container's root filesystem. */
export interface Root {
  path: string;
  readonly?: boolean;
}

/** One entry of `mounts`, in the order they are made. */
export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** One entry of `linux.devices`: a device node created in the container. */
export interface LinuxDevice {
  /** Path inside the container. */
  path: string;
  /** `c` (character), `b` (block), `u` (unbuffered character) or `p` (FIFO). */
  type: "c" | "b" | "u" | "p";
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/**
 * One entry of `linux.resources.devices`: a device cgroup rule. Rules are
 * applied in order; the last one that matches an access decides.
 */
export interface LinuxDeviceCgroup {
  allow: boolean;
  /** `a` (all), `c` or `b`; absent means all. */
  type?: "a" | "c" | "b";
  /** Absent (or -1) means any. */
  major?: number;
  minor?: number;
  /** Any of `r`, `w`, `m`; absent means all three. */
  access?: string;
}

/** `linux.resources.memory`: bytes, except swappiness (0-100) and the flags. */
export interface LinuxMemory {
  limit?: number;
  /** The soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low). */
  reservation?: number;
  /** Memory plus swap. */
  swap?: number;
  /** Kernel memory limits: deprecated, the kernel no longer has them apart. */
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  /** `update` only: refuse a limit below the current usage. */
  checkBeforeUpdate?: boolean;
}

/** `linux.resources.cpu`. */
export interface LinuxCpu {
  shares?: number;
  quota?: number;
  /** CFS burst, µs (runtime-spec 1.2). */
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  /** 1: the cgroup's tasks are SCHED_IDLE. */
  idle?: number;
}

/** One device's block I/O weight. */
export interface LinuxWeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

/** One device's block I/O throttle: bytes or operations per second. */
export interface LinuxThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

/** `linux.resources.blockIO`. */
export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

/** `linux.resources`: cgroup limits. */
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCpu;
  pids?: { limit: number };
  blockIO?: LinuxBlockIO;
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  /** cgroup v2 interface files by name, written as given. */
  unified?: Record<string, string>;
}

/** A seccomp action (`SCMP_ACT_…`). */
export type SeccompAction =
  | "SCMP_ACT_KILL"
  | "SCMP_ACT_KILL_PROCESS"
  | "SCMP_ACT_KILL_THREAD"
  | "SCMP_ACT_TRAP"
  | "SCMP_ACT_ERRNO"
  | "SCMP_ACT_TRACE"
  | "SCMP_ACT_ALLOW"
  | "SCMP_ACT_LOG"
  | "SCMP_ACT_NOTIFY";

/** A comparison operator of a seccomp argument condition. */
export type SeccompOperator =
  | "SCMP_CMP_NE"
  | "SCMP_CMP_LT"
  | "SCMP_CMP_LE"
  | "SCMP_CMP_EQ"
  | "SCMP_CMP_GE"
  | "SCMP_CMP_GT"
  | "SCMP_CMP_MASKED_EQ";

/** One argument condition of a seccomp rule. */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

/** One rule: these syscalls, under these argument conditions, get `action`. */
export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

/** `linux.seccomp`: the filter, already resolved for the container's capabilities. */
export interface LinuxSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** `SCMP_ARCH_X86_64`, `SCMP_ARCH_X86`, … */
  architectures?: string[];
  flags?: string[];
  syscalls?: SeccompSyscall[];
}

/** One entry of `linux.namespaces`: create it, or join the one at `path`. */
export interface LinuxNamespace {
  type: "pid" | "network" | "mount" | "ipc" | "uts" | "user" | "cgroup" | "time";
  path?: string;
}

/** One `linux.uidMappings` / `gidMappings` entry of a user namespace. */
export interface LinuxIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** `linux`: the Linux-specific part of the configuration. */
export interface Linux {
  namespaces?: LinuxNamespace[];
  uidMappings?: LinuxIdMapping[];
  gidMappings?: LinuxIdMapping[];
  devices?: LinuxDevice[];
  resources?: LinuxResources;
  cgroupsPath?: string;
  seccomp?: LinuxSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  sysctl?: Record<string, string>;
  rootfsPropagation?: string;
  /** An SELinux label for the container's mounts (refused: no SELinux support). */
  mountLabel?: string;
}

/** One hook: a program run with the container's state on its stdin. */
export interface Hook {
  path: string;
  /** argv, the first being argv[0]. */
  args?: string[];
  env?: string[];
  /** Seconds before the hook is killed. */
  timeout?: number;
}

/** `hooks`: programs run at points of the container's lifecycle. */
export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

/** A whole `config.json`. */
export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: Root;
  hostname?: string;
  mounts?: Mount[];
  linux?: Linux;
  hooks?: Hooks;
  annotations?: Record<string, string>;
}
