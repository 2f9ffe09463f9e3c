/**
 * Docker's seccomp profile JSON format (`--security-opt seccomp=FILE`,
 * moby's `profiles/seccomp/default.json`): the OCI form plus conditions on
 * the container's capabilities, architecture and kernel, resolved per
 * container by `seccomp_profile.ts`.
 *
 * @module
 */

import type { SeccompAction, SeccompArg } from "./spec.ts";

/** When a rule applies (includes) or does not (excludes). */
export interface DockerSeccompFilter {
  /** Capability names (`CAP_SYS_ADMIN`): includes needs all, excludes any. */
  caps?: string[];
  /** Go architecture names (`amd64`, `x86`, `x32`, `arm64`, `s390x`, …). */
  arches?: string[];
  /** `major.minor`: includes needs a kernel at least this new, excludes an older one. */
  minKernel?: string;
}

/** One rule of a Docker profile. */
export interface DockerSeccompSyscall {
  names?: string[];
  /** Legacy single name (profiles before Docker 1.13). */
  name?: string;
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  comment?: string;
  includes?: DockerSeccompFilter;
  excludes?: DockerSeccompFilter;
}

/** A native architecture and the ones its processes may also use. */
export interface DockerSeccompArchMap {
  architecture: string;
  subArchitectures: string[] | null;
}

/** A whole Docker seccomp profile. */
export interface DockerSeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** Plain list of `SCMP_ARCH_*`; a profile has this or `archMap`, not both. */
  architectures?: string[];
  archMap?: DockerSeccompArchMap[];
  flags?: string[];
  syscalls?: DockerSeccompSyscall[];
}
